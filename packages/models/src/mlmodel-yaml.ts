/**
 * YAML text as MLflow's `yaml.safe_dump(..., default_flow_style=False)` writes it (PyYAML): keys
 * sorted at every level, sequences not indented under their key, strings plain unless YAML 1.1
 * would read them as something else (then single-quoted), and long single-quoted strings folded
 * the way PyYAML folds them: at the first space after column 80, continued at the value's indent.
 */
import { Document } from 'yaml';

/** PyYAML's best_width. */
const BEST_WIDTH = 80;

/** Folds one line holding `key: '<long single-quoted scalar>'` as PyYAML's single-quote writer does. */
function foldSingleQuotedLine(line: string): string {
  const match = /^(\s*)([^\s'][^:]*: |- )'(.*)'$/.exec(line);
  if (match === null || line.length <= BEST_WIDTH) return line;
  const [, indent, key, body] = match as unknown as [string, string, string, string];
  // PyYAML continues a folded scalar at the indent of the mapping's values: the key's indent + 2.
  const continuation = `\n${indent}  `;
  const continuationIndent = continuation.length - 1;
  let out = `${indent}${key}'`;
  let column = out.length;
  // Words separated by single spaces; runs of spaces are written as they are.
  const pieces = body.split(/( +)/);
  for (const piece of pieces) {
    if (piece === ' ' && column > BEST_WIDTH) {
      out += continuation;
      column = continuationIndent;
      continue;
    }
    out += piece;
    column += piece.length;
  }
  return `${out}'`;
}

/** YAML text of a JSON-compatible mapping as PyYAML's safe_dump writes it. */
export function pyyamlDump(value: Record<string, unknown>): string {
  const document = new Document(value, { version: '1.1', sortMapEntries: true });
  const text = document.toString({ lineWidth: 0, singleQuote: true, indentSeq: false, nullStr: 'null' });
  return text
    .split('\n')
    .map(foldSingleQuotedLine)
    .join('\n');
}
