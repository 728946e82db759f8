import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './bootstrap';
import { ConfigError, loadConfig } from './config/config';
import { resolveRuntime } from './config/runtime';

async function main(): Promise<void> {
  const logger = new Logger('Gateway');
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
  const runtime = await resolveRuntime(config, logger);
  const app = await createApp(runtime.config);
  // Nest's shutdown hooks stop the server (in-flight requests finish) and close the pool; the
  // embedded database goes last.
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
  logger.log(`connector gateway listening on ${await app.getUrl()} (docs at /docs)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
