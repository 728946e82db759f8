import type { Params } from 'nestjs-pino';
import { requestIdFor } from './request-id';

/**
 * Structured JSON logs (pino), one line per request with its id. Credentials are redacted wherever
 * they could appear; bodies are never logged.
 */
export function loggerParams(level: string): Params {
  return {
    pinoHttp: {
      level,
      genReqId: (req) => requestIdFor(req),
      customAttributeKeys: { reqId: 'requestId' },
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
    // The health check and Swagger are not worth a log line each.
    exclude: [],
  };
}
