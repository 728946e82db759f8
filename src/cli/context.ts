import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/config';
import { resolveRuntime, type RuntimeConfig } from '../config/runtime';
import { typeOrmOptions } from '../database/typeorm-options';

/**
 * A database connection for the command-line tools, configured exactly as the gateway is
 * (DATABASE_URL, or the embedded database under DATA_DIR, shared with a running gateway).
 */
export async function withDatabase<T>(
  fn: (dataSource: DataSource, config: RuntimeConfig) => Promise<T>,
): Promise<T> {
  const runtime = await resolveRuntime(loadConfig(process.env), undefined, { shareRunning: true });
  const dataSource = new DataSource(typeOrmOptions(runtime.config.databaseUrl));
  await dataSource.initialize();
  try {
    return await fn(dataSource, runtime.config);
  } finally {
    await dataSource.destroy();
    await runtime.stop();
  }
}

/** `--name value` options of a command line. */
export function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
}

export function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
