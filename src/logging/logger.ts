import { hostname } from 'node:os';
import pino, { type Logger, type LoggerOptions } from 'pino';
import { requestIdMixin } from './request-scope';

export type { Logger } from 'pino';

/**
 * The one pino logger of a process: created first thing in `main.ts`, handed to the application
 * for Nest's own logs (`nest-logger.ts`) and the request lines (`src/http/logging.ts`), and used
 * again after the application has closed. Every line is one JSON object with the same base fields
 * (`level`, `time`, `pid`, `hostname`, `name`, `msg`); `LOG_FORMAT=pretty` renders the same lines
 * for a human through pino-pretty.
 */
export function createLogger(
  options: { level?: string; format?: 'json' | 'pretty'; stream?: NodeJS.WritableStream } = {},
): Logger {
  const config: LoggerOptions = {
    name: 'connector-gateway',
    level: options.level ?? 'info',
    base: { pid: process.pid, hostname: hostname() },
    // Lines logged while a request is served carry its id (src/logging/request-scope.ts).
    mixin: requestIdMixin,
  };
  if (options.stream) return pino(config, options.stream);
  if (options.format === 'pretty') {
    return pino({
      ...config,
      transport: {
        target: 'pino-pretty',
        options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' },
      },
    });
  }
  // Synchronous writes to stdout: lines leave in the order they were logged, and none is lost
  // when the process exits (an asynchronous stream let a fatal line, which pino writes at once,
  // overtake the line before it).
  return pino(config, pino.destination({ dest: 1, sync: true }));
}
