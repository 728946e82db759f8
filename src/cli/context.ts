import 'reflect-metadata';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DataSource } from 'typeorm';
import { loadEnvironment } from '../config/environment';
import { resolveRuntime, type RuntimeConfig } from '../config/runtime';
import { typeOrmOptions } from '../database/typeorm-options';

/**
 * A database connection for the command-line tools, configured exactly as the gateway is
 * (environment over `.env`; DATABASE_URL, or the embedded database under DATA_DIR, shared with a
 * running gateway).
 */
export async function withDatabase<T>(
  fn: (dataSource: DataSource, config: RuntimeConfig) => Promise<T>,
): Promise<T> {
  const runtime = await resolveRuntime(await loadEnvironment(), undefined, { shareRunning: true });
  try {
    const dataSource = new DataSource(typeOrmOptions(runtime.config.databaseUrl));
    await dataSource.initialize();
    try {
      return await fn(dataSource, runtime.config);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await runtime.stop();
  }
}

/** A command line that does not fit the command's usage: exit 2 with the usage. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

/** `--help` was asked for: print the usage and exit 0. */
export class HelpRequested extends Error {
  constructor(readonly usage: string) {
    super('help');
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * The `--name value` options of a (sub)command, parsed strictly by `util.parseArgs`: an unknown
 * option, a missing value, or a value that looks like the next option (`--org --label x`) is a
 * usage error, as is any `required` option left out. `--help`/`-h` is always understood.
 */
export function parseOptions<O extends Options>(
  argv: string[],
  options: O,
  usage: string,
  required: Array<keyof O & string> = [],
): Record<keyof O, string | undefined> {
  if (argv.includes('--help') || argv.includes('-h')) throw new HelpRequested(usage);
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), usage);
  }
  for (const name of required) {
    if (typeof values[name] !== 'string' || values[name] === '')
      throw new UsageError(`--${name} is required`, usage);
  }
  return values as Record<keyof O, string | undefined>;
}
