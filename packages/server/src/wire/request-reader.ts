/**
 * Reads the fields of one MLflow request, from a JSON body or from a query string, the way
 * MLflow's server does: unknown fields are ignored; int64 fields take JSON numbers or decimal
 * strings; doubles also take "NaN", "Infinity" and "-Infinity"; enums take their name or number;
 * a required string that is absent or empty is missing. Every failure is INVALID_PARAMETER_VALUE
 * with MLflow's wording, naming the parameter and the value.
 */
import { OrreryError, pythonTypeName } from '@orrery/core';

const API_DOCS_HINT = ' See the API docs for more information about request parameters.';
const INT64 = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const MAX_SHOWN_VALUE = 200;

function showValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return text.length > MAX_SHOWN_VALUE ? `${text.slice(0, MAX_SHOWN_VALUE)}...` : text;
}

export function missingParameter(name: string): OrreryError {
  return new OrreryError('INVALID_PARAMETER_VALUE', `Missing value for required parameter '${name}'.${API_DOCS_HINT}`);
}

export function invalidParameter(name: string, value: unknown, rule?: string): OrreryError {
  const hint = rule ?? `Hint: Value was of type '${pythonTypeName(value)}'.`;
  return new OrreryError(
    'INVALID_PARAMETER_VALUE',
    `Invalid value ${showValue(value)} for parameter '${name}' supplied. ${hint}${API_DOCS_HINT}`,
  );
}

interface FieldOptions {
  required?: boolean;
}

/** Proto enum values by name and number. */
export type EnumValues = Readonly<Record<string, number>>;

export const VIEW_TYPE_VALUES: EnumValues = { ACTIVE_ONLY: 1, DELETED_ONLY: 2, ALL: 3 };
export const RUN_STATUS_VALUES: EnumValues = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 };

/**
 * One request's fields. `fromQuery` sources are `name -> string[]` (every value of a repeated
 * query parameter); JSON sources are the parsed body object.
 */
export class RequestReader {
  private constructor(
    private readonly source: Record<string, unknown>,
    private readonly fromQuery: boolean,
    /**
     * Where a nested message sits (`metrics[2]`: its parent reader, field and index), for naming
     * its fields in errors; spelled out only when an error needs it (a log-batch reads 1000
     * metric messages).
     */
    private readonly parent?: RequestReader,
    private readonly field?: string,
    private readonly index?: number,
  ) {}

  static fromJson(body: Record<string, unknown>): RequestReader {
    return new RequestReader(body, false);
  }

  static fromQuery(query: Record<string, string[]>): RequestReader {
    return new RequestReader(query, true);
  }

  private name(field: string): string {
    if (!this.parent) return field;
    return `${this.parent.name(this.field!)}${this.index === undefined ? '' : `[${this.index}]`}.${field}`;
  }

  /** Whether the field was sent at all (null counts as absent, as in protobuf's JSON mapping). */
  has(field: string): boolean {
    const value = this.source[field];
    return value !== undefined && value !== null;
  }

  /** The single raw value of a field (for query sources, refusing a repeated parameter). */
  raw(field: string): unknown {
    const value = this.source[field];
    if (!this.fromQuery || value === undefined) return value ?? undefined;
    const values = value as string[];
    if (values.length > 1) {
      throw invalidParameter(this.name(field), values, 'Hint: the parameter must be given once.');
    }
    return values[0];
  }

  string(field: string, options: { required: true }): string;
  string(field: string, options?: FieldOptions): string | undefined;
  string(field: string, options: FieldOptions = {}): string | undefined {
    const value = this.raw(field);
    if (value === undefined || value === null) {
      if (options.required) throw missingParameter(this.name(field));
      return undefined;
    }
    if (typeof value !== 'string') throw invalidParameter(this.name(field), value);
    if (options.required && value === '') throw missingParameter(this.name(field));
    return value;
  }

  /**
   * An id field. Ids are strings on the wire, but MLflow (for clients of 0.9 and older) also takes
   * experiment ids as JSON integers.
   */
  id(field: string, options: { required: true }): string;
  id(field: string, options?: FieldOptions): string | undefined;
  id(field: string, options: FieldOptions = {}): string | undefined {
    const value = this.raw(field);
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    return this.string(field, options);
  }

  /** An int64 (or int32) field, as a safe JavaScript integer. */
  integer(field: string, options: FieldOptions & { min?: number; max?: number; rule?: string } = {}): number | undefined {
    const value = this.raw(field);
    if (value === undefined || value === null) {
      if (options.required) throw missingParameter(this.name(field));
      return undefined;
    }
    let parsed: number;
    if (typeof value === 'number') parsed = value;
    else if (typeof value === 'string' && INT64.test(value.trim())) parsed = Number(value.trim());
    else throw invalidParameter(this.name(field), value);
    if (!Number.isSafeInteger(parsed)) {
      throw invalidParameter(this.name(field), value, 'Hint: the value must be an integer between -(2^53-1) and 2^53-1.');
    }
    if ((options.min !== undefined && parsed < options.min) || (options.max !== undefined && parsed > options.max)) {
      throw invalidParameter(this.name(field), value, options.rule);
    }
    return parsed;
  }

  /** A double field: a JSON number, a decimal string, or "NaN", "Infinity", "-Infinity". */
  double(field: string, options: FieldOptions = {}): number | undefined {
    const value = this.raw(field);
    if (value === undefined || value === null) {
      if (options.required) throw missingParameter(this.name(field));
      return undefined;
    }
    if (typeof value === 'number') return value;
    if (typeof value === 'string') {
      const text = value.trim();
      if (text === 'NaN') return Number.NaN;
      if (text === 'Infinity') return Number.POSITIVE_INFINITY;
      if (text === '-Infinity') return Number.NEGATIVE_INFINITY;
      if (DECIMAL.test(text)) return Number(text);
    }
    throw invalidParameter(this.name(field), value);
  }

  /** A bool field; `strict` takes only a JSON boolean (not the strings "true" and "false"). */
  bool(field: string, options: { strict?: boolean } = {}): boolean | undefined {
    const value = this.raw(field);
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'boolean') return value;
    if (options.strict) throw invalidParameter(this.name(field), value, 'Hint: the value must be a JSON boolean, true or false.');
    if (value === 'true' || value === 'True') return true;
    if (value === 'false' || value === 'False') return false;
    throw invalidParameter(this.name(field), value);
  }

  /** An enum field, given by name (`"ACTIVE_ONLY"`) or number (`1`, `"1"`); returns the name. */
  enumName(field: string, values: EnumValues): string | undefined {
    const value = this.raw(field);
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(values, value)) return value;
    const number = typeof value === 'number' ? value : typeof value === 'string' && INT64.test(value) ? Number(value) : NaN;
    const name = Object.keys(values).find((key) => values[key] === number);
    if (name === undefined) {
      throw invalidParameter(this.name(field), value, `Hint: the value must be one of ${Object.keys(values).join(', ')}.`);
    }
    return name;
  }

  /** A repeated string field; absent is empty. A single query parameter is a list of one. */
  stringList(field: string, options: FieldOptions = {}): string[] {
    const value = this.source[field];
    if (value === undefined || value === null) {
      if (options.required) throw missingParameter(this.name(field));
      return [];
    }
    if (!Array.isArray(value)) throw invalidParameter(this.name(field), value);
    return value.map((item, index) => {
      if (typeof item === 'string') return item;
      // Experiment ids in old clients' requests are integers.
      if (typeof item === 'number' && Number.isSafeInteger(item)) return String(item);
      throw invalidParameter(`${this.name(field)}[${index}]`, item);
    });
  }

  /**
   * A repeated message field (JSON bodies only); each item is read by `readItem`. `plain`, when
   * given, takes an item that is already exactly what `readItem` would return it as (the right
   * JSON types, nothing to convert) without a reader; it returns undefined for anything else,
   * which `readItem` then converts or refuses with the field's name.
   */
  messageList<T>(
    field: string,
    readItem: (item: RequestReader) => T,
    options: FieldOptions & { plain?: (item: unknown) => T | undefined } = {},
  ): T[] {
    const value = this.fromQuery ? undefined : this.source[field];
    if (value === undefined || value === null) {
      if (options.required) throw missingParameter(this.name(field));
      return [];
    }
    if (!Array.isArray(value)) throw invalidParameter(this.name(field), value);
    const plain = options.plain;
    return value.map((item, index) => (plain?.(item) ?? readItem(this.nested(field, item, index))));
  }

  /** A singular message field (JSON bodies only). */
  message<T>(field: string, readItem: (item: RequestReader) => T, options: FieldOptions = {}): T | undefined {
    const value = this.fromQuery ? undefined : this.source[field];
    if (value === undefined || value === null) {
      if (options.required) throw missingParameter(this.name(field));
      return undefined;
    }
    return readItem(this.nested(field, value));
  }

  private nested(field: string, value: unknown, index?: number): RequestReader {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw invalidParameter(index === undefined ? this.name(field) : `${this.name(field)}[${index}]`, value);
    }
    return new RequestReader(value as Record<string, unknown>, false, this, field, index);
  }

  /** The run id of a request, from `run_id` or its deprecated twin `run_uuid`. */
  runId(): string {
    const runId = this.string('run_id');
    if (runId !== undefined && runId !== '') return runId;
    const runUuid = this.string('run_uuid');
    if (runUuid !== undefined && runUuid !== '') return runUuid;
    throw missingParameter('run_id');
  }
}
