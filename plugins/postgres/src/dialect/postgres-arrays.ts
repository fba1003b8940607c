/**
 * PostgreSQL arrays built for binding as ONE parameter that the statement casts
 * (`CAST($n AS float8[])`), so a batch of any size is one statement with a fixed text. The
 * driver's generic array encoder quotes and escapes every element, numbers included; these escape
 * each distinct string once, and send numbers in PostgreSQL's binary array format (node-postgres
 * binds a Buffer as a binary value), so no number is turned into text here nor parsed from text
 * by the server. That matters on the log-batch path: 1000 metrics over a few keys.
 */

/** Element types of the binary arrays, with their PostgreSQL type OIDs and widths. */
const ELEMENT = {
  float8: { oid: 701, width: 8 },
  int8: { oid: 20, width: 8 },
  int4: { oid: 23, width: 4 },
} as const;

export type PostgresNumberType = keyof typeof ELEMENT;

/**
 * A one-dimensional array without NULLs in the binary format `array_recv` reads: dimensions,
 * a no-NULLs flag, the element type's OID (checked by the server against the cast's), the length
 * and lower bound, then each element as a length and its big-endian bytes. `int8` and `int4`
 * elements must be safe integers within the type's range (the store's validation guarantees it),
 * `float8` takes any double, NaN and ±Infinity included.
 */
export function postgresBinaryArray(values: readonly number[], type: PostgresNumberType): Buffer {
  const { oid, width } = ELEMENT[type];
  const buffer = Buffer.allocUnsafe(20 + values.length * (4 + width));
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  view.setInt32(0, 1); // dimensions
  view.setInt32(4, 0); // no NULLs
  view.setInt32(8, oid);
  view.setInt32(12, values.length);
  view.setInt32(16, 1); // lower bound
  let at = 20;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    view.setInt32(at, width);
    if (type === 'float8') view.setFloat64(at + 4, value);
    else if (type === 'int4') view.setInt32(at + 4, value);
    else {
      // A safe integer as two 32-bit halves (no BigInt): the high half floors, so negatives work.
      const high = Math.floor(value / 4294967296);
      view.setInt32(at + 4, high);
      view.setUint32(at + 8, value - high * 4294967296);
    }
    at += 4 + width;
  }
  return buffer;
}

/**
 * Strings as an array literal (`{...}`, bound as text), each double-quoted with `"` and `\`
 * escaped: inside quotes nothing else is special (commas, braces, spaces, `NULL`), so every
 * element is read back unchanged.
 */
export function postgresTextArray(values: readonly string[]): string {
  const quoted = new Map<string, string>();
  let text = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    let element = quoted.get(value);
    if (element === undefined) quoted.set(value, (element = `"${value.replace(/["\\]/g, '\\$&')}"`));
    text += i === 0 ? element : `,${element}`;
  }
  return `${text}}`;
}
