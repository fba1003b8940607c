import type { StreamColumnType } from '@orrery/sql';

/** `PGCOPY\n\377\r\n\0`: the signature every binary COPY stream starts with. */
const SIGNATURE = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]);
const TWO_32 = 2 ** 32;
const FIELD_WIDTH = { float8: 8, int8: 8, int4: 4 } as const;

/**
 * Decodes the rows of a `COPY ... TO STDOUT (FORMAT binary)` stream, chunk by chunk, as arrays of
 * JavaScript values typed by `columns`. Chunks may split a row anywhere; the reader keeps the
 * unfinished tail for the next chunk. NULL fields decode to `null`.
 *
 * Why not node-postgres' own rows: it decodes every field of every row from text in JavaScript
 * (and cannot receive binary results at all), which made reading a long metric history cost more
 * CPU in this process than PostgreSQL spent producing it. Binary fields are read with one
 * fixed-width load each.
 */
export class BinaryCopyReader {
  private pending: Buffer = Buffer.alloc(0);
  private headerRead = false;
  private ended = false;

  constructor(private readonly columns: readonly StreamColumnType[]) {}

  /**
   * The complete rows in `chunk` (and in what was left of the previous one), column by column:
   * `result[c][r]` is column `c` of row `r` (no array per row: a long read makes millions).
   */
  push(chunk: Buffer): unknown[][] {
    const buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const width = this.columns.length;
    const out: unknown[][] = this.columns.map(() => []);
    let at = 0;
    if (!this.headerRead) {
      if (buf.length < SIGNATURE.length + 8) {
        this.pending = buf;
        return out;
      }
      if (!buf.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('binary COPY stream: bad signature');
      const extension = buf.readInt32BE(SIGNATURE.length + 4);
      if (buf.length < SIGNATURE.length + 8 + extension) {
        this.pending = buf;
        return out;
      }
      at = SIGNATURE.length + 8 + extension;
      this.headerRead = true;
    }
    // One pass per row. A row cut by the end of the chunk is taken back out of the columns and
    // left in `pending` (at most once per chunk).
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const size = buf.length;
    for (;;) {
      if (this.ended || size - at < 2) break;
      const fields = view.getInt16(at);
      if (fields === -1) {
        this.ended = true;
        at += 2;
        break;
      }
      if (fields !== width) throw new Error(`binary COPY stream: a row has ${fields} fields, expected ${width}`);
      let p = at + 2;
      let c = 0;
      for (; c < width; c++) {
        if (size - p < 4) break;
        const length = view.getInt32(p);
        p += 4;
        if (length < 0) {
          out[c]!.push(null);
          continue;
        }
        if (size - p < length) break;
        out[c]!.push(this.decodeField(c, view, buf, p, length));
        p += length;
      }
      if (c < width) {
        for (let k = 0; k < c; k++) out[k]!.pop();
        break;
      }
      at = p;
    }
    this.pending = at >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(at));
    return out;
  }

  private decodeField(column: number, view: DataView, buf: Buffer, at: number, length: number): unknown {
    const type = this.columns[column]!;
    if (type === 'text') return buf.toString('utf8', at, at + length);
    if (length !== FIELD_WIDTH[type]) throw new Error(`binary COPY stream: column ${column + 1} has ${length}-byte values, not ${type}`);
    switch (type) {
      case 'float8':
        return view.getFloat64(at);
      case 'int8':
        // Every int8 Orrery stores (timestamps, steps, ids) fits in 2^53: two 32-bit loads are
        // exact there and much cheaper than a BigInt.
        return view.getInt32(at) * TWO_32 + view.getUint32(at + 4);
      case 'int4':
        return view.getInt32(at);
    }
  }

  /** Throws unless the stream ended exactly at its trailer. */
  finish(): void {
    if (!this.ended || this.pending.length > 0) throw new Error('binary COPY stream ended before its trailer');
  }
}
