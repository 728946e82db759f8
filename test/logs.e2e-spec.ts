import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIfStale, exitOf, gatewayEnv, Output, ROOT } from './processes';

const MAIN = join(ROOT, 'dist', 'main.js');

/** The fields every line of the gateway carries, whatever wrote it (pino, Nest, the request lines). */
const BASE = ['level', 'time', 'pid', 'hostname', 'name', 'msg'];

/** `node dist/main.js` with `env`, in an empty folder (no .env of a developer's). */
function gateway(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [MAIN], {
    cwd: cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  process.once('exit', () => child.kill('SIGKILL'));
  return { child, out: new Output(child) };
}

/** Every line parsed as JSON (failing on the first that is not), with the base fields. */
function jsonLines(out: Output): Array<Record<string, unknown>> {
  expect(out.stderr).toEqual([]);
  expect(out.stdout.length).toBeGreaterThan(0);
  return out.stdout.map((line) => {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`not a JSON line: ${line}`);
    }
    for (const field of BASE) {
      if (!(field in parsed)) throw new Error(`no "${field}" in ${line}`);
    }
    return parsed;
  });
}

let cwd: string;

describe('one log stream: every line of a run is JSON with the same base fields', () => {
  beforeAll(() => {
    buildIfStale();
    cwd = mkdtempSync(join(tmpdir(), 'gw-logs-'));
  }, 300_000);
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('start, requests, stop: the bound address, one line per request, shutting down and stopped', async () => {
    const { child, out } = gateway(gatewayEnv({ LOG_LEVEL: 'info', PORT: '0' }));
    const listening = JSON.parse(await out.line((l) => l.includes('"msg":"listening on'))) as {
      host: string;
      port: number;
      msg: string;
    };
    // PORT=0: the port the system chose, as bound, not the one configured.
    expect(listening.host).toBe('127.0.0.1');
    expect(listening.port).toBeGreaterThan(0);
    expect(listening.msg).toContain(`http://127.0.0.1:${listening.port}`);
    const base = `http://127.0.0.1:${listening.port}`;

    const missing = await fetch(`${base}/v1/connectors/nope-123?code=oauth-code-abc&state=xyz`, {
      headers: { Authorization: 'Bearer gw_not_a_real_key_0123456789', 'X-Request-Id': 'logs-1' },
    });
    expect(missing.status).toBe(401);
    await missing.text();
    const coco = await fetch(`${base}/connector/_search?query=secret-query-term`, {
      headers: { 'X-API-TOKEN': 'gw_not_a_real_key_0123456789', 'X-Request-Id': 'logs-2' },
    });
    expect(coco.status).toBe(401);
    await coco.text();
    await out.line((l) => l.includes('"requestId":"logs-2"'), 10_000);

    child.kill('SIGTERM');
    expect(await exitOf(child)).toEqual({ code: 0, signal: null });
    const lines = jsonLines(out);
    expect(new Set(lines.map((l) => l.pid))).toEqual(new Set([child.pid]));
    expect(new Set(lines.map((l) => l.name))).toEqual(new Set(['connector-gateway']));
    // In order, from Nest's start to the last line.
    const msgs = lines.map((l) => l.msg as string);
    expect(msgs[0]).toBe('Starting Nest application...');
    expect(msgs.slice(-2)).toEqual(['shutting down', 'stopped']);
    const times = lines.map((l) => l.time as number);
    expect(times).toEqual([...times].sort((a, b) => a - b));

    const first = lines.find((l) => l.requestId === 'logs-1');
    expect(first).toMatchObject({
      msg: 'request completed',
      dialect: 'cohere',
      route: '/v1/connectors/:id',
      req: { method: 'GET', url: '/v1/connectors/nope-123' },
      res: { statusCode: 401 },
      responseTime: expect.any(Number),
    });
    expect(lines.find((l) => l.requestId === 'logs-2')).toMatchObject({
      dialect: 'coco',
      route: '/connector/_search',
      res: { statusCode: 401 },
    });
    const everything = out.stdout.join('\n');
    for (const secret of ['oauth-code-abc', 'xyz', 'secret-query-term', 'gw_not_a_real_key']) {
      expect(everything).not.toContain(secret);
    }
  }, 120_000);

  it('a failing start (invalid configuration) is one JSON line naming the variables, exit 1', async () => {
    const { child, out } = gateway(
      gatewayEnv({ PORT: 'eighty', LOG_LEVEL: 'loud', GATEWAY_ENCRYPTION_KEY: 'hunter2' }),
    );
    expect(await exitOf(child)).toEqual({ code: 1, signal: null });
    const lines = jsonLines(out);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 60, context: 'Gateway' });
    expect(lines[0]?.msg).toMatch(
      /^invalid configuration: (?=.*PORT must be an integer)(?=.*LOG_LEVEL must)(?=.*GATEWAY_ENCRYPTION_KEY must)/,
    );
    expect(out.stdout.join('\n')).not.toContain('hunter2');
  }, 60_000);

  it('a failing start (the port is taken) is JSON to the last line, exit 1', async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    try {
      const { child, out } = gateway(gatewayEnv({ PORT: String(port) }));
      expect(await exitOf(child, 60_000)).toEqual({ code: 1, signal: null });
      const lines = jsonLines(out);
      expect(lines.at(-1)).toMatchObject({
        level: 60,
        msg: 'failed to start',
        err: { code: 'EADDRINUSE' },
      });
    } finally {
      taken.close();
    }
  }, 90_000);

  it('a failing start (no database there) is JSON to the last line, exit 1', async () => {
    const closed: Server = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const { child, out } = gateway(
      gatewayEnv({
        DATABASE_URL: `postgres://gateway:pw-hunter2@127.0.0.1:${port}/gateway`,
        // It retries the database for this long (one JSON line per attempt), then gives up.
        DATABASE_CONNECT_TIMEOUT: '2',
      }),
    );
    const exit = await Promise.race([
      exitOf(child, 60_000),
      out
        .line((l) => l.includes('"msg":"listening on'), 60_000)
        .then(
          () => null,
          () => exitOf(child, 60_000),
        ),
    ]);
    if (exit === null) {
      // A gateway that starts with its database down (and says so on /health) is fine too:
      // then its lines must be JSON all the same.
      child.kill('SIGTERM');
      await exitOf(child);
      jsonLines(out);
      return;
    }
    expect(exit).toEqual({ code: 1, signal: null });
    const lines = jsonLines(out);
    expect(lines.at(-1)).toMatchObject({
      level: 60,
      msg: 'database not reachable after 2 s (DATABASE_CONNECT_TIMEOUT): exiting',
    });
    expect(out.stdout.join('\n')).not.toContain('hunter2');
  }, 90_000);
});
