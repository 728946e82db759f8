import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { OAuthStateSigner } from '../src/oauth/oauth-state';
import { SecretWatch } from './secrets';

const ROOT = resolve(__dirname, '..');
const MAIN = join(ROOT, 'dist', 'main.js');
/** PGlite (PostgreSQL in WebAssembly) creating a cluster on a shared 2-core machine is slow. */
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

/** The newest modification time of the files under `dir` that `npm run build` compiles. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

/** Builds dist/ (`npm run build`) unless dist/main.js is newer than every source file. */
function buildIfStale(): void {
  let built = 0;
  try {
    built = statSync(MAIN).mtimeMs;
  } catch {
    /* not built yet */
  }
  const newest = Math.max(
    newestSource(join(ROOT, 'src')),
    statSync(join(ROOT, 'tsconfig.build.json')).mtimeMs,
    statSync(join(ROOT, 'tsconfig.json')).mtimeMs,
  );
  if (built > newest) return;
  const result = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 240_000,
    },
  );
  if (result.status !== 0) {
    throw new Error(`npm run build failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolvePort(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** The parts of the Cohere replies this test reads. */
interface Reply {
  connector?: { id: string; oauth?: { client_secret?: string } };
  connectors?: unknown[];
  total_count?: number;
  redirect_url?: string;
}

/** One run of the built gateway, its output kept for the failure message. */
class Gateway {
  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private exitedYet = false;

  constructor(env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Even if the test process dies first, the gateway does not outlive it.
    const orphan = () => this.child.kill('SIGKILL');
    process.once('exit', orphan);
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString('utf8'));
      if (this.output.length > 400) this.output.splice(0, 100);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolveExit) => {
      this.child.once('exit', (code, signal) => {
        this.exitedYet = true;
        process.off('exit', orphan);
        resolveExit({ code, signal });
      });
    });
  }

  get running(): boolean {
    return !this.exitedYet;
  }

  get log(): string {
    return this.output.join('').slice(-6000);
  }

  /** Resolves once /health answers 200; fails if the process exits or the time runs out. */
  async ready(baseUrl: string): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`the gateway exited before it was ready:\n${this.log}`);
      try {
        const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) return;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`the gateway was not ready after ${START_TIMEOUT_MS} ms:\n${this.log}`);
  }

  /** SIGTERM, then the exit it leads to. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill('SIGTERM');
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`no exit ${STOP_TIMEOUT_MS} ms after SIGTERM:\n${this.log}`)),
        STOP_TIMEOUT_MS,
      ).unref(),
    );
    return Promise.race([this.exited, timeout]);
  }

  /** For cleanup, whatever happened. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/**
 * The default a newcomer gets: no DATABASE_URL, so the built gateway runs on its embedded PostgreSQL
 * under DATA_DIR with a generated encryption key, and what it stored is there after a restart.
 */
describe('embedded default: the built gateway without DATABASE_URL', () => {
  let dataDir: string;
  const started: Gateway[] = [];

  beforeAll(() => {
    const t0 = Date.now();
    buildIfStale();
    // Building takes a while on a busy machine: say so, for whoever wonders why this suite is slow.
    if (Date.now() - t0 > 1000) console.log(`built dist/ in ${Date.now() - t0} ms`);
    dataDir = mkdtempSync(join(tmpdir(), 'gw-embedded-'));
  }, 300_000);

  afterAll(async () => {
    for (const gateway of started) await gateway.kill();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates a connector, stops cleanly on SIGTERM, and reads it back after a restart on the same DATA_DIR', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const apiKey = `embedded-${randomBytes(16).toString('hex')}`;
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of [
      'DATABASE_URL',
      'TEST_DATABASE_URL',
      'GW_TEST_DATABASE_URL',
      'GW_TEST_SCHEMA',
      'GATEWAY_ENCRYPTION_KEY',
      'GATEWAY_PREVIOUS_ENCRYPTION_KEYS',
      'PUBLIC_URL',
    ]) {
      delete env[name];
    }
    Object.assign(env, {
      DATA_DIR: dataDir,
      GATEWAY_API_KEYS: `embedded-org:${apiKey}`,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    });
    const auth = { Authorization: `Bearer ${apiKey}` };
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: body === undefined ? auth : { ...auth, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      return { status: res.status, body: (await res.json()) as Reply };
    };
    const secrets = new SecretWatch();
    const clientSecret = secrets.make('embedded-client-secret');

    // First run: a fresh DATA_DIR.
    const first = new Gateway(env);
    started.push(first);
    await first.ready(baseUrl);
    // It runs on the embedded PostgreSQL, in DATA_DIR.
    expect(statSync(join(dataDir, 'pgdata')).isDirectory()).toBe(true);
    const keyFile = join(dataDir, 'encryption.key');
    const key = readFileSync(keyFile, 'utf8').trim();
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    const created = await call('POST', '/v1/connectors', {
      name: 'Embedded Wiki',
      url: 'https://wiki.example.com/search',
      description: 'kept across restarts',
      excludes: ['draft'],
      oauth: {
        client_id: 'embedded-client',
        client_secret: clientSecret,
        authorize_url: 'https://auth.example.com/authorize',
        token_url: 'https://auth.example.com/token',
        scope: 'read',
      },
      continue_on_failure: true,
    });
    expect(created.status).toBe(200);
    const connector = created.body.connector!;
    expect(connector).toMatchObject({
      id: expect.stringMatching(/^embedded-wiki-[a-z0-9]{6}$/),
      organization_id: 'embedded-org',
      oauth: { client_id: 'embedded-client', client_secret: '******' },
    });
    expect(JSON.stringify(created.body)).not.toContain(clientSecret);
    const firstAuthorize = await call('POST', `/v1/connectors/${connector.id}/oauth/authorize`);
    expect(firstAuthorize.status).toBe(200);
    const firstState = new URL(firstAuthorize.body.redirect_url!).searchParams.get('state')!;

    // Clean stop.
    expect(await first.stop()).toEqual({ code: 0, signal: null });

    // Second run on the same DATA_DIR.
    const second = new Gateway(env);
    started.push(second);
    await second.ready(baseUrl);

    const read = await call('GET', `/v1/connectors/${connector.id}`);
    expect(read).toEqual({ status: 200, body: { connector } });
    expect(read.body.connector?.oauth?.client_secret).toBe('******');
    const list = await call('GET', '/v1/connectors?limit=100');
    expect(list.status).toBe(200);
    // The built-ins were not made twice.
    expect(list.body.total_count).toBe(11);
    expect(list.body.connectors?.[0]).toEqual(connector);

    // The generated key was reused, not replaced: the file is unchanged and states signed before and
    // after the restart both verify with it.
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
    const signer = new OAuthStateSigner(Buffer.from(key, 'base64'));
    expect(signer.verify(firstState)).toMatchObject({ org: 'embedded-org', cid: connector.id });
    const secondAuthorize = await call('POST', `/v1/connectors/${connector.id}/oauth/authorize`);
    expect(secondAuthorize.status).toBe(200);
    const secondState = new URL(secondAuthorize.body.redirect_url!).searchParams.get('state')!;
    expect(signer.verify(secondState)).toMatchObject({ org: 'embedded-org', cid: connector.id });

    // PATCH with the mask keeps the secret sealed under the reused key; the connector still updates.
    const patched = await call('PATCH', `/v1/connectors/${connector.id}`, {
      name: 'Embedded Wiki 2',
      oauth: { client_secret: '******' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.connector?.oauth).toEqual(connector.oauth);

    expect(await second.stop()).toEqual({ code: 0, signal: null });
  }, 300_000);
});
