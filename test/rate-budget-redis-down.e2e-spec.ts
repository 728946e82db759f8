import { type ChildProcess, spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import request from 'supertest';
import { startTestApp, type TestApp } from './app';
import { freePort, LIMIT, sweep, uniquePrefix, waitFor } from './rate-routes';

/**
 * Its own file: Nest's `Logger` writes through one logger per process (that of the last
 * application made), so the outage log is read from the only application of this file.
 */
describe('one rate budget per API key', () => {
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
