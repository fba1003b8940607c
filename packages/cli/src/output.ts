/** Rendering of command results: aligned text tables for people, JSON for machines. */

export interface Output {
  /** Whether `--json` was given. */
  readonly json: boolean;
  /** Writes one line (or several) to stdout. */
  line(text: string): void;
  /** Writes a value as pretty JSON. */
  writeJson(value: unknown): void;
  /** Writes rows as an aligned table with a header; `(none)` when empty. */
  table(headers: string[], rows: string[][]): void;
  /** Writes `key  value` pairs aligned. */
  fields(pairs: Array<[string, string]>): void;
}

export function createOutput(json: boolean, write: (text: string) => void = (t) => process.stdout.write(t)): Output {
  return {
    json,
    line: (text) => write(`${text}\n`),
    writeJson: (value) => write(`${JSON.stringify(value, null, 2)}\n`),
    table(headers, rows) {
      if (rows.length === 0) {
        write('(none)\n');
        return;
      }
      const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
      const format = (cells: string[]) =>
        cells
          .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
          .join('  ')
          .trimEnd();
      write(`${[format(headers), ...rows.map(format)].join('\n')}\n`);
    },
    fields(pairs) {
      const width = Math.max(...pairs.map(([k]) => k.length));
      write(`${pairs.map(([k, v]) => `${k.padEnd(width)}  ${v}`.trimEnd()).join('\n')}\n`);
    },
  };
}

/** `2025-01-31 12:34:56` (UTC) for a millisecond timestamp; empty for null. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '');
}

/** `1.2 KiB`-style sizes. */
export function formatSize(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
