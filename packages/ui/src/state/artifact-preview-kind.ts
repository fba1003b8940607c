/** How the artifact browser previews a file, by its name (MLflow's UI previews the same kinds). */
export type PreviewKind = 'image' | 'json' | 'yaml' | 'csv' | 'text' | 'none';

const IMAGE = new Set(['png', 'jpg', 'jpeg', 'gif', 'bmp', 'webp', 'svg']);
const TEXT = new Set(['txt', 'log', 'md', 'py', 'r', 'sh', 'ini', 'cfg', 'toml', 'xml', 'html', 'js', 'ts', 'sql', 'rst', 'tsv', 'err', 'out', 'conf', 'properties', 'jsonl']);

/** Files larger than this are not previewed (downloaded instead). */
export const PREVIEW_LIMIT_BYTES = 2 * 1024 * 1024;

export function previewKind(path: string): PreviewKind {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (name === 'MLmodel' || name === 'MLproject') return 'yaml';
  if (name === 'requirements.txt' || name === 'conda.yaml') return name.endsWith('.yaml') ? 'yaml' : 'text';
  const dot = name.lastIndexOf('.');
  const extension = dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
  if (IMAGE.has(extension)) return 'image';
  if (extension === 'json') return 'json';
  if (extension === 'yaml' || extension === 'yml') return 'yaml';
  if (extension === 'csv') return 'csv';
  if (TEXT.has(extension)) return 'text';
  return 'none';
}

/**
 * CSV text as rows of cells (RFC 4180: quoted fields, doubled quotes, newlines inside quotes),
 * at most `maxRows` rows.
 */
export function parseCsv(text: string, maxRows = 500): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"') {
        if (text[index + 1] === '"') {
          cell += '"';
          index += 1;
        } else quoted = false;
      } else cell += char;
      continue;
    }
    if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index += 1;
      row.push(cell);
      rows.push(row);
      if (rows.length >= maxRows) return rows;
      row = [];
      cell = '';
    } else cell += char;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
