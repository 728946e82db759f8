import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import {
  buildIfStale,
  freePort,
  GatewayProcess,
  sleep,
  ThrowawayPostgres,
  waitUntil,
} from './gateway-process';

const KEY = `sk_test_${randomBytes(12).toString('hex')}`;
const SHUTDOWN_TIMEOUT_S = 3;

interface Outcome {
  dialect: 'cohere' | 'coco' | 'generic';
  status: number;
  retryAfter: string | null;
  requestId: string | null;
  body: unknown;
  created?: string;
}

/**
 * The built gateway against a PostgreSQL of this test's own, which it starts late, stops under
 * load and starts again; then SIGTERM with a request held in flight by a row lock.
 */
describe('faults: the database down, late or back, and a bounded shutdown', () => {
  let pg: ThrowawayPostgres;
  let gateway: GatewayProcess;
  let base: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    buildIfStale();
    pg = new ThrowawayPostgres(await freePort());
    pg.init();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: pg.url,
      GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      GATEWAY_API_KEYS: `faults:${KEY}`,
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'info',
      DATABASE_CONNECT_TIMEOUT: '60',
      SHUTDOWN_TIMEOUT: String(SHUTDOWN_TIMEOUT_S),
      // Long enough that the held request outlasts SHUTDOWN_TIMEOUT.
      DATABASE_LOCK_TIMEOUT_MS: '30000',
      DATABASE_STATEMENT_TIMEOUT_MS: '30000',
      DATABASE_ACQUIRE_TIMEOUT_MS: '1000',
    };
  }, 240_000);

  afterAll(() => {
    gateway?.kill();
    pg?.destroy();
  });

  const ready = async () =>
    (await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(2000) })).status === 200;

  it('started before its database, waits (a JSON line per attempt) and then serves', async () => {
    gateway = new GatewayProcess(env);
    await waitUntil(
      () =>
        Promise.resolve(gateway.lines().filter((l) => typeof l.attempt === 'number').length >= 3),
      20_000,
      'three logged attempts',
    );
    const attempts = gateway.lines().filter((l) => typeof l.attempt === 'number');
    expect(attempts[0]).toMatchObject({ level: 40, attempt: 1, reason: 'ECONNREFUSED' });
    expect(gateway.text()).not.toContain(env.GATEWAY_ENCRYPTION_KEY!);
    pg.start();
    await waitUntil(ready, 30_000, 'the gateway to be ready').catch((e: Error) => {
      throw new Error(`${e.message}\n${gateway.text().slice(-3000)}`);
    });
    const live = await fetch(`${base}/health/live`);
    expect(await live.json()).toEqual({ status: 'ok' });
  }, 60_000);

  it('stopped under load: 503 + Retry-After in each dialect, no 500, recovers, loses no acknowledged write', async () => {
    const outcomes: Outcome[] = [];
    let running = true;
    const headers = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' };
    const once = async (i: number): Promise<Outcome> => {
      const kind = i % 4;
      const [dialect, url, init]: [Outcome['dialect'], string, RequestInit] =
        kind === 0
          ? [
              'cohere',
              `${base}/v1/connectors`,
              {
                method: 'POST',
                headers,
                body: JSON.stringify({ name: `Load ${i}`, url: 'https://load.example.com/search' }),
              },
            ]
          : kind === 1
            ? ['coco', `${base}/connector/_search?query=load`, { headers }]
            : kind === 2
              ? ['generic', `${base}/generic/v1/connectors?limit=5`, { headers }]
              : ['cohere', `${base}/v1/connectors/github`, { headers }];
      try {
        const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
        const text = await res.text();
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* kept as text */
        }
        const outcome: Outcome = {
          dialect,
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          requestId: res.headers.get('x-request-id'),
          body,
        };
        if (kind === 0 && res.status === 200) {
          outcome.created = (body as { connector: { id: string } }).connector.id;
        }
        return outcome;
      } catch (error) {
        return { dialect, status: -1, retryAfter: null, requestId: null, body: String(error) };
      }
    };
    const workers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = w; running; i += 4) {
        outcomes.push(await once(i));
        await sleep(5);
      }
    });

    await sleep(1000);
    pg.stop('fast');
    const downAt = outcomes.length;
    await sleep(2500);
    const whileDown = outcomes.slice(downAt);
    pg.start();
    await waitUntil(ready, 30_000, 'recovery');
    const upAt = outcomes.length;
    await sleep(1000);
    running = false;
    await Promise.all(workers);

    const statuses = outcomes.map((o) => o.status);
    expect(statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);
    expect(statuses.filter((s) => s === -1)).toEqual([]);
    for (const dialect of ['cohere', 'coco', 'generic'] as const) {
      const refused = whileDown.filter((o) => o.dialect === dialect && o.status === 503);
      expect([dialect, refused.length > 0]).toEqual([dialect, true]);
      for (const o of refused) {
        expect(Number(o.retryAfter)).toBeGreaterThan(0);
        expect(o.requestId).toBeTruthy();
        if (dialect === 'cohere') expect(o.body).toEqual({ message: expect.any(String) });
        if (dialect === 'coco')
          expect(o.body).toEqual({ status: 503, error: { reason: expect.any(String) } });
        if (dialect === 'generic') {
          expect(o.body).toEqual({
            code: 503,
            details: [],
            message: expect.any(String),
            requestId: o.requestId,
          });
        }
      }
    }
    // Recovered without a restart: everything after ready succeeded.
    const after = outcomes.slice(upAt);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((o) => o.status !== 200)).toEqual([]);
    // Every create the gateway acknowledged is there.
    const acknowledged = outcomes.flatMap((o) => (o.created ? [o.created] : []));
    expect(acknowledged.length).toBeGreaterThan(0);
    const db = new Client({ connectionString: pg.url });
    await db.connect();
    try {
      const rows = await db.query<{ id: string }>('SELECT id FROM connectors WHERE id = ANY($1)', [
        acknowledged,
      ]);
      expect(rows.rows.map((r) => r.id).sort()).toEqual([...acknowledged].sort());
    } finally {
      await db.end();
    }
  }, 90_000);

  it('exits within SHUTDOWN_TIMEOUT + 1 s with a request held by a row lock and kept-alive clients', async () => {
    const headers = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' };
    const created = await fetch(`${base}/v1/connectors`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Held at shutdown', url: 'https://held.example.com/search' }),
    });
    const id = ((await created.json()) as { connector: { id: string } }).connector.id;
    // An idle keep-alive connection (fetch keeps its sockets open).
    expect((await fetch(`${base}/v1/connectors/github`, { headers })).status).toBe(200);
    const holder = new Client({ connectionString: pg.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM connectors WHERE id = $1 FOR UPDATE', [id]);
    try {
      const held = fetch(`${base}/v1/connectors/${id}`, {
        method: 'PATCH',
        headers,
        body: JSON.stringify({ description: 'held' }),
      }).then(
        async (res) => ({
          status: res.status,
          connection: res.headers.get('connection'),
          body: await res.json(),
        }),
        (error: Error) => ({ status: -1, connection: null, body: error.message }),
      );
      await sleep(500);
      const signalled = Date.now();
      gateway.child.kill('SIGTERM');
      const exit = await gateway.exited;
      expect(exit.at - signalled).toBeLessThanOrEqual((SHUTDOWN_TIMEOUT_S + 1) * 1000);
      const answer = await held;
      expect(answer).toEqual({
        status: 503,
        connection: 'close',
        body: { message: 'the gateway is shutting down: try again' },
      });
      const said = gateway.lines().map((l) => String(l.msg));
      expect(said.some((m) => m.startsWith('shutting down'))).toBe(true);
      expect(said).toContain('stopped');
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  }, 30_000);

  it('gives up after DATABASE_CONNECT_TIMEOUT with one clear line and a non-zero exit', async () => {
    const port = await freePort();
    const started = Date.now();
    const late = new GatewayProcess({
      ...env,
      PORT: String(await freePort()),
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres`,
      DATABASE_CONNECT_TIMEOUT: '2',
    });
    const exit = await late.exited;
    expect(exit.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    const last = late.lines().at(-1);
    expect(last).toMatchObject({
      level: 60,
      msg: 'database not reachable after 2 s (DATABASE_CONNECT_TIMEOUT): exiting',
    });
  }, 30_000);
});
