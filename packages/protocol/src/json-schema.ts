/**
 * One JSON Schema per MLflow message (service.proto, mlflow_artifacts.proto), written once and used
 * three ways: Fastify serializes responses with them (fast-json-stringify), the OpenAPI document is
 * built from them, and the fuzz test derives wrong-typed requests from the request schemas.
 *
 * Response schemas list properties in proto field order (the order MLflow prints them) and declare
 * nothing `required`: fast-json-stringify omits an absent property, which is how protobuf's JSON
 * mapping leaves out unset and empty fields. Doubles are `number | string` because NaN and
 * ±Infinity travel as strings; int64 values are JSON numbers.
 *
 * Request schemas describe what the server accepts, which is wider than what it sends: int64 as a
 * number or a decimal string, doubles also as the three special strings, enums by name or number.
 * Requests are checked by `RequestReader` (MLflow's wording and coercions), not by a schema
 * validator, so these schemas document the accepted forms rather than enforce them.
 */

/** The subset of JSON Schema (2020-12, as OpenAPI 3.1 uses it) these schemas are written in. */
export interface JsonSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | Array<'string' | 'number' | 'integer'>;
  title?: string;
  description?: string;
  format?: string;
  pattern?: string;
  enum?: readonly string[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  additionalProperties?: boolean | JsonSchema;
}

// ---- primitives ----

/** A string field. */
export const stringField = (description?: string): JsonSchema => ({ type: 'string', ...(description ? { description } : {}) });
/** An int64 field of a response: a JSON number. */
export const int64Field = (description?: string): JsonSchema => ({ type: 'integer', format: 'int64', ...(description ? { description } : {}) });
/** A boolean field. */
export const booleanField = (description?: string): JsonSchema => ({ type: 'boolean', ...(description ? { description } : {}) });
/** A double as protobuf's JSON mapping prints it: a number, or "NaN", "Infinity", "-Infinity". */
export const doubleField = (description?: string): JsonSchema => ({
  type: ['number', 'string'],
  format: 'double',
  description: `${description ? `${description} ` : ''}Not-finite values are the strings "NaN", "Infinity" and "-Infinity".`,
});
/** A message: properties in proto field order, none required (absent fields are omitted). */
export const messageObject = (title: string, properties: Record<string, JsonSchema>, description?: string): JsonSchema => ({
  type: 'object',
  title,
  ...(description ? { description } : {}),
  properties,
});
/** A repeated field. */
export const listOf = (items: JsonSchema, description?: string): JsonSchema => ({
  type: 'array',
  items,
  ...(description ? { description } : {}),
});

// Request primitives: the wider forms the server accepts.

/** An int64 in a request: a JSON number or a decimal string. `format` lets tools find the kind. */
export const requestInt64 = (description?: string, bounds: { minimum?: number; maximum?: number } = {}): JsonSchema => ({
  anyOf: [
    { type: 'integer', ...bounds },
    { type: 'string', pattern: '^[+-]?\\d+$' },
  ],
  format: 'int64',
  ...(description ? { description } : {}),
});
/** A double in a request: a number, a decimal string, or "NaN", "Infinity", "-Infinity". */
export const requestDouble = (description?: string): JsonSchema => ({
  anyOf: [{ type: 'number' }, { type: 'string', pattern: '^(NaN|-?Infinity|[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?)$' }],
  format: 'double',
  ...(description ? { description } : {}),
});
/** An enum in a request: its name or its proto number. */
export const requestEnum = (names: readonly string[], description?: string): JsonSchema => ({
  anyOf: [{ type: 'string', enum: names }, { type: 'integer', minimum: 1, maximum: names.length }],
  format: 'enum',
  ...(description ? { description } : {}),
});
/** A request message: `required` names fields a request must carry (non-empty for strings). */
export const requestObject = (title: string, properties: Record<string, JsonSchema>, required: string[] = [], description?: string): JsonSchema => ({
  type: 'object',
  title,
  ...(description ? { description } : {}),
  properties,
  ...(required.length > 0 ? { required } : {}),
});

