/**
 * JSON parsed with the spelling of its numbers kept where it matters: Python's json gives `1.0` a
 * float and `1` an int, and `mlflow models predict` (which does not cast to the signature) refuses
 * int columns for double inputs. JSON.parse loses that difference, so the predict CLI parses its
 * (already validated) input here: a number written with a fraction or exponent becomes a
 * FloatLiteral, which the frame and tensor builders read as a float64 value.
 */

export class FloatLiteral {
  constructor(readonly value: number) {}
}

/** The number inside a cell that may be a FloatLiteral. */
export function literalValue(value: unknown): unknown {
  return value instanceof FloatLiteral ? value.value : value;
}

/** Parses valid JSON (check it with JSON.parse first), float-spelt numbers as FloatLiteral. */
export function parseJsonKeepingFloats(text: string): unknown {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        ws();
        const key = value() as string;
        ws();
        i++; // ':'
        out[key] = value();
        ws();
        if (text[i++] === '}') return out;
      }
    }
    if (c === '[') {
      i++;
      const out: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value());
        ws();
        if (text[i++] === ']') return out;
      }
    }
    if (c === '"') {
      const start = i;
      i++;
      while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      return JSON.parse(text.slice(start, i)) as string;
    }
    const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?|^true|^false|^null/.exec(text.slice(i, i + 400));
    const token = match![0];
    i += token.length;
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (token === 'null') return null;
    return match![1] !== undefined || match![2] !== undefined ? new FloatLiteral(Number(token)) : Number(token);
  };
  return value();
}
