import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from './bootstrap';
import { type AppConfig, ConfigError } from './config/config';
import { loadEnvironment } from './config/environment';
import { resolveRuntime, type Runtime } from './config/runtime';
import { waitForDatabase } from './database/wait-for-database';
import { shutdownOf } from './http/shutdown';
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
    if (!(error instanceof StartAborted)) return fail(log, error, 'failed to start');
    log.fatal(error.message);
    return exit(log, 1);
  }
  stopOnSignals(app, runtime, log);
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

/** A start given up for a reason its message says in full (one clear line, no stack). */
class StartAborted extends Error {}

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
    // A database still starting (a compose stack, a failover) is waited for, up to its deadline.
    const { connectTimeoutSeconds } = runtime.config.database;
    if (
      !runtime.config.embedded &&
      !(await waitForDatabase(runtime.config.databaseUrl, connectTimeoutSeconds, log))
    ) {
      throw new StartAborted(
        `database not reachable after ${connectTimeoutSeconds} s (DATABASE_CONNECT_TIMEOUT): exiting`,
      );
    }
    return { runtime, app: await createApp(runtime.config, { logger: root }) };
  } catch (error) {
    await runtime.stop().catch(() => undefined);
    throw error;
  }
}

/**
 * On SIGTERM (or SIGINT): stop accepting connections, close idle keep-alive ones, finish the
 * requests in flight (answered with `Connection: close`), refuse new ones with a 503, close the
 * pool, then the embedded database. Past SHUTDOWN_TIMEOUT, whatever is still in flight is answered
 * 503, every connection is closed and the process exits (code 1) whatever the clients do.
 */
function stopOnSignals(app: NestFastifyApplication, runtime: Runtime, log: Logger): void {
  const timeoutMs = runtime.config.shutdownTimeoutSeconds * 1000;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const shutdown = shutdownOf(app);
    shutdown.begin();
    const force = setTimeout(() => {
      void (async () => {
        const refused = await shutdown.refuseInFlight();
        log.warn(
          { refused },
          `still busy after ${timeoutMs} ms: requests in flight answered 503, connections closed`,
        );
        app.getHttpServer().closeAllConnections();
        await Promise.race([
          runtime.stop().catch(() => undefined),
          new Promise((resolve) => setTimeout(resolve, 500)),
        ]);
        log.info('stopped');
        exit(log, 1);
      })();
    }, timeoutMs);
    app
      .close()
      .then(() => runtime.stop())
      .then(() => {
        clearTimeout(force);
        log.info('stopped');
        exit(log, 0);
      })
      .catch((error: unknown) => fail(log, error, 'failed to stop cleanly'));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
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
