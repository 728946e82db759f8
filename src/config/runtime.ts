import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from '@nestjs/common';
import { generateKey } from '../secrets/cipher';
import { makePrivateDir, startEmbeddedPostgres } from '../database/embedded';
import {
  acquireInstanceLock,
  type InstanceLock,
  InstanceLockedError,
  lockHolder,
} from '../database/instance-lock';
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
  makePrivateDir(dataDir);
  // The lock comes before anything else touches the data directory: of two gateways started at
  // the same instant on one DATA_DIR, one runs and the other stops here, naming the holder.
  let lock: InstanceLock;
  try {
    lock = acquireInstanceLock(dataDir);
  } catch (error) {
    if (!(error instanceof InstanceLockedError) || !options.shareRunning) throw error;
    // Another process (the gateway) holds the data directory: PGlite is single-process, so
    // share its database through the socket it serves instead of opening the files.
    const running = await waitForRunning(dataDir, error);
    const encryptionKey = config.encryptionKey ?? embeddedKey(dataDir, logger);
    return {
      config: { ...config, databaseUrl: running.url, encryptionKey, embedded: true },
      stop: () => Promise.resolve(),
    };
  }
  const info = join(dataDir, CONNECTION_FILE);
  try {
    const encryptionKey = config.encryptionKey ?? embeddedKey(dataDir, logger);
    rmSync(info, { force: true });
    const db = await startEmbeddedPostgres(dataDir);
    writeFileSync(info, JSON.stringify({ pid: process.pid, url: db.url }), { mode: 0o600 });
    logger?.log(`no DATABASE_URL: using the embedded PostgreSQL in ${join(dataDir, 'pgdata')}`);
    return {
      config: { ...config, databaseUrl: db.url, encryptionKey, embedded: true },
      stop: async () => {
        try {
          await db.stop();
          rmSync(info, { force: true });
        } finally {
          lock.release();
        }
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** Where the running gateway says how to reach its embedded database (for the CLI). */
const CONNECTION_FILE = 'embedded-postgres.json';
/** How long the CLI waits for a gateway that holds the lock but is still starting its database. */
const SHARE_WAIT_MS = 30_000;

/** The embedded database the lock holder serves, once it serves it. */
async function waitForRunning(
  dataDir: string,
  locked: InstanceLockedError,
): Promise<{ pid: number; url: string }> {
  const file = join(dataDir, CONNECTION_FILE);
  const deadline = Date.now() + SHARE_WAIT_MS;
  for (;;) {
    try {
      const info = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; url: string };
      if (info.pid === locked.holder.pid) return info;
    } catch {
      /* not written yet */
    }
    if (Date.now() > deadline || !lockHolder(dataDir)) throw locked;
    await new Promise((r) => setTimeout(r, 200));
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
