import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { shutdownOf } from '../src/http/shutdown';
import { startTestApp, type TestApp } from './app';

type Dialect = 'cohere' | 'coco' | 'generic';

/** Every mount, by the dialect whose shape its errors take. */
const PREFIXES: Array<[Dialect, string]> = [
  ['cohere', '/v1/connectors'],
  ['cohere', '/cohere/v1/connectors'],
  ['coco', '/connector'],
  ['coco', '/coco/connector'],
  ['generic', '/generic/v1/connectors'],
];

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** The error is in `dialect`'s shape with `status`, and carries an x-request-id. */
function expectShape(dialect: Dialect, status: number, res: Answer): void {
  const context = `${dialect} ${status}: ${JSON.stringify(res.body)}`;
  expect([context, res.status]).toEqual([context, status]);
  const id = res.headers['x-request-id'];
  expect([context, typeof id === 'string' && id.length > 0]).toEqual([context, true]);
  const body = res.body as Record<string, unknown>;
  switch (dialect) {
    case 'cohere':
      expect([context, Object.keys(body), typeof body.message]).toEqual([
        context,
        ['message'],
        'string',
      ]);
      break;
    case 'coco':
      expect([context, body]).toEqual([context, { status, error: { reason: expect.any(String) } }]);
      break;
    case 'generic':
      expect([context, body]).toEqual([
        context,
        { code: status, details: expect.any(Array), message: expect.any(String), requestId: id },
      ]);
      break;
  }
}

/** One request written by hand on a fresh socket (what supertest and Node refuse to send). */
function raw(port: number, text: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('error', reject);
    socket.once('close', () => {
      const all = Buffer.concat(chunks).toString('utf8');
      const split = all.indexOf('\r\n\r\n');
      const head = all.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const at = line.indexOf(':');
        headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
      }
      const text = all.slice(split + 4);
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0),
        headers,
        body,
      });
    });
    socket.write(text);
  });
}

describe('every error in the dialect shape, with x-request-id', () => {
  let t: TestApp;
  let key: string;
  let port: number;

  beforeAll(async () => {
    t = await startTestApp({ bodyLimit: 4096 });
    key = (await t.newOrganization('shapes')).key;
    await new Promise<void>((resolve) => t.server.listen(0, '127.0.0.1', resolve));
    port = (t.server.address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  const auth = () => ({ Authorization: `Bearer ${key}` });

  it.each(PREFIXES)(
    '%s %s: 400 from the router (malformed percent-encoding)',
    async (dialect, prefix) => {
      const res = await request(t.server).get(`${prefix}/%E0%A4%A`).set(auth());
      expectShape(dialect, 400, res);
    },
  );

  it.each(PREFIXES)('%s %s: 404 for an unknown route under the prefix', async (dialect, prefix) => {
    const res = await request(t.server).get(`${prefix}/github/no/such/route`).set(auth());
    expectShape(dialect, 404, res);
  });

  it.each(PREFIXES)('%s %s: 413 for a body over the limit', async (dialect, prefix) => {
    const res = await request(t.server)
      .post(prefix === '/connector' || prefix === '/coco/connector' ? `${prefix}/` : prefix)
      .set(auth())
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ name: 'x'.repeat(8000) }));
    expectShape(dialect, 413, res);
  });

  it.each(PREFIXES)('%s %s: 414 for a path segment over the limit', async (dialect, prefix) => {
    const res = await request(t.server)
      .get(`${prefix}/${'a'.repeat(2000)}`)
      .set(auth());
    expectShape(dialect, 414, res);
  });

  it.each(PREFIXES)('%s %s: 415 for a body that is not JSON', async (dialect, prefix) => {
    const res = await request(t.server)
      .post(prefix === '/connector' || prefix === '/coco/connector' ? `${prefix}/` : prefix)
      .set(auth())
      .set('Content-Type', 'application/xml')
      .send('<connector name="x"/>');
    expectShape(dialect, 415, res);
  });

  it.each(PREFIXES)('%s %s: 431 for a request line over 16 KB', async (dialect, prefix) => {
    const res = await raw(port, `GET ${prefix}/${'a'.repeat(17_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expectShape(dialect, 431, res);
  });

  it.each(PREFIXES)('%s %s: 431 for headers over 16 KB', async (dialect, prefix) => {
    const res = await raw(
      port,
      `GET ${prefix} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nX-Big: ${'b'.repeat(17_000)}\r\n\r\n`,
    );
    expectShape(dialect, 431, res);
  });

  it.each(PREFIXES)(
    '%s %s: raw invalid UTF-8 in a JSON body is a 400, like its escaped form',
    async (dialect, prefix) => {
      const path = prefix === '/connector' || prefix === '/coco/connector' ? `${prefix}/` : prefix;
      const body = Buffer.concat([
        Buffer.from('{"name":"bad '),
        Buffer.from([0xed, 0xa0, 0x80, 0xff]),
        Buffer.from('","url":"https://x.example.com","type":"slack"}'),
      ]);
      const res = await raw(
        port,
        Buffer.concat([
          Buffer.from(
            `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
          ),
          body,
        ]),
      );
      expectShape(dialect, 400, res);
      const escaped = await request(t.server)
        .post(path)
        .set(auth())
        .set('Content-Type', 'application/json')
        .send('{"name":"bad \\ud800","url":"https://x.example.com","type":"slack"}');
      expectShape(dialect, 400, escaped);
    },
  );

  it('accepts an empty body with Content-Type: application/json where a route takes none', async () => {
    const created = await request(t.server)
      .post('/v1/connectors')
      .set(auth())
      .send({
        name: 'Empty body',
        url: 'https://empty.example.com/search',
        oauth: {
          client_id: 'cid',
          client_secret: 'secret',
          authorize_url: 'https://auth.example.com/authorize',
          token_url: 'https://auth.example.com/token',
        },
      })
      .expect(200);
    const id = created.body.connector.id as string;
    const authorize = await request(t.server)
      .post(`/v1/connectors/${id}/oauth/authorize`)
      .set(auth())
      .set('Content-Type', 'application/json')
      .send('');
    expect(authorize.status).toBe(200);
    expect(authorize.body.redirect_url).toMatch(/^https:\/\/auth\.example\.com\/authorize\?/);
    for (const path of [`/v1/connectors/${id}`]) {
      await request(t.server)
        .delete(path)
        .set(auth())
        .set('Content-Type', 'application/json')
        .send('')
        .expect(200);
    }
    const coco = await request(t.server)
      .post('/connector/')
      .set(auth())
      .send({ name: 'Coco empty' })
      .expect(200);
    await request(t.server)
      .delete(`/connector/${coco.body._id as string}`)
      .set(auth())
      .set('Content-Type', 'application/json')
      .send('')
      .expect(200);
    // A route that needs a body still says so, in its shape.
    const missing = await request(t.server)
      .post('/generic/v1/connectors')
      .set(auth())
      .set('Content-Type', 'application/json')
      .send('');
    expectShape('generic', 400, missing);
  });
});

describe('requests arriving during shutdown', () => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp();
    key = (await t.newOrganization('closing')).key;
    shutdownOf(t.app).begin();
  });
  afterAll(() => t.close());

  it.each(PREFIXES)(
    '%s %s: 503 in the dialect shape, Retry-After, Connection: close',
    async (dialect, prefix) => {
      const res = await request(t.server).get(prefix).set('Authorization', `Bearer ${key}`);
      expectShape(dialect, 503, res);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(res.headers.connection).toBe('close');
    },
  );

  it('answers health 503 too, so load balancers stop sending', async () => {
    const res = await request(t.server).get('/health/ready');
    expect(res.status).toBe(503);
  });
});
