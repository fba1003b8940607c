/**
 * Scalars in protobuf's JSON mapping, as MLflow prints and reads them: int64 fields are JSON
 * numbers when written and numbers or decimal strings when read; doubles that are not finite
 * travel as the strings "NaN", "Infinity" and "-Infinity".
 */

/** A JSON object of a message, before it is typed. */
export type WireMessage = Record<string, unknown>;

/** A double as protobuf's JSON mapping writes it: numbers stay numbers, NaN and ±Infinity become strings. */
export function wireDouble(value: number): number | string {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

/** A double field read back: a number, a decimal string or one of the three special strings; absent is NaN. */
export function doubleFromWire(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (typeof value === 'string') return Number(value);
  return Number.NaN;
}

/** An int64 field read back (a number or a decimal string); `fallback` when absent or empty. */
export function int64FromWire(value: unknown, fallback = 0): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return fallback;
}

/** A string field read back; `fallback` when absent, other scalars as their text. */
export function textFromWire(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? fallback : String(value);
}

/** An optional string field read back: undefined when absent. */
export function optionalTextFromWire(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : String(value);
}

/** A repeated message field read back: absent (as protobuf leaves out empty lists) is empty. */
export function messagesFromWire(value: unknown): WireMessage[] {
  return Array.isArray(value) ? (value as WireMessage[]) : [];
}

/** A repeated `{key, value}` field read back. */
export function keyValuesFromWire(value: unknown): Array<{ key: string; value: string }> {
  return messagesFromWire(value).map((item) => ({ key: textFromWire(item.key), value: textFromWire(item.value) }));
}

/** Sets `target[name]` only for a non-empty list, as protobuf omits empty repeated fields. */
export function putList(target: WireMessage, name: string, list: unknown[]): void {
  if (list.length > 0) target[name] = list;
}

/** Sets `target[name]` only when the value is set, as protobuf omits unset optional fields. */
export function putDefined(target: WireMessage, name: string, value: unknown): void {
  if (value !== undefined && value !== null) target[name] = value;
}

/** `{key, value}` pairs in wire form (drops any other property an entity carries). */
export function keyValuesToWire(items: ReadonlyArray<{ key: string; value: string }>): WireMessage[] {
  return items.map((item) => ({ key: item.key, value: item.value }));
}

/** MLflow's error answer: `{"error_code", "message"}`. */
export interface ErrorResponseMessage {
  /** One of MLflow's error codes, e.g. `INVALID_PARAMETER_VALUE`. */
  errorCode: string;
  message: string;
}

/** The body of an error answer, as the server sends it. */
export function errorResponseToWire(error: ErrorResponseMessage): WireMessage {
  return { error_code: error.errorCode, message: error.message };
}

/**
 * An error answer read back from a parsed body; undefined when the body is not one (no string
 * `message`). A missing or non-string `error_code` comes back as the empty string: the caller
 * picks a code from the HTTP status then.
 */
export function errorResponseFromWire(body: unknown): ErrorResponseMessage | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { error_code: errorCode, message } = body as WireMessage;
  if (typeof message !== 'string') return undefined;
  return { errorCode: typeof errorCode === 'string' ? errorCode : '', message };
}
