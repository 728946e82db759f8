import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import { requestIdFor } from './request-id';

/**
 * Structured JSON logs (pino), one line per request with its id. Credentials are redacted wherever
 * they could appear; bodies are never logged.
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
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-api-token"]',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          '*.client_secret',
          '*.token',
          '*.password',
        ],
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
          headers: req.headers,
        }),
      },
      autoLogging: { ignore: (req) => req.url === '/health' },
    },
  };
}
