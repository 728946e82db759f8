import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from './bootstrap';
import { type AppConfig, ConfigError } from './config/config';
import { loadEnvironment } from './config/environment';
import { resolveRuntime, type Runtime } from './config/runtime';
import { createLogger, type Logger } from './logging/logger';

/**
 * One pino logger from the first line to the last: made as soon as the configuration is known
 * (or with the defaults, to say why it is not), handed to the application, and used again once the
 * application has closed. Every line is JSON (or pino-pretty's rendering with LOG_FORMAT=pretty).
 */
async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = await loadEnvironment();
  } catch (error) {
    const logger = createLogger();
    if (error instanceof ConfigError) logger.fatal({ context: 'Gateway' }, error.message);
    else logger.fatal({ context: 'Gateway', err: describe(error) }, 'could not read the config');
    return exit(logger, 1);
  }
  const root = createLogger({ level: config.logLevel, format: config.logFormat });
  const log = root.child({ context: 'Gateway' });
  process.on('uncaughtException', (error) => fail(log, error, 'uncaught exception'));

  let runtime: Runtime;
  let app: NestFastifyApplication;
  try {
    ({ runtime, app } = await start(config, root, log));
  } catch (error) {
    return fail(log, error, 'failed to start');
  }
  // On SIGTERM: the server stops accepting and finishes the requests in flight, the pool closes,
  // and the embedded database (if any) goes last.
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      app
        .close()
        .then(() => runtime.stop())
        .then(() => {
          log.info('stopped');
          exit(log, 0);
        })
        .catch((error: unknown) => fail(log, error, 'failed to stop cleanly'));
    });
  }
  try {
    await app.listen({ port: runtime.config.port, host: runtime.config.host });
  } catch (error) {
    await app.close().catch(() => undefined);
    await runtime.stop().catch(() => undefined);
    return fail(log, error, 'failed to start');
  }
  // The address the server is bound to (0.0.0.0, ::, or one interface), not a guess.
  const { address, port } = app.getHttpServer().address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  log.info(
    { host: address, port },
    `listening on http://${host}:${port} (API docs at /docs, metrics at /metrics)`,
  );
}

/** The database (embedded or not) and the application; what was started is stopped on failure. */
async function start(
  config: AppConfig,
  root: Logger,
  log: Logger,
): Promise<{ runtime: Runtime; app: NestFastifyApplication }> {
  const runtime = await resolveRuntime(config, {
    log: (m: string) => log.info(m),
    warn: (m: string) => log.warn(m),
  });
  try {
    return { runtime, app: await createApp(runtime.config, { logger: root }) };
  } catch (error) {
    await runtime.stop().catch(() => undefined);
    throw error;
  }
}

/** A fatal error, logged by the process's logger, then exit 1. */
function fail(log: Logger, error: unknown, message: string): void {
  log.fatal({ err: describe(error) }, message);
  exit(log, 1);
}

/**
 * Only an error's type, message, code and stack: a driver error's other fields (a query's
 * parameters) could carry a secret.
 */
function describe(error: unknown): Record<string, unknown> {
  return error instanceof Error
    ? {
        type: error.name,
        message: error.message,
        code: (error as { code?: unknown }).code,
        stack: error.stack,
      }
    : { message: String(error) };
}

/** Exits once the logger has written everything (pino-pretty runs in a worker thread). */
function exit(log: Logger, code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2000);
  log.flush(() => process.exit(code));
}

main().catch((error: unknown) =>
  fail(createLogger().child({ context: 'Gateway' }), error, 'failed'),
);
