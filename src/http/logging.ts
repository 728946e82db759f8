import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import { requestIdFor } from './request-id';

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
 * Structured JSON logs (pino), one line per request with its id. Only known headers are logged,
 * credentials redacted; bodies and query strings never are.
 */
export function loggerParams(level: string, stream?: NodeJS.WritableStream): Params {
  return {
    // nestjs-pino's default route pattern matches nothing under NestJS 12's Fastify adapter.
    forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
    pinoHttp: {
      level,
      ...(stream ? { stream } : {}),
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
        ignore: (req) => ((req as { originalUrl?: string }).originalUrl ?? req.url) === '/health',
      },
    },
  };
}
