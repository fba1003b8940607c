/**
 * JSON text written the way Python's `json.dump` writes it (MLflow's scoring server and predict
 * CLI use it with numpy values converted): `", "` and `": "` separators, non-ASCII escaped as
 * `\uXXXX`, floats in Python's `repr` (`1.0`, `1e-05`, `1e+16`) and NaN / Infinity written bare.
 * Clients compare these bytes (the predict CLI's output file), so the spelling matters.
 */

/** How a number is spelt: as a Python float (`1.0`) or a Python int (`1`). */
export type NumberStyle = 'float' | 'int';

/** Python's `repr(float)`: the shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function pythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  // Between 1e-4 and 1e16 both languages write the same shortest digits in fixed notation.
  const magnitude = value < 0 ? -value : value;
  if (magnitude >= 1e-4 && magnitude < 1e16) {
    const fixed = String(value);
    return fixed.includes('.') ? fixed : `${fixed}.0`;
  }
  // toExponential() without digits gives the shortest digits that round-trip, as repr does.
  const exp = value.toExponential();
  const at = exp.indexOf('e');
  const exponent = Number(exp.slice(at + 1));
  if (exponent < -4 || exponent >= 16) {
    const mantissa = exp.slice(0, at);
    const sign = exponent < 0 ? '-' : '+';
    const digits = String(Math.abs(exponent)).padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  const fixed = String(value);
  return fixed.includes('.') ? fixed : `${fixed}.0`;
}

// Python's ensure_ascii escapes everything outside space..tilde.
const NEEDS_ESCAPE = /[^\x20-\x7e]|["\\]/;
const NON_ASCII = /[\x7f-\uffff]/g;

/** A JSON string literal as Python writes it (ensure_ascii). */
export function pythonString(value: string): string {
  const json = JSON.stringify(value);
  if (!NEEDS_ESCAPE.test(value)) return json;
  return json.replace(NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Writes a JSON value. Numbers are written as floats when `style` says so (the value came from a
 * float dtype), else as ints when integral; bigints as ints.
 */
export function pythonJson(value: unknown, style?: NumberStyle): string {
  switch (typeof value) {
    case 'number':
      if (style === 'float' || !Number.isInteger(value)) return pythonFloat(value);
      return String(value);
    case 'bigint':
      return value.toString();
    case 'string':
      return pythonString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'null';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((v) => pythonJson(v, style)).join(', ')}]`;
      if (ArrayBuffer.isView(value)) return pythonJson(Array.from(value as unknown as ArrayLike<unknown>), style);
      const parts: string[] = [];
      for (const [k, v] of Object.entries(value)) parts.push(`${pythonString(k)}: ${pythonJson(v, style)}`);
      return `{${parts.join(', ')}}`;
    }
    default:
      return 'null';
  }
}
