import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { runMigrationsLocked } from '../src/database/migrate';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { startTestApp, type TestApp } from './app';
import { withClient } from './database';

describe('platform: logs, health, migrations', () => {
  describe('structured logs', () => {
    let t: TestApp;
    const lines: Array<Record<string, unknown>> = [];
    const raw: string[] = [];

    beforeAll(async () => {
      const stream = new PassThrough();
      stream.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
          raw.push(line);
          lines.push(JSON.parse(line) as Record<string, unknown>);
        }
      });
      t = await startTestApp({ logLevel: 'info' }, { logStream: stream });
    });
    afterAll(() => t.close());

    it('writes one JSON line per request carrying its id, and redacts credentials', async () => {
      const { key } = await t.newOrganization('logs');
      const secret = `client-secret-${randomBytes(6).toString('hex')}`;
      const created = await request(t.server)
        .post('/v1/connectors')
        .set('Authorization', `Bearer ${key}`)
        .set('X-Request-Id', 'log-test-1')
        .set('X-Api-Key', `${secret}-in-a-header`)
        .set('Proxy-Authorization', `Basic ${secret}`)
        .send({
          name: 'Logged',
          url: 'https://logged.example.com/search',
          oauth: {
            client_secret: secret,
            authorize_url: 'https://a.example.com/authorize',
            token_url: 'https://a.example.com/token',
          },
        });
      expect(created.body).toHaveProperty('connector');
      expect(created.headers['x-request-id']).toBe('log-test-1');
      await request(t.server)
        .post(
          `/v1/connectors/${created.body.connector.id}/oauth/authorize?after_token_redirect=${encodeURIComponent('https://x.example.com/?code=abc')}`,
        )
        .set('X-API-TOKEN', key)
        .set('X-Request-Id', 'log-test-2')
        .expect(200);
      await request(t.server).get('/health').set('X-Request-Id', 'log-test-health').expect(200);
      await new Promise((resolve) => setTimeout(resolve, 50));
      // Health checks are frequent and say nothing: they are not logged.
      expect(lines.some((l) => l.requestId === 'log-test-health')).toBe(false);

      const first = lines.find((l) => (l.req as { id?: string } | undefined)?.id === 'log-test-1');
      expect(first).toMatchObject({
        requestId: 'log-test-1',
        req: { method: 'POST', url: '/v1/connectors', headers: { authorization: '[redacted]' } },
        res: { statusCode: 200 },
      });
      const second = lines.find((l) => l.requestId === 'log-test-2');
      expect(second).toMatchObject({
        req: {
          url: `/v1/connectors/${created.body.connector.id}/oauth/authorize`,
          headers: { 'x-api-token': '[redacted]' },
        },
      });
      const everything = raw.join('\n');
      expect(everything).not.toContain(key);
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain('code=abc');
    });
  });

  describe('health', () => {
    it('answers 503 when the database does not', async () => {
      const t = await startTestApp();
      try {
        await request(t.server).get('/health').expect(200);
        await t.app.get(DataSource).destroy();
        const res = await request(t.server).get('/health').expect(503);
        expect(res.body).toMatchObject({
          status: 'error',
          error: { database: { status: 'down' } },
        });
      } finally {
        await t.close().catch(() => undefined);
      }
    });
  });

  describe('hostile JSON bodies', () => {
    let t: TestApp;
    let key: string;
    const deep = '{"name":"x","config":' + '['.repeat(3000) + ']'.repeat(3000) + '}';
    const wide = JSON.stringify({
      name: 'x',
      config: Object.fromEntries(Array.from({ length: 12_000 }, (_, i) => [`k${i}`, i])),
    });
    const surrogate = '{"name":"x","type":"slack","data":{"a":"\\ud800"},"config":{"a":"\\ud800"}}';
    const huge = '{"name":"x","type":"slack","data":{"a":1e400},"config":{"a":1e400}}';

    beforeAll(async () => {
      t = await startTestApp({ bodyLimit: 4 * 1024 * 1024 });
      key = (await t.newOrganization('hostile')).key;
    });
    afterAll(() => t.close());

    const routes: Array<[string, string, (body: Record<string, unknown>) => void]> = [
      ['POST', '/v1/connectors', (b) => expect(Object.keys(b)).toEqual(['message'])],
      [
        'POST',
        '/connector/',
        (b) => expect(b).toMatchObject({ error: { reason: expect.any(String) } }),
      ],
      [
        'POST',
        '/connector/_search',
        (b) => expect(b).toMatchObject({ error: { reason: expect.any(String) } }),
      ],
      [
        'POST',
        '/generic/v1/connectors',
        (b) => expect(b).toMatchObject({ details: expect.any(Array) }),
      ],
      [
        'PUT',
        '/v1/connectors/github',
        (b) => expect(b).toMatchObject({ details: expect.any(Array) }),
      ],
    ];

    it.each(routes)(
      '%s %s refuses deep, wide, surrogate and out-of-range bodies in its own shape',
      async (method, path, shape) => {
        for (const [body, status, words] of [
          [deep, 400, 'nested deeper than 64 levels'],
          [wide, 413, 'more than 10000 values'],
          [surrogate, 400, 'unpaired UTF-16 surrogate'],
          [huge, 400, 'number out of range'],
        ] as const) {
          const res = await request(t.server)
            [method === 'POST' ? 'post' : 'put'](path)
            .set('Authorization', `Bearer ${key}`)
            .set('Content-Type', 'application/json')
            .send(body);
          expect({ body: res.status, words }).toEqual({ body: status, words });
          expect(JSON.stringify(res.body)).toContain(words);
          shape(res.body as Record<string, unknown>);
        }
      },
    );

    it('keeps config keys that shadow Object.prototype, as sent', async () => {
      const created = await request(t.server)
        .post('/generic/v1/connectors')
        .set('Authorization', `Bearer ${key}`)
        .send({
          name: 'Proto',
          type: 'custom',
          data: { constructor: 'c', toString: 's', valueOf: { x: 1 }, keep: 'me' },
        })
        .expect(200);
      expect(created.body.data.maskedData).toEqual({
        constructor: 'c',
        toString: 's',
        valueOf: { x: 1 },
        keep: 'me',
      });
    });

    it('keeps Coco config keys that shadow Object.prototype, as sent', async () => {
      const created = await request(t.server)
        .post('/connector/')
        .set('Authorization', `Bearer ${key}`)
        .send({
          name: 'Proto',
          config: { constructor: 'c', hasOwnProperty: { y: 2 }, keep: 'me' },
        })
        .expect(200);
      const read = await request(t.server)
        .get(`/connector/${created.body._id}`)
        .set('Authorization', `Bearer ${key}`)
        .expect(200);
      expect(read.body._source.config).toEqual({
        constructor: 'c',
        hasOwnProperty: { y: 2 },
        keep: 'me',
      });
    });
  });

  describe('migrations', () => {
    // PGlite serves every connection from one session, so an advisory lock cannot make one of its
    // connections wait for another; it also never has a second migrating process (see
    // docs/architecture.md). The lock is proven on a real PostgreSQL server.
    const onRealServer = process.env.GW_TEST_EMBEDDED_ACTIVE ? it.skip : it;
    onRealServer(
      'several replicas migrating one fresh database at once apply each migration once',
      async () => {
        const schema = `gw_test_mig_${randomBytes(4).toString('hex')}`;
        await withClient((c) => c.query(`CREATE SCHEMA "${schema}"`));
        const replicas = Array.from(
          { length: 3 },
          () => new DataSource(typeOrmOptions(process.env.GW_TEST_DATABASE_URL!, schema)),
        );
        try {
          await Promise.all(replicas.map((d) => d.initialize()));
          const applied = await Promise.all(replicas.map((d) => runMigrationsLocked(d)));
          const counts = applied.map((a) => a.length).sort();
          expect(counts.slice(0, 2)).toEqual([0, 0]);
          expect(counts[2]).toBeGreaterThan(0);
          const rows = await withClient((c) =>
            c.query(`SELECT name FROM "${schema}".migrations ORDER BY id`),
          );
          expect(rows.rows.map((r: { name: string }) => r.name)).toEqual(
            applied.find((a) => a.length)!.map((m) => m.name),
          );
        } finally {
          await Promise.all(replicas.filter((d) => d.isInitialized).map((d) => d.destroy()));
          await withClient((c) => c.query(`DROP SCHEMA "${schema}" CASCADE`));
        }
      },
    );
  });
});
