import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import pino from 'pino';
import { createApp } from './bootstrap';
import { ConfigError, loadConfig } from './config/config';
import { resolveRuntime } from './config/runtime';
import { waitForDatabase } from './database/wait-for-database';
import { shutdownOf } from './http/shutdown';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  // Before the application (and its logger) exists, log the same JSON lines with pino itself.
  const early = pino({ level: config.logLevel, base: { pid: process.pid, context: 'Gateway' } });
  const logger = { log: (m: string) => early.info(m), warn: (m: string) => early.warn(m) };
  const runtime = await resolveRuntime(config, logger);
  // A database still starting (a compose stack, a failover) is waited for, up to its deadline.
  if (
    !runtime.config.embedded &&
    !(await waitForDatabase(
      runtime.config.databaseUrl,
      runtime.config.database.connectTimeoutSeconds,
      early,
    ))
  ) {
    early.fatal(
      `database not reachable after ${runtime.config.database.connectTimeoutSeconds} s (DATABASE_CONNECT_TIMEOUT): exiting`,
    );
    process.exit(1);
  }
  const app = await createApp(runtime.config);
  stopOnSignals(app, () => runtime.stop(), runtime.config.shutdownTimeoutSeconds * 1000);
  await app.listen({ port: runtime.config.port, host: runtime.config.host });
  early.info(`connector gateway listening on ${await app.getUrl()} (docs at /docs)`);
}

/**
 * On SIGTERM (or SIGINT): stop accepting connections, close idle keep-alive ones, finish the
 * requests in flight (answered with `Connection: close`), refuse new ones with a 503, close the
 * pool, then the embedded database. Past `timeoutMs`, whatever is still in flight is answered 503,
 * every connection is closed and the process exits (code 1) whatever the clients do.
 */
function stopOnSignals(
  app: Awaited<ReturnType<typeof createApp>>,
  stopRuntime: () => Promise<void>,
  timeoutMs: number,
): void {
  const logger = new Logger('Gateway');
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`shutting down (${signal})`);
    const shutdown = shutdownOf(app);
    shutdown.begin();
    const force = setTimeout(() => {
      void (async () => {
        const refused = await shutdown.refuseInFlight();
        logger.warn(
          `still busy after ${timeoutMs} ms: ${refused} request(s) in flight answered 503, connections closed`,
        );
        app.getHttpServer().closeAllConnections();
        await Promise.race([
          stopRuntime().catch(() => undefined),
          new Promise((resolve) => setTimeout(resolve, 500)),
        ]);
        logger.log('stopped');
        process.exit(1);
      })();
    }, timeoutMs);
    app
      .close()
      .then(() => stopRuntime())
      .then(() => {
        clearTimeout(force);
        logger.log('stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error(error);
        process.exit(1);
      });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
