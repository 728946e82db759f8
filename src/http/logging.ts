import type { IncomingMessage } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { Logger } from '../logging/logger';
import { requestIdFor } from './request-id';
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

/** Requests that say nothing and come often: health checks and metric scrapes. */
const QUIET_PATHS = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

/** The request line's route pattern and dialect (see `route-labels.ts`) beside pino-http's fields. */
function withRoute(req: IncomingMessage, fields: object): object {
  const labels = routeLabelsOf(req);
  return labels ? { ...fields, dialect: labels.dialect, route: labels.route } : fields;
}

/**
 * nestjs-pino on the process's one pino logger (`src/logging/logger.ts`): Nest's own logs and one
 * JSON line per request, when it completes, with its id, method, path (never the query string),
 * dialect, route pattern, status and `responseTime` in ms. Only known headers are logged,
 * credentials redacted; bodies never are.
 */
export function loggerParams(logger: Logger): Params {
  return {
    // nestjs-pino's default route pattern matches nothing under NestJS 12's Fastify adapter.
    forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
    pinoHttp: {
      logger,
      customSuccessObject: (req, _res, fields: object) => withRoute(req, fields),
      customErrorObject: (req, _res, _error, fields: object) => withRoute(req, fields),
      genReqId: (req) => requestIdFor(req),
      // Every line logged while serving a request (ours and Nest's) carries its id.
      customProps: (req) => ({ requestId: (req as { id?: unknown }).id }),
      // A Location may carry an OAuth state and PKCE challenge (authorization redirects).
      redact: {
        paths: ['res.headers["set-cookie"]', 'res.headers.location'],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: {
          id: string;
          method: string;
          url: string;
          headers: Record<string, unknown>;
        }) => ({
          id: req.id,
          method: req.method,
          // Query strings can carry OAuth codes and states: log the path only.
          url: req.url?.split('?')[0],
          headers: loggedHeaders(req.headers),
        }),
      },
      // The middleware may rewrite req.url; originalUrl is the path the client asked for.
      autoLogging: {
        ignore: (req) =>
          QUIET_PATHS.has(
            ((req as { originalUrl?: string }).originalUrl ?? req.url ?? '').split('?', 1)[0] ?? '',
          ),
      },
    },
  };
}
