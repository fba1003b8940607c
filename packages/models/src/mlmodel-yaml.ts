/**
 * YAML text as MLflow's `yaml.safe_dump(..., default_flow_style=False)` writes it (PyYAML): keys
 * sorted at every level, sequences not indented under their key, strings plain unless YAML 1.1
 * would read them as something else (then single-quoted), text with characters outside printable
 * ASCII double-quoted with PyYAML's escapes (`\xEF`, `\u2013`), and long plain or single-quoted
 * strings folded the way PyYAML folds them: at the first space after column 80, continued two
 * columns in from the mapping or sequence that holds them. Checked byte for byte against PyYAML
 * in packages/models/test/mlmodel-yaml.test.ts. Not covered: multi-line strings and folding of
 * double-quoted ones (MLmodel files have neither unless metadata brings them).
 */
import { Document, isScalar, visit } from 'yaml';

/** PyYAML's best_width. */
const BEST_WIDTH = 80;

const PYYAML_ESCAPES: Record<string, string> = {
  '\0': '0', '\x07': 'a', '\b': 'b', '\t': 't', '\n': 'n', '\v': 'v', '\f': 'f', '\r': 'r', '\x1b': 'e',
  '"': '"', '\\': '\\', '\x85': 'N', '\xa0': '_', '\u2028': 'L', '\u2029': 'P',
};

/** PyYAML's double-quoted form without allow_unicode: escapes, then \xXX, \uXXXX, \UXXXXXXXX. */
function pyyamlDoubleQuoted(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    const named = PYYAML_ESCAPES[ch];
    if (named !== undefined) out += `\\${named}`;
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else if (code <= 0xff) out += `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (code <= 0xffff) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += `\\U${code.toString(16).toUpperCase().padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** Folds one `[- ...][key: ]<plain or single-quoted scalar>` line as PyYAML's scalar writers do. */
function foldLine(line: string): string {
  if (line.length <= BEST_WIDTH) return line;
  const match = /^((?: *)(?:- )*)((?:'(?:[^']|'')*'|[^\s'"-][^:]*): )?(.*)$/.exec(line);
  if (match === null) return line;
  const prefix = match[1]!;
  const key = match[2] ?? '';
  const value = match[3]!;
  if (/^["|>{[]/.test(value) || (value.startsWith("'") && !value.endsWith("'"))) return line;
  const indent = prefix.length + (key !== '' ? 2 : 0);
  let out = prefix + key;
  let column = out.length;
  for (const piece of value.split(/( +)/)) {
    if (piece === ' ' && column > BEST_WIDTH) {
      out += `\n${' '.repeat(indent)}`;
      column = indent;
      continue;
    }
    out += piece;
    column += piece.length;
  }
  return out;
}

/**
 * The `yaml` library double-quotes a string that needs quotes and holds a `'`; PyYAML single-quotes
 * it, doubling the `'`. (Strings it must double-quote were taken out before, so only printable
 * ASCII with `\"` and `\\` escapes is left here.)
 */
function singleQuoted(line: string): string {
  const match = /^((?: *)(?:- )*(?:(?:'(?:[^']|'')*'|[^\s'"-][^:]*): )?)"((?:[^"\\]|\\["\\])*)"$/.exec(line);
  if (match === null) return line;
  const text = match[2]!.replace(/\\(["\\])/g, '$1');
  return `${match[1]}'${text.replace(/'/g, "''")}'`;
}

/** YAML text of a JSON-compatible mapping as PyYAML's safe_dump writes it. */
export function pyyamlDump(value: Record<string, unknown>): string {
  const document = new Document(value, { version: '1.1', sortMapEntries: true });
  // Strings PyYAML double-quotes are swapped for plain tokens here and written back below, so the
  // `yaml` library's own quoting never touches them.
  const doubleQuoted: string[] = [];
  visit(document, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && /[^\x20-\x7e]/.test(node.value)) {
        doubleQuoted.push(node.value);
        node.value = `ORRERYDQ${doubleQuoted.length - 1}Z`;
      }
    },
  });
  const text = document.toString({ lineWidth: 0, singleQuote: true, indentSeq: false, nullStr: 'null' });
  return text
    .split('\n')
    .map((line) => foldLine(singleQuoted(line)))
    .join('\n')
    .replace(/ORRERYDQ(\d+)Z/g, (_, index: string) => pyyamlDoubleQuoted(doubleQuoted[Number(index)]!));
}
