import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';

/** What any JSON body may hold, whatever the dialect: well above any real connector. */
export const JSON_BODY_LIMITS = {
  /** Objects and arrays nested in one another (connector config itself stops at 32). */
  depth: 64,
  /** Object members plus array items, counted over the whole body. */
  values: 10_000,
};

export interface JsonBodyProblem {
  status: 400 | 413;
  message: string;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Checks a parsed body without recursion: nesting depth, size, strings and keys PostgreSQL can
 * store (no unpaired UTF-16 surrogate), finite numbers. Refusing these here, before any validation
 * library walks the body recursively, keeps hostile bodies from costing a stack overflow, seconds
 * of CPU or a database error.
 */
export function inspectJsonBody(body: unknown, limits = JSON_BODY_LIMITS): JsonBodyProblem | null {
  let values = 0;
  const stack: Array<[unknown, number, string]> = [[body, 0, 'body']];
  while (stack.length) {
    const [node, depth, path] = stack.pop()!;
    if (typeof node === 'string') {
      if (LONE_SURROGATE.test(node)) {
        return { status: 400, message: `${path}: contains an unpaired UTF-16 surrogate` };
      }
      continue;
    }
    if (typeof node === 'number') {
      if (!Number.isFinite(node)) return { status: 400, message: `${path}: number out of range` };
      continue;
    }
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= limits.depth) {
      return { status: 400, message: `body: nested deeper than ${limits.depth} levels` };
    }
    const entries: Array<[string, unknown]> = [];
    if (Array.isArray(node)) {
      node.forEach((v, i) => entries.push([`${path}[${i}]`, v]));
    } else {
      for (const [key, value] of Object.entries(node)) {
        if (LONE_SURROGATE.test(key)) {
          return { status: 400, message: `${path}: a key contains an unpaired UTF-16 surrogate` };
        }
        entries.push([`${path}.${key}`, value]);
      }
    }
    values += entries.length;
    if (values > limits.values) {
      return { status: 413, message: `request body holds more than ${limits.values} values` };
    }
    for (const [childPath, child] of entries) stack.push([child, depth + 1, childPath]);
  }
  return null;
}

/**
 * Fastify's own JSON parser (with its protection against prototype poisoning), followed by
 * `inspectJsonBody`. A refused body reaches the dialect's error filter as a 400 or 413. Bytes
 * that are not UTF-8 are a 400, like their escaped form (an unpaired surrogate), rather than
 * being stored as U+FFFD. An empty body is no body: a route that takes none (DELETE, authorize)
 * accepts it, one that needs one says the body is missing.
 */
export function registerJsonBodyParser(fastify: FastifyInstance, bodyLimit: number): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit },
    (request, raw, done) => {
      const bytes = raw as Buffer;
      if (bytes.length === 0) return done(null, undefined);
      if (!isUtf8(bytes)) {
        return done(
          Object.assign(new Error('body: is not valid UTF-8'), { statusCode: 400 }),
          undefined,
        );
      }
      void parse(request, bytes.toString('utf8'), (error: Error | null, value?: unknown) => {
        if (error) return done(error, undefined);
        const problem = inspectJsonBody(value);
        if (problem) {
          return done(
            Object.assign(new Error(problem.message), { statusCode: problem.status }),
            undefined,
          );
        }
        done(null, value);
      });
    },
  );
}
