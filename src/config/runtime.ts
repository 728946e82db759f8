import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from '@nestjs/common';
import { generateKey } from '../secrets/cipher';
import { startEmbeddedPostgres } from '../database/embedded';
import type { AppConfig } from './config';

export const APP_CONFIG = Symbol('APP_CONFIG');

/** The configuration once the database and the encryption key are settled. */
export interface RuntimeConfig extends AppConfig {
  databaseUrl: string;
  encryptionKey: string;
  /** Tests run in a schema of their own. */
  schema?: string;
  embedded: boolean;
}

export interface Runtime {
  config: RuntimeConfig;
  /** Stops what `resolveRuntime` started (the embedded database). */
  stop(): Promise<void>;
}

/**
 * With DATABASE_URL, the configuration as given. Without it, an embedded PostgreSQL under
 * DATA_DIR and, unless GATEWAY_ENCRYPTION_KEY is set, a key generated once and kept beside it.
 */
export async function resolveRuntime(
  config: AppConfig,
  logger?: Pick<Logger, 'warn' | 'log'>,
): Promise<Runtime> {
  if (config.databaseUrl) {
    if (!config.encryptionKey)
      throw new Error('GATEWAY_ENCRYPTION_KEY is required with DATABASE_URL');
    return {
      config: {
        ...config,
        databaseUrl: config.databaseUrl,
        encryptionKey: config.encryptionKey,
        embedded: false,
      },
      stop: () => Promise.resolve(),
    };
  }
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const encryptionKey = config.encryptionKey ?? embeddedKey(dataDir, logger);
  const db = await startEmbeddedPostgres(dataDir);
  logger?.log(`no DATABASE_URL: using the embedded PostgreSQL in ${join(dataDir, 'pgdata')}`);
  return {
    config: { ...config, databaseUrl: db.url, encryptionKey, embedded: true },
    stop: () => db.stop(),
  };
}

function embeddedKey(dataDir: string, logger?: Pick<Logger, 'warn'>): string {
  const file = join(dataDir, 'encryption.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = generateKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  logger?.warn(
    `GATEWAY_ENCRYPTION_KEY is not set: generated one and kept it in ${file}. ` +
      'Back it up with the data: without it the stored secrets cannot be opened.',
  );
  return key;
}
