import request from 'supertest';
import { startTestApp, type TestApp } from './app';
import { LIMIT, ROUTES, sweep, uniquePrefix, waitFor } from './rate-routes';

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
});
