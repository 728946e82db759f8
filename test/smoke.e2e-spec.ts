import request from 'supertest';
import { startTestApp, type TestApp } from './app';

describe('gateway smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers /health without a key', async () => {
    const res = await request(t.server).get('/health').expect(200);
    expect(res.body.status).toBe('ok');
  });

  it('returns the client request id, or makes one', async () => {
    const given = await request(t.server).get('/health').set('X-Request-Id', 'abc-123');
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await request(t.server).get('/health');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves one OpenAPI document per dialect and the Swagger UI', async () => {
    const doc = await request(t.server).get('/docs/cohere.json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/connectors',
        '/v1/connectors/{id}',
        '/v1/connectors/{id}/oauth/authorize',
      ]),
    );
    const ui = await request(t.server).get('/docs').redirects(1);
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
  });
});
