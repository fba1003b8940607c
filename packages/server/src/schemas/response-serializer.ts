/**
 * Fastify's serializer compiler for response schemas: fast-json-stringify, optionally checked.
 *
 * fast-json-stringify is fast because it trusts the schema: a property the schema does not list is
 * dropped, and a value of the wrong type is coerced (null becomes "" or 0, 1.5 becomes 1 for an
 * integer). Either would silently change what MLflow clients receive. With `verify`, every
 * serialized response is compared with `JSON.stringify` of the same object and a difference is a
 * 500 naming the route, so the test suites (which run with `verify`) catch a schema that masks a
 * field instead of shipping it.
 */
import build from 'fast-json-stringify';
import { OrreryError } from '@orrery/core';
import type { JsonSchema } from './message-schemas.js';

type Serializer = (data: unknown) => string;

/** Where two JSON texts first differ, with some context, for the error message. */
function firstDifference(expected: string, actual: string): string {
  let at = 0;
  while (at < expected.length && expected[at] === actual[at]) at += 1;
  const from = Math.max(0, at - 40);
  return `expected …${expected.slice(from, at + 40)}… but the schema produced …${actual.slice(from, at + 40)}…`;
}

/** Builds the serializer of one route's response schema. */
export function compileResponseSerializer(schema: JsonSchema, options: { verify: boolean; route: string }): Serializer {
  const serialize = build(schema as Parameters<typeof build>[0]) as Serializer;
  if (!options.verify) return serialize;
  return (data) => {
    const fast = serialize(data);
    const plain = JSON.stringify(data);
    if (fast !== plain) {
      throw new OrreryError(
        'INTERNAL_ERROR',
        `The response schema of ${options.route} changes the response: ${firstDifference(plain, fast)}`,
      );
    }
    return fast;
  };
}

/** The compiler to hand to `app.setSerializerCompiler`. */
export function responseSerializerCompiler(verify: boolean) {
  return ({ schema, method, url }: { schema: unknown; method: string; url: string }): Serializer =>
    compileResponseSerializer(schema as JsonSchema, { verify, route: `${method} ${url}` });
}
