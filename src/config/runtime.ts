import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  /** Tests move time forward (API key cache expiry); the wall clock otherwise. */
  clock?: () => number;
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
  options: { shareRunning?: boolean } = {},
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
  const running = runningEmbedded(dataDir);
  if (running) {
    // Another process (the gateway) holds the data directory: PGlite is single-process, so
    // share its database through the loopback port it serves instead of opening the files.
    if (!options.shareRunning) {
      throw new Error(
        `the embedded database in ${dataDir} is in use by process ${running.pid}; stop it first`,
      );
    }
    return {
      config: { ...config, databaseUrl: running.url, encryptionKey, embedded: true },
      stop: () => Promise.resolve(),
    };
  }
  const db = await startEmbeddedPostgres(dataDir);
  const lockFile = join(dataDir, LOCK_FILE);
  writeFileSync(lockFile, JSON.stringify({ pid: process.pid, url: db.url }), { mode: 0o600 });
  logger?.log(`no DATABASE_URL: using the embedded PostgreSQL in ${join(dataDir, 'pgdata')}`);
  return {
    config: { ...config, databaseUrl: db.url, encryptionKey, embedded: true },
    stop: async () => {
      await db.stop();
      rmSync(lockFile, { force: true });
    },
  };
}

const LOCK_FILE = 'embedded-postgres.json';

/** The embedded database another live process is serving from `dataDir`, if any. */
function runningEmbedded(dataDir: string): { pid: number; url: string } | null {
  const file = join(dataDir, LOCK_FILE);
  if (!existsSync(file)) return null;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; url: string };
    if (info.pid === process.pid) return null;
    process.kill(info.pid, 0);
    return info;
  } catch {
    return null; // stale: that process is gone
  }
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
