import request from 'supertest';
import { startTestApp, type TestApp } from './app';

/** The value of one sample of a Prometheus text exposition (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const given = (match[2] ?? '').split(',').filter(Boolean);
    if (wanted.every((w) => given.includes(w))) return Number(match[3]);
  }
  return 0;
}

const TOKEN = 'scrape-token-0123456789abcdef';

describe('GET /metrics', () => {
  describe('without METRICS_TOKEN', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ rateLimitPerMinute: 3 });
    });
    afterAll(() => t.close());

    const scrape = async () => {
      const res = await request(t.server).get('/metrics').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      return res.text;
    };

    it('counts requests by dialect, route pattern, method and status, with their durations', async () => {
      const { key } = await t.newOrganization('metrics');
      const labels = {
        dialect: 'cohere',
        route: '/v1/connectors/:id',
        method: 'GET',
        status: '404',
      };
      const before = await scrape();
      for (const id of ['missing-1', 'missing-2']) {
        await request(t.server)
          .get(`/v1/connectors/${id}`)
          .set('Authorization', `Bearer ${key}`)
          .expect(404);
      }
      await request(t.server).get('/generic/v1/connectors').set('X-API-TOKEN', key).expect(200);
      const after = await scrape();
      expect(sample(after, 'http_requests_total', labels)).toBe(
        sample(before, 'http_requests_total', labels) + 2,
      );
      expect(sample(after, 'http_request_duration_seconds_count', labels)).toBe(
        sample(before, 'http_request_duration_seconds_count', labels) + 2,
      );
      expect(sample(after, 'http_request_duration_seconds_sum', labels)).toBeGreaterThan(
        sample(before, 'http_request_duration_seconds_sum', labels),
      );
      const generic = { dialect: 'generic', route: '/generic/v1/connectors', status: '200' };
      expect(sample(after, 'http_requests_total', generic)).toBe(
        sample(before, 'http_requests_total', generic) + 1,
      );
      // Patterns only: no id, no path a client chose, becomes a label.
      expect(after).not.toContain('missing-1');
      // The pool under TypeORM, and the process.
      expect(after).toMatch(/^db_pool_connections_in_use \d+$/m);
      expect(sample(after, 'db_pool_connections_idle')).toBeGreaterThanOrEqual(1);
      expect(after).toMatch(/^db_pool_requests_waiting 0$/m);
      expect(sample(after, 'process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(after).toContain('nodejs_eventloop_lag_seconds');
    });

    it('counts rate-limit rejections, and is itself neither rate limited nor behind an API key', async () => {
      const { key } = await t.newOrganization('metrics-limit');
      const before = sample(await scrape(), 'rate_limit_rejections_total', { dialect: 'cohere' });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await request(t.server).get('/v1/connectors').set('X-API-TOKEN', key);
        statuses.push(res.status);
      }
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
      for (let i = 0; i < 8; i++) await scrape();
      const after = sample(await scrape(), 'rate_limit_rejections_total', { dialect: 'cohere' });
      expect(after).toBe(before + statuses.filter((s) => s === 429).length);
    });
  });

  describe('with METRICS_TOKEN', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ metricsToken: TOKEN });
    });
    afterAll(() => t.close());

    it('answers 401 without the token or with another, 200 with it', async () => {
      const none = await request(t.server).get('/metrics').expect(401);
      expect(none.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(none.text).not.toContain('http_requests_total');
      await request(t.server).get('/metrics').set('Authorization', `Bearer ${TOKEN}x`).expect(401);
      await request(t.server).get('/metrics').set('Authorization', TOKEN).expect(401);
      // An API key is not the metrics token.
      const { key } = await t.newOrganization('metrics-key');
      await request(t.server).get('/metrics').set('Authorization', `Bearer ${key}`).expect(401);
      const ok = await request(t.server)
        .get('/metrics')
        .set('Authorization', `Bearer ${TOKEN}`)
        .expect(200);
      expect(ok.text).toContain('# TYPE http_requests_total counter');
    });
  });
});
