import request from 'supertest';
import { startTestApp, type TestApp } from './app';

/** Limits per API key (and per address), answered as a 429 in each dialect's own error shape. */
describe('rate limits', () => {
  let t: TestApp;
  const LIMIT = 4;

  beforeAll(async () => {
    t = await startTestApp({ rateLimitPerMinute: LIMIT });
  });
  afterAll(() => t.close());

  async function exhaust(key: string, path: string) {
    for (let i = 0; i < LIMIT; i++) {
      await request(t.server).get(path).set('Authorization', `Bearer ${key}`).expect(200);
    }
    return request(t.server).get(path).set('Authorization', `Bearer ${key}`).expect(429);
  }

  it('answers Cohere clients {"message"} with Retry-After once a key is over its limit', async () => {
    const { key } = await t.newOrganization('rl-cohere');
    const res = await exhaust(key, '/v1/connectors');
    expect(res.body).toEqual({ message: 'too many requests' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('answers Coco clients in Coco shape', async () => {
    const { key } = await t.newOrganization('rl-coco');
    const res = await exhaust(key, '/connector/_search');
    expect(res.body).toEqual({ status: 429, error: { reason: 'too many requests' } });
  });

  it('answers generic clients in the envelope', async () => {
    const { key } = await t.newOrganization('rl-generic');
    const res = await exhaust(key, '/generic/v1/connectors');
    expect(res.body).toMatchObject({ code: 429, message: 'too many requests', details: [] });
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it('counts each key on its own, and never limits /health', async () => {
    const { key } = await t.newOrganization('rl-other');
    await request(t.server).get('/v1/connectors').set('Authorization', `Bearer ${key}`).expect(200);
    for (let i = 0; i < LIMIT * 2; i++) await request(t.server).get('/health').expect(200);
  });

  it('bounds what one address can try with made-up keys', async () => {
    // Every request above came from this address; the address limit is four times the key limit.
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT * 4; i++) {
      const res = await request(t.server)
        .get('/v1/connectors')
        .set('Authorization', `Bearer made-up-${i}`);
      statuses.push(res.status);
    }
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
  });
});
