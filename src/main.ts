import 'reflect-metadata';
import pino from 'pino';
import { createApp } from './bootstrap';
import { ConfigError, loadConfig } from './config/config';
import { resolveRuntime } from './config/runtime';

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
  const app = await createApp(runtime.config);
  // On SIGTERM: the server stops accepting and finishes the requests in flight, the pool closes,
  // and the embedded database (if any) goes last.
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      app
        .close()
        .then(() => runtime.stop())
        .then(() => process.exit(0))
        .catch((error: unknown) => {
          console.error(error);
          process.exit(1);
        });
    });
  }
  await app.listen({ port: runtime.config.port, host: runtime.config.host });
  early.info(`connector gateway listening on ${await app.getUrl()} (docs at /docs)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
