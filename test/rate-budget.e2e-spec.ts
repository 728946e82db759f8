import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import request from 'supertest';
import { startTestApp, type TestApp } from './app';

const LIMIT = 60;

/** Twenty different routes over every dialect and mount, all readable with one key. */
const ROUTES: Array<[method: 'get' | 'post', path: string]> = [
  ['get', '/v1/connectors'],
  ['get', '/cohere/v1/connectors'],
  ['get', '/v1/connectors/github'],
  ['get', '/cohere/v1/connectors/gitlab'],
  ['get', '/v1/connectors/notion'],
  ['get', '/cohere/v1/connectors/jira'],
  ['get', '/connector/_search'],
  ['get', '/coco/connector/_search'],
  ['post', '/connector/_search'],
  ['post', '/coco/connector/_search'],
  ['get', '/connector/github'],
  ['get', '/coco/connector/gitlab'],
  ['get', '/connector/notion'],
  ['get', '/coco/connector/rss'],
  ['get', '/generic/v1/connectors'],
  ['get', '/generic/v1/connectors/github'],
  ['get', '/generic/v1/connectors/s3'],
  ['get', '/generic/v1/connectors/yuque'],
  ['get', '/connector/_search?query=git'],
  ['get', '/v1/connectors?limit=5'],
];

function call(t: TestApp, key: string, [method, path]: (typeof ROUTES)[number]) {
  const r = request(t.server)[method](path).set('Authorization', `Bearer ${key}`);
  return method === 'post' ? r.send({}) : r;
}

/** `rounds` passes over the twenty routes: the statuses, in order. */
async function sweep(apps: TestApp[], key: string, rounds: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < rounds * ROUTES.length; i++) {
    const res = await call(apps[i % apps.length], key, ROUTES[i % ROUTES.length]);
    statuses.push(res.status);
  }
  return statuses;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

const uniquePrefix = () => `gw-test-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}:`;

describe('one rate budget per API key', () => {
  describe('in one process', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ rateLimitPerMinute: LIMIT });
    });
    afterAll(() => t.close());

    it(`gives one key at most ${LIMIT} answers a minute over 20 routes of every dialect`, async () => {
      const { key } = await t.newOrganization('budget');
      const statuses = await sweep([t], key, 5);
      expect(statuses.filter((s) => s !== 429)).toHaveLength(LIMIT);
      expect(statuses.filter((s) => s !== 429 && s !== 200)).toEqual([]);
      // Once spent, spent everywhere.
      expect(statuses.slice(LIMIT).every((s) => s === 429)).toBe(true);
    });

    it('answers every 429 with Retry-After and X-RateLimit-*, in the dialect shape', async () => {
      const { key } = await t.newOrganization('budget-headers');
      await sweep([t], key, 3);
      const shapes: Array<[string, unknown]> = [
        ['/v1/connectors', { message: 'too many requests' }],
        ['/connector/github', { status: 429, error: { reason: 'too many requests' } }],
        ['/generic/v1/connectors', expect.objectContaining({ code: 429, details: [] })],
      ];
      for (const [path, body] of shapes) {
        const res = await request(t.server).get(path).set('X-API-TOKEN', key).expect(429);
        expect(res.body).toEqual(body);
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
        expect(res.headers['x-ratelimit-limit']).toBe(String(LIMIT));
        expect(res.headers['x-ratelimit-remaining']).toBe('0');
        expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
        expect(res.headers['x-request-id']).toBeTruthy();
      }
    });

    it('never limits /health* and /docs*, with or without a query string', async () => {
      const { key } = await t.newOrganization('budget-probes');
      await sweep([t], key, 3);
      for (let i = 0; i < LIMIT + 5; i++) {
        for (const path of ['/health', '/health?x=1', '/health/ready?probe=1', '/health/live']) {
          await request(t.server).get(path).set('Authorization', `Bearer ${key}`).expect(200);
        }
      }
      await request(t.server)
        .get('/docs/cohere.json?x=1')
        .set('Authorization', `Bearer ${key}`)
        .expect(200);
    });

    it('counts requests without a valid key per address: made-up keys share one budget', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < LIMIT + 10; i++) {
        const res = await request(t.server)
          .get(ROUTES[i % ROUTES.length][1])
          .set('Authorization', `Bearer made-up-key-${i}`);
        statuses.push(res.status);
      }
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(LIMIT);
      expect(statuses).toContain(429);
      expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
      // A valid key still has its own budget from the same address.
      const { key } = await t.newOrganization('budget-valid');
      await request(t.server)
        .get('/v1/connectors')
        .set('Authorization', `Bearer ${key}`)
        .expect(200);
    });
  });

  describe('across replicas, in Redis', () => {
    let a: TestApp;
    let b: TestApp;
    beforeAll(async () => {
      const shared = {
        rateLimitPerMinute: LIMIT,
        redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
        redisKeyPrefix: uniquePrefix(),
      };
      a = await startTestApp(shared);
      b = await startTestApp(shared);
      // Both connected before counting (a replica counts locally until Redis is ready).
      for (const t of [a, b]) {
        await waitFor(
          async () =>
            (await request(t.server).get('/health/ready')).body.details?.redis?.status === 'up',
        );
      }
    });
    afterAll(async () => {
      await a.close();
      await b.close();
    });

    it(`gives one key at most ${LIMIT} answers a minute over two replicas together`, async () => {
      const { key } = await a.newOrganization('budget-replicas');
      const statuses = await sweep([a, b], key, 5);
      expect(statuses.filter((s) => s !== 429)).toHaveLength(LIMIT);
      expect(statuses.filter((s) => s !== 429 && s !== 200)).toEqual([]);
      const ready = await request(a.server).get('/health/ready').expect(200);
      expect(ready.body).toEqual({
        status: 'ok',
        info: { database: { status: 'up' }, redis: { status: 'up' } },
        error: {},
        details: { database: { status: 'up' }, redis: { status: 'up' } },
      });
    });
  });

  describe('when Redis stops', () => {
    let redis: ChildProcess;
    let t: TestApp;
    const logs: string[] = [];
    beforeAll(async () => {
      const stream = new PassThrough();
      stream.on('data', (chunk: Buffer) => logs.push(...chunk.toString('utf8').split('\n')));
      const port = await freePort();
      redis = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: 'ignore',
        },
      );
      t = await startTestApp(
        {
          rateLimitPerMinute: LIMIT,
          redisUrl: `redis://127.0.0.1:${port}`,
          redisKeyPrefix: uniquePrefix(),
          logLevel: 'info',
        },
        { logStream: stream },
      );
      await waitFor(
        async () =>
          (await request(t.server).get('/health/ready')).body.details?.redis?.status === 'up',
      );
    });
    afterAll(async () => {
      redis.kill('SIGKILL');
      await t.close();
    });

    it('keeps serving (no 5xx), still limits in the process, and health shows Redis down', async () => {
      const { key } = await t.newOrganization('budget-redis-down');
      const before = await sweep([t], key, 1);
      expect(before.every((s) => s === 200)).toBe(true);
      redis.kill('SIGKILL');
      await new Promise((resolve) => redis.once('exit', resolve));
      const after = await sweep([t], key, 4);
      expect(after.filter((s) => s >= 500)).toEqual([]);
      expect(after.filter((s) => s === 200).length).toBeGreaterThan(0);
      expect(after).toContain(429);
      const ready = await request(t.server).get('/health/ready').expect(200);
      expect(ready.body).toMatchObject({
        status: 'degraded',
        error: { redis: { status: 'down' } },
        details: { database: { status: 'up' }, redis: { status: 'down' } },
      });
      expect(JSON.stringify(ready.body)).not.toMatch(/127\.0\.0\.1|ECONN|refused/i);
      // The outage is logged once, not once per request.
      expect(logs.filter((l) => l.includes('Redis unavailable'))).toHaveLength(1);
    });
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
