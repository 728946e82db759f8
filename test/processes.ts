import { type ChildProcess, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Helpers for tests that run the gateway or its CLI as the operator does: as processes. */
export const ROOT = resolve(__dirname, '..');

/** `dist/` as `npm start` would leave it: built now only if a source changed (the same script). */
export function buildIfStale(): void {
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-if-stale.js')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (result.status !== 0) throw new Error(`the build failed:\n${result.stdout}${result.stderr}`);
}

/**
 * The environment of a gateway (or CLI) on the test database, in this run's schema: the search
 * path goes in the connection string, as an operator's DATABASE_URL could carry it. Nothing of the
 * test process's own environment leaks in but PATH and HOME.
 */
export function gatewayEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const url = new URL(required('GW_TEST_DATABASE_URL'));
  url.searchParams.set('options', `-c search_path=${required('GW_TEST_SCHEMA')},public`);
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: url.toString(),
    // The run's one key: the store is shared by every suite, and a start refuses a store holding
    // values sealed under a key it lacks (src/secrets/sealed-store.ts).
    GATEWAY_ENCRYPTION_KEY: required('GW_TEST_ENCRYPTION_KEY'),
    HOST: '127.0.0.1',
    PORT: '0',
    RATE_LIMIT_PER_MINUTE: '0',
    ...extra,
  };
}

function required(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is set by test/global-setup.ts (run the e2e tests with jest)`);
  return value;
}

/** Every line a child writes to stdout and stderr, as they come. */
export class Output {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  private waiters: Array<() => void> = [];
  private ended = false;

  constructor(child: ChildProcess) {
    for (const [stream, lines] of [
      [child.stdout, this.stdout],
      [child.stderr, this.stderr],
    ] as const) {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        lines.push(...parts.filter((l) => l !== ''));
        for (const wake of this.waiters.splice(0)) wake();
      });
      stream?.on('end', () => {
        if (partial) lines.push(partial);
        partial = '';
        if (stream === child.stdout) this.ended = true;
        for (const wake of this.waiters.splice(0)) wake();
      });
    }
  }

  get all(): string {
    return [...this.stdout, ...this.stderr].join('\n');
  }

  /** The first stdout line that matches, waiting up to `ms` for it (or until stdout ends). */
  async line(match: (line: string) => boolean, ms = 90_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.stdout.find(match);
      if (found !== undefined) return found;
      if (this.ended) throw new Error(`no such line before the output ended:\n${this.all}`);
      if (Date.now() > deadline) throw new Error(`no such line after ${ms} ms:\n${this.all}`);
      await new Promise<void>((wake) => {
        this.waiters.push(wake);
        setTimeout(wake, 500);
      });
    }
  }
}

/** The exit of a child (already exited or not), failing after `ms`. */
export function exitOf(
  child: ChildProcess,
  ms = 30_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  // 'close', not 'exit': only then has everything the child wrote been read (its last lines).
  const drained = [child.stdout, child.stderr].every((s) => !s || s.destroyed);
  if ((child.exitCode !== null || child.signalCode !== null) && drained) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolveExit, reject) => {
    const timer = setTimeout(() => reject(new Error(`no exit after ${ms} ms`)), ms);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolveExit({ code, signal });
    });
  });
}

/** Whether any process is left in the process group `pgid` (a child spawned `detached`). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'ESRCH') return false;
    throw error;
  }
}

/** package.json's `config.nodeOptions`: what `npm start` gives node when NODE_OPTIONS is unset. */
export function configuredNodeOptions(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    config?: { nodeOptions?: string };
  };
  return pkg.config?.nodeOptions ?? '';
}
