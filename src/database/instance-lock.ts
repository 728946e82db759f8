import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Who holds a data directory: written into the lock file, read by whoever finds it taken. */
export interface LockHolder {
  pid: number;
  host: string;
  /** When the holder took the lock (ISO 8601). */
  started: string;
}

/** The data directory is held by another live process. */
export class InstanceLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `the embedded database in ${dataDir} is in use by process ${holder.pid} on ${holder.host} ` +
        `(since ${holder.started}); stop it first, or give this one another DATA_DIR`,
    );
  }
}

export interface InstanceLock {
  readonly holder: LockHolder;
  /** Removes the lock file, if it is still this one's. */
  release(): void;
}

const LOCK_FILE = 'gateway.lock';
const GUARD_FILE = 'gateway.lock.takeover';
/** A takeover guard older than this was left by a process that died taking over: removed. */
const GUARD_STALE_MS = 10_000;
const ATTEMPTS = 50;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Creates `file` holding `content`, atomically and only if it does not exist: the content is
 * written to a file of its own first and then hard-linked into place, so nobody ever reads a
 * half-written lock. False when the file exists.
 */
function createExclusive(file: string, content: string): boolean {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
  writeFileSync(temp, content, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    if (errno(error) === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if (errno(error) === 'ENOENT') return null;
    throw error;
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    return typeof value.pid === 'number' && typeof value.host === 'string'
      ? { pid: value.pid, host: value.host, started: String(value.started) }
      : null;
  } catch {
    return null;
  }
}

/**
 * Whether the holder may still be running. A holder on another host cannot be checked, so it is
 * taken as alive; on this host, a process that no longer exists (or is this very process: a pid
 * reused after a restart, as pid 1 in a container) has left a stale lock.
 */
function alive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return errno(error) === 'EPERM'; // exists, owned by another user
  }
}

/**
 * Removes the stale lock whose content was `seen`, under a takeover guard so that of the processes
 * that found it stale, one removes it and none removes a fresh lock taken meanwhile.
 */
function removeStale(file: string, guard: string, seen: string): void {
  if (!createExclusive(guard, String(process.pid))) {
    try {
      if (Date.now() - statSync(guard).mtimeMs > GUARD_STALE_MS) unlinkSync(guard);
    } catch {
      /* gone meanwhile */
    }
    return;
  }
  try {
    if (readText(file) === seen) unlinkSync(file);
  } finally {
    unlinkSync(guard);
  }
}

/**
 * The single-instance lock of a data directory, taken atomically before anything opens the
 * database files: `<dataDir>/gateway.lock` created exclusively (link(2) of a complete file), with
 * the holder's pid, host and start time. A lock whose process is gone is stale and taken over.
 * Throws InstanceLockedError naming the holder when a live process holds it.
 */
export function acquireInstanceLock(dataDir: string): InstanceLock {
  const file = join(dataDir, LOCK_FILE);
  const guard = join(dataDir, GUARD_FILE);
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    started: new Date().toISOString(),
  };
  const content = `${JSON.stringify(holder)}\n`;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (createExclusive(file, content)) {
      return {
        holder,
        release: () => {
          if (readText(file) === content) unlinkSync(file);
        },
      };
    }
    const seen = readText(file);
    if (seen === null) continue; // released meanwhile: try again
    const current = parseHolder(seen);
    if (current && alive(current)) throw new InstanceLockedError(dataDir, current);
    // Stale (its process is gone) or unreadable (not a lock this gateway wrote): take it over.
    removeStale(file, guard, seen);
    sleep(5 + attempt * 5);
  }
  throw new Error(`could not take the lock ${file} after ${ATTEMPTS} attempts`);
}

/** Who holds the data directory now, if a live process does. */
export function lockHolder(dataDir: string): LockHolder | null {
  const text = readText(join(dataDir, LOCK_FILE));
  const holder = text === null ? null : parseHolder(text);
  return holder && alive(holder) ? holder : null;
}
