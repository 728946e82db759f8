import type { FastifyInstance } from 'fastify';
import type { Logger } from '../logging/logger';
import { routeLabelsOf } from './route-labels';

/**
 * Headers worth a log line. Every other header is left out rather than redacted: a client may put
 * a credential in any header (X-Api-Key, Proxy-Authorization, X-Auth-Token...).
 */
const LOGGED_HEADERS = [
  'host',
  'user-agent',
  'content-type',
  'content-length',
  'accept',
  'x-client-name',
  'x-request-id',
  'x-forwarded-for',
];

/** The two headers that carry API keys are shown as present, never with their value. */
const CREDENTIAL_HEADERS = ['authorization', 'x-api-token'];

function loggedHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of LOGGED_HEADERS) if (headers[name] !== undefined) out[name] = headers[name];
  for (const name of CREDENTIAL_HEADERS) if (headers[name] !== undefined) out[name] = '[redacted]';
  return out;
}

/**
 * One JSON line per request, once its answer is sent, written from Fastify's `onResponse` hook
 * with what is at hand: the request id, method, path (never the query string), a few known
 * headers (credentials shown as `[redacted]`), the dialect and route pattern, the status and
 * `responseTime` in ms. Never a body, a query string or a response header (a Location may carry an
 * OAuth state). 5xx answers are logged at `error`, the rest at `info`.
 */
export function installRequestLogging(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const level = status >= 500 ? 'error' : 'info';
    if (!logger.isLevelEnabled(level)) return done();
    const labels = routeLabelsOf(request.raw);
    // Health checks and metric scrapes: frequent, and they say nothing.
    if (labels?.quiet) return done();
    const path = request.url.split('?', 1)[0] ?? '';
    const id = String(request.id);
    logger[level](
      {
        requestId: id,
        req: {
          id,
          method: request.method,
          url: path,
          headers: loggedHeaders(request.headers),
        },
        res: { statusCode: status },
        responseTime: Math.round(reply.elapsedTime),
        dialect: labels?.dialect,
        route: labels?.route,
      },
      status >= 500 ? 'request errored' : 'request completed',
    );
    done();
  });
}
