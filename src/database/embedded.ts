import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/** The socket file name libpq and node-postgres look for in a socket directory (port 5432). */
export const EMBEDDED_SOCKET = '.s.PGSQL.5432';
/** sun_path holds 108 bytes on Linux, 104 on macOS, the terminating NUL included. */
const MAX_SOCKET_PATH = 103;

/** The connection string of the embedded database served in `dataDir`. */
export function embeddedUrl(dataDir: string): string {
  return `postgresql://postgres@/postgres?host=${encodeURIComponent(resolve(dataDir))}`;
}

/**
 * Makes `dataDir` private to the user running the gateway (0700): the database files, the key and
 * the socket inside it are then out of every other local user's reach.
 */
export function makePrivateDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dataDir, 0o700);
  } catch (error) {
    throw new Error(
      `DATA_DIR ${dataDir} must be private to the gateway's user (mode 0700) and could not be made so: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * PostgreSQL for a laptop with none: PGlite (PostgreSQL compiled to WebAssembly) keeping its files
 * under `<dataDir>/pgdata`, served on a Unix socket inside `dataDir` so the gateway (and its CLI)
 * talk to it through the very same `pg` driver, pool and migrations as to a real server. PGlite
 * accepts any user and password, so the socket is what keeps others out: it lives in the 0700
 * data directory, where only the gateway's user can reach it (no TCP port is opened).
 * The caller holds the data directory's instance lock.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const root = resolve(dataDir);
  const socket = join(root, EMBEDDED_SOCKET);
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
    throw new Error(
      `DATA_DIR ${root} is too long for the embedded database's socket (${socket} must be at most ${MAX_SOCKET_PATH} bytes): choose a shorter path`,
    );
  }
  makePrivateDir(root);
  const dir = join(root, 'pgdata');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const db = await PGlite.create(dir, { extensions: { pg_trgm } });
  // A socket left by a process killed with -9: the instance lock says nobody serves it now.
  rmSync(socket, { force: true });
  // PGlite has one session; the socket server queues statements and keeps a transaction's
  // statements together. More than one connection is needed for the pool.
  const server = new PGLiteSocketServer({ db, path: socket, maxConnections: 32 });
  try {
    await server.start();
    chmodSync(socket, 0o600);
  } catch (error) {
    await db.close();
    throw error;
  }
  return {
    url: embeddedUrl(root),
    async stop() {
      await server.stop();
      await db.close();
      rmSync(socket, { force: true });
    },
  };
}
