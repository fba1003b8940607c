/**
 * CSV (RFC 4180, first row the header) → a DataFrame with the column types pandas' `read_csv`
 * infers: a column of integers is ints, of numbers floats (an empty cell is NaN), else strings.
 */
import type { DataFrame, FrameDType } from '@orrery/models';

function splitRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      field = '';
      records.push(record);
      record = [];
    } else field += c;
    i++;
  }
  if (quoted) throw new Error('Error tokenizing data. C error: EOF inside string');
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  // pandas skips blank lines.
  return records.filter((r) => !(r.length === 1 && r[0] === ''));
}

const INT = /^\s*[+-]?\d+\s*$/;
const FLOAT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$|^\s*[+-]?(inf|infinity|nan)\s*$/i;
const NA = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None', '<NA>', '#N/A', 'n/a', '-NaN', '-nan']);

function columnValues(cells: string[]): { values: unknown[]; dtype: FrameDType } {
  const present = cells.filter((c) => !NA.has(c));
  if (present.every((c) => INT.test(c)) && present.length === cells.length) return { values: cells.map((c) => Number(c)), dtype: 'int64' };
  if (present.every((c) => INT.test(c) || FLOAT.test(c))) {
    return { values: cells.map((c) => (NA.has(c) ? NaN : Number(c.trim().replace(/^([+-]?)inf(inity)?$/i, '$1Infinity')))), dtype: 'float64' };
  }
  if (present.every((c) => c === 'True' || c === 'False') && present.length === cells.length) return { values: cells.map((c) => c === 'True'), dtype: 'bool' };
  return { values: cells.map((c) => (NA.has(c) ? NaN : c)), dtype: 'object' };
}

export function parseCsvTable(text: string): DataFrame {
  const records = splitRecords(text);
  const header = records[0];
  if (!header) throw new Error('No columns to parse from file');
  const body = records.slice(1);
  for (const [i, r] of body.entries()) {
    if (r.length > header.length) {
      throw new Error(`Error tokenizing data. C error: Expected ${header.length} fields in line ${i + 2}, saw ${r.length}`);
    }
  }
  const columns = header.map((h, i) => (h === '' ? `Unnamed: ${i}` : h));
  const parsed = columns.map((_, c) => columnValues(body.map((r) => r[c] ?? '')));
  const rows = body.map((_, r) => parsed.map((col) => col.values[r]));
  // The dtypes say what the cells cannot: "2.0" made a float column even if every value is whole.
  return { columns, rows, dtypes: parsed.map((col) => col.dtype) };
}
