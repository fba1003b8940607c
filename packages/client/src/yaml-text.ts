/**
 * A small YAML writer for JSON-compatible values, used by `logDict` for `.yaml`/`.yml` files.
 * Output is block style, strings are always double-quoted (JSON string escapes are valid YAML),
 * so any YAML 1.1 or 1.2 reader (PyYAML included) reads back exactly the value that was written.
 */

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** Words YAML 1.1 readers turn into booleans or null when unquoted. */
const AMBIGUOUS_WORDS = /^(?:y|n|yes|no|on|off|true|false|null)$/i;

function yamlKey(key: string): string {
  return PLAIN_KEY.test(key) && !AMBIGUOUS_WORDS.test(key) ? key : JSON.stringify(key);
}

function yamlScalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan';
    if (value === Infinity) return '.inf';
    if (value === -Infinity) return '-.inf';
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return JSON.stringify(String(value));
}

/** What JSON.stringify would keep of a value: `toJSON` applied, functions and symbols dropped. */
function normalize(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON: () => unknown }).toJSON();
  }
  return value;
}

function isSkipped(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function isNonEmptyCollection(value: unknown): value is object {
  if (Array.isArray(value)) return value.length > 0;
  return value !== null && typeof value === 'object' && Object.values(value).some((item) => !isSkipped(item));
}

/** Inline form of a scalar or an empty collection. */
function inline(value: unknown): string {
  if (Array.isArray(value)) return '[]';
  if (value !== null && typeof value === 'object') return '{}';
  return yamlScalar(value);
}

/** The lines of a non-empty mapping or sequence whose entries start at column `indent`. */
function blockLines(value: object, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  if (Array.isArray(value)) {
    for (const raw of value) {
      const item = normalize(isSkipped(raw) ? null : raw);
      if (!isNonEmptyCollection(item)) {
        lines.push(`${pad}- ${inline(item)}`);
        continue;
      }
      // The item's first line moves up onto the dash: `- key: value` or `- - value`.
      const child = blockLines(item, indent + 2);
      lines.push(`${pad}- ${child[0]!.slice(indent + 2)}`, ...child.slice(1));
    }
    return lines;
  }
  for (const [key, raw] of Object.entries(value)) {
    if (isSkipped(raw)) continue;
    const item = normalize(raw);
    if (!isNonEmptyCollection(item)) {
      lines.push(`${pad}${yamlKey(key)}: ${inline(item)}`);
      continue;
    }
    lines.push(`${pad}${yamlKey(key)}:`, ...blockLines(item, indent + 2));
  }
  return lines;
}

/** Serializes a JSON-compatible value as a YAML document (ending with a newline). */
export function toYamlText(value: unknown): string {
  const root = normalize(value);
  if (!isNonEmptyCollection(root)) return `${inline(root)}\n`;
  return `${blockLines(root, 0).join('\n')}\n`;
}
