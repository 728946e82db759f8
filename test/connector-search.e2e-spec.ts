import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import request from 'supertest';
import { ConnectorsService } from '../src/connectors/connectors.service';
import { startTestApp, type TestApp } from './app';
import { cohereClient, COHERE_PREFIXES, createConnector, type Body } from './cohere-client';
import {
  expectNoClearSecrets,
  recordResponses,
  type ResponseRecorder,
  SecretWatch,
} from './secrets';

/** What the test connector server received. */
interface Seen {
  path: string;
  method: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const UPSTREAM_SECRET_BODY = 'upstream-body-never-shown';

/**
 * A connector server as Cohere's chat calls it, on 127.0.0.1: `POST /search` answers results;
 * the other paths fail in every way an upstream can.
 */
async function startConnectorServer() {
  const seen: Seen[] = [];
  let connections = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const path = req.url ?? '';
      seen.push({ path, method: req.method ?? '', headers: req.headers, body });
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      switch (path) {
        case '/search':
          return json(200, {
            results: [
              { title: 'Q3 report', text: 'Revenue grew', internal_id: 'x-1', score: 0.9 },
              { title: 'Q2 report', text: 'Revenue flat', internal_id: 'x-2' },
            ],
          });
        case '/fail500':
          return json(500, { error: UPSTREAM_SECRET_BODY });
        case '/unauthorized':
          return json(401, { error: UPSTREAM_SECRET_BODY });
        case '/slow':
          return; // never answers: the gateway's deadline ends it
        case '/html':
          res.writeHead(200, { 'content-type': 'text/html' });
          return res.end(`<html>${UPSTREAM_SECRET_BODY}</html>`);
        case '/no-results':
          return json(200, { items: [UPSTREAM_SECRET_BODY] });
        case '/big': {
          // 1 MiB, streamed without a length, past the gateway's configured 64 KiB limit.
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"results":[{"text":"');
          const chunk = 'a'.repeat(16 * 1024);
          for (let i = 0; i < 64; i++) res.write(chunk);
          return res.end('"}]}');
        }
        case '/redirect':
          res.writeHead(302, { location: '/search' });
          return res.end();
        default:
          return json(404, {});
      }
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    seen,
    connections: () => connections,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

type Dialect = 'cohere' | 'cohere-mounted' | 'generic';

/** POST .../:id/search in the dialect's route. */
function search(app: TestApp, key: string, dialect: Dialect, id: string, body: unknown) {
  const path =
    dialect === 'generic'
      ? `/generic/v1/connectors/${id}/search`
      : `${dialect === 'cohere' ? COHERE_PREFIXES[0] : COHERE_PREFIXES[1]}/${id}/search`;
  return request(app.server)
    .post(path)
    .set('Authorization', `Bearer ${key}`)
    .send(body as object);
}

/** The body of a dialect's error, as that dialect shapes it. */
function expectError(dialect: Dialect, res: request.Response, status: number, message: string) {
  expect(res.status).toBe(status);
  if (dialect === 'generic') {
    expect(res.body).toEqual({
      code: status,
      details: status === 400 ? expect.any(Array) : [],
      message,
      requestId: expect.any(String),
    });
  } else {
    expect(res.body).toEqual({ message });
  }
}

const DIALECTS: Dialect[] = ['cohere', 'cohere-mounted', 'generic'];

describe('POST .../connectors/:id/search: calling the connector with its credentials', () => {
  let t: TestApp;
  let upstream: Awaited<ReturnType<typeof startConnectorServer>>;
  let responses: ResponseRecorder;
  const secrets = new SecretWatch();
  const logs: string[] = [];

  beforeAll(async () => {
    upstream = await startConnectorServer();
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
    t = await startTestApp(
      {
        // The test connector server is on 127.0.0.1: allowed here, refused in the suite below.
        outboundAllowPrivate: true,
        outboundTimeoutMs: 1000,
        outboundMaxBytes: 64 * 1024,
        logLevel: 'trace',
      },
      { logStream: stream },
    );
    responses = recordResponses(t.server);
  });
  afterAll(async () => {
    responses.stop();
    await t.close();
    await upstream.close();
  });
  beforeEach(() => (upstream.seen.length = 0));

  async function connector(body: Body) {
    const o = await t.newOrganization('search');
    const api = cohereClient(t.server, o.key);
    const created = await createConnector(api, { name: 'Wiki', ...body });
    return { ...o, api, id: created.id };
  }

  describe.each([
    ['bearer', (token: string) => `Bearer ${token}`],
    ['basic', (token: string) => `Basic ${token}`],
    ['noscheme', (token: string) => token],
  ] as const)('service_auth %s', (type, expected) => {
    it.each(DIALECTS)(
      'sends exactly that Authorization, the query as JSON (%s)',
      async (dialect) => {
        const token = secrets.make(`svc-${type}`);
        const { key, id } = await connector({
          url: upstream.url('/search'),
          service_auth: { type, token },
        });
        const res = await search(t, key, dialect, id, { query: 'revenue' }).expect(200);
        expect(upstream.seen).toHaveLength(1);
        const [call] = upstream.seen;
        expect(call.method).toBe('POST');
        expect(call.path).toBe('/search');
        expect(call.headers.authorization).toBe(expected(token));
        expect(call.headers['content-type']).toBe('application/json');
        expect(JSON.parse(call.body)).toEqual({ query: 'revenue' });
        const results = dialect === 'generic' ? res.body.data.results : res.body.results;
        expect(results).toHaveLength(2);
        if (dialect === 'generic') {
          expect(res.body).toMatchObject({ code: 200, message: 'success', data: { results } });
        } else expect(Object.keys(res.body)).toEqual(['results']);
      },
    );
  });

  it('sends no Authorization when the connector has no auth', async () => {
    const { key, id } = await connector({ url: upstream.url('/search') });
    await search(t, key, 'cohere', id, { query: 'q' }).expect(200);
    expect(upstream.seen).toHaveLength(1);
    expect(upstream.seen[0].headers).not.toHaveProperty('authorization');
  });

  it.each(DIALECTS)('removes the excluded fields from every result (%s)', async (dialect) => {
    const { key, id } = await connector({
      url: upstream.url('/search'),
      excludes: ['internal_id', 'score'],
    });
    const res = await search(t, key, dialect, id, { query: 'q' }).expect(200);
    const results = dialect === 'generic' ? res.body.data.results : res.body.results;
    expect(results).toEqual([
      { title: 'Q3 report', text: 'Revenue grew' },
      { title: 'Q2 report', text: 'Revenue flat' },
    ]);
  });

  it.each(DIALECTS)(
    'an OAuth connector without a grant for the calling key is a 401 telling to authorize (%s)',
    async (dialect) => {
      const { key, id } = await connector({
        url: upstream.url('/search'),
        oauth: {
          client_id: 'cid',
          client_secret: secrets.make('oauth-secret'),
          authorize_url: 'https://auth.example.com/authorize',
          token_url: 'https://auth.example.com/token',
        },
      });
      const res = await search(t, key, dialect, id, { query: 'q' });
      expectError(
        dialect,
        res,
        401,
        `not authorized for connector '${id}': authorize first (POST .../connectors/${id}/oauth/authorize)`,
      );
      expect(upstream.seen).toEqual([]);
    },
  );

  describe.each(DIALECTS)('upstream failures are 502s naming the status (%s)', (dialect) => {
    it.each([
      ['/fail500', 'connector answered 500'],
      ['/unauthorized', 'connector answered 401'],
      ['/html', 'connector answered 200 with a body that is not JSON'],
      ['/no-results', 'connector answered 200 without a "results" array'],
      ['/big', 'connector answer is too large'],
      ['/slow', 'connector did not answer in time'],
      ['/redirect', 'connector answered 302'],
    ])('%s → %s', async (path, message) => {
      const token = secrets.make('svc');
      const { key, id } = await connector({
        url: upstream.url(path),
        service_auth: { type: 'bearer', token },
      });
      const started = Date.now();
      const res = await search(t, key, dialect, id, { query: 'q' });
      expectError(dialect, res, 502, message);
      expect(res.text).not.toContain(UPSTREAM_SECRET_BODY);
      expect(res.text).not.toContain(token);
      // One call, no retry; a redirect is not followed (/search never reached).
      expect(upstream.seen.map((s) => s.path)).toEqual([path]);
      // The deadline is the configured one (1 s), not the default 30 s.
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });

  it.each(DIALECTS)('validates the body in the dialect (%s)', async (dialect) => {
    const { key, id } = await connector({ url: upstream.url('/search') });
    for (const body of [
      {},
      { query: '' },
      { query: 'x'.repeat(4097) },
      { query: 42 },
      { query: 'q', extra: 1 },
    ]) {
      const res = await search(t, key, dialect, id, body);
      expect(res.status).toBe(400);
      if (dialect === 'generic') {
        expect(res.body).toMatchObject({
          code: 400,
          details: [expect.objectContaining({ field: expect.any(String) })],
        });
      } else expect(res.body).toEqual({ message: expect.any(String) });
    }
    expect(upstream.seen).toEqual([]);
    await search(t, key, dialect, id, { query: 'x'.repeat(4096) }).expect(200);
  });

  it.each(DIALECTS)('an unknown connector is a 404, another key is a 401 (%s)', async (dialect) => {
    const { key } = await connector({ url: upstream.url('/search') });
    const res = await search(t, key, dialect, 'no-such-connector', { query: 'q' });
    expect(res.status).toBe(404);
    expect((await search(t, 'not-a-key', dialect, 'x', { query: 'q' })).status).toBe(401);
  });

  it('a connector without a url is a 400', async () => {
    const o = await t.newOrganization('search');
    // Coco connectors need no url.
    const created = await request(t.server)
      .post('/connector/')
      .set('X-API-TOKEN', o.key)
      .send({ name: 'No url' })
      .expect(200);
    const res = await search(t, o.key, 'cohere', created.body._id as string, { query: 'q' });
    expectError('cohere', res, 400, 'url: the connector has no url to call');
  });

  it('never shows a token or an upstream body, in responses or in trace logs; logs carry no query', () => {
    expectNoClearSecrets(responses.bodies, secrets.values);
    const text = logs.join('');
    expectNoClearSecrets([text], secrets.values);
    expect(text).not.toContain(UPSTREAM_SECRET_BODY);
    expect(text).toMatch(/POST http:\/\/127\.0\.0\.1:\d+\/search answered 200/);
    expect(text).not.toContain('revenue');
  });
});

describe('outbound calls with GATEWAY_OUTBOUND_ALLOW_PRIVATE off', () => {
  let t: TestApp;
  let upstream: Awaited<ReturnType<typeof startConnectorServer>>;
  const connects: Array<{ host?: string; port: number }> = [];
  let spy: jest.SpyInstance;

  beforeAll(async () => {
    upstream = await startConnectorServer();
    t = await startTestApp({ outboundAllowPrivate: false, outboundTimeoutMs: 3000 });
    // Every socket the gateway opens passes here: a refusal must come before any of them.
    const connect = Object.getOwnPropertyDescriptor(net.Socket.prototype, 'connect')!.value as (
      ...a: unknown[]
    ) => net.Socket;
    spy = jest.spyOn(net.Socket.prototype, 'connect').mockImplementation(function (
      this: net.Socket,
      ...args: unknown[]
    ) {
      // net.createConnection passes its normalized [options, callback] as the first argument.
      const first = (Array.isArray(args[0]) ? args[0][0] : args[0]) as {
        host?: string;
        port?: number;
      };
      if (typeof first === 'object' && first !== null)
        connects.push({ host: first.host, port: Number(first.port) });
      return connect.apply(this, args);
    });
  });
  afterAll(async () => {
    spy.mockRestore();
    await t.close();
    await upstream.close();
  });

  const forbidden = [
    'http://127.0.0.1:8080/search',
    'http://[::1]:8080/search',
    'http://10.0.0.1/search',
    'http://169.254.169.254/latest/meta-data',
    'http://[::ffff:169.254.169.254]/latest',
  ];
  const REASON =
    'must not point to a loopback, private, link-local or other non-public address (GATEWAY_OUTBOUND_ALLOW_PRIVATE)';

  it.each(forbidden)('create and update with url %s are 400s in Cohere and Coco', async (url) => {
    const o = await t.newOrganization('ssrf');
    const api = cohereClient(t.server, o.key);
    const cohere = await api.create({ name: 'x', url });
    expect(cohere.status).toBe(400);
    expect(cohere.body).toEqual({ message: `url: ${REASON}` });
    const { id } = await createConnector(api, { name: 'ok', url: 'https://ok.example.com/search' });
    expect((await api.update(id, { url })).body).toEqual({ message: `url: ${REASON}` });

    // The generic dialect has no url field; Coco's create and PUT do.
    const cocoCreate = await request(t.server)
      .post('/connector/')
      .set('X-API-TOKEN', o.key)
      .send({ name: 'x', url });
    expect(cocoCreate.body).toEqual({ status: 400, error: { reason: `url: ${REASON}` } });
    const coco = await request(t.server)
      .put(`/connector/${id}`)
      .set('X-API-TOKEN', o.key)
      .send({ url });
    expect(coco.status).toBe(400);
    expect(coco.body).toEqual({ status: 400, error: { reason: `url: ${REASON}` } });

    expect((await api.get(id)).body.connector.url).toBe('https://ok.example.com/search');
  });

  it('an oauth.token_url on such an address is a 400', async () => {
    const o = await t.newOrganization('ssrf');
    const res = await cohereClient(t.server, o.key).create({
      name: 'x',
      url: 'https://ok.example.com/search',
      oauth: {
        authorize_url: 'https://auth.example.com/authorize',
        token_url: 'http://169.254.169.254/token',
      },
    });
    expect(res.body).toEqual({ message: `oauth.token_url: ${REASON}` });
  });

  it('a stored literal address (saved while allowed) is refused at call time before connecting: 502', async () => {
    const o = await t.newOrganization('ssrf');
    const api = cohereClient(t.server, o.key);
    const { id } = await createConnector(api, { name: 'ok', url: 'https://ok.example.com/search' });
    for (const url of [
      'http://10.0.0.1:9/search',
      'http://169.254.169.254/latest',
      upstream.url('/search'),
    ]) {
      // As a gateway with the switch on would have stored it.
      await t.sql(`UPDATE connectors SET url = $1 WHERE organization_id = $2 AND id = $3`, [
        url,
        o.organizationId,
        id,
      ]);
      connects.length = 0;
      const started = Date.now();
      const res = await search(t, o.key, 'cohere', id, { query: 'q' });
      expect(res.status).toBe(502);
      expect(res.body.message).toMatch(/^connector url leads to a non-public address/);
      // No socket was even opened towards it (supertest's own sockets go to the gateway).
      const target = new URL(url);
      expect(
        connects.filter(
          (c) =>
            c.port === upstream.port ||
            (c.host === target.hostname && c.port === Number(target.port || 80)),
        ),
      ).toEqual([]);
      expect(Date.now() - started).toBeLessThan(2000);
    }
    expect(upstream.connections()).toBe(0);
  });

  it.each(DIALECTS)(
    'a name resolving to 127.0.0.1 is refused when connecting: 502 (%s)',
    async (dialect) => {
      const o = await t.newOrganization('ssrf');
      const api = cohereClient(t.server, o.key);
      // A name passes creation (it is only resolved when called)...
      const { id } = await createConnector(api, {
        name: 'rebinding',
        url: `http://localhost:${upstream.port}/search`,
        service_auth: { type: 'bearer', token: 'never-sent' },
      });
      const res = await search(t, o.key, dialect, id, { query: 'q' });
      expectError(
        dialect,
        res,
        502,
        'connector url leads to a non-public address, which the gateway does not call (GATEWAY_OUTBOUND_ALLOW_PRIVATE)',
      );
      // ...and the check at connect time kept anything from reaching the server behind it.
      expect(upstream.connections()).toBe(0);
      expect(upstream.seen).toEqual([]);
    },
  );

  describe('a stored secret only goes where it was given for', () => {
    const oauth = {
      client_id: 'cid',
      authorize_url: 'https://auth.example.com/authorize',
      token_url: 'https://auth.example.com/token',
    };

    it('token_url moving to another host needs the client_secret again (Cohere)', async () => {
      const o = await t.newOrganization('origin');
      const api = cohereClient(t.server, o.key);
      const secret = 'client-secret-origin-1';
      const { id } = await createConnector(api, {
        name: 'o',
        url: 'https://search.example.com/search',
        oauth: { ...oauth, client_secret: secret },
      });
      for (const change of [
        { token_url: 'https://collector.example.net/token' },
        { token_url: 'https://collector.example.net/token', client_secret: '******' },
      ]) {
        const res = await api.update(id, { oauth: change });
        expect(res.status).toBe(400);
        expect(res.body).toEqual({
          message: 'client_secret must be sent again when token_url moves to another host',
        });
      }
      const secrets = () =>
        t.app
          .get(ConnectorsService)
          .openSecrets({ organizationId: o.organizationId, apiKeyId: o.keyId }, id);
      expect((await secrets()).oauthClientSecret).toBe(secret);
      expect((await api.get(id)).body.connector.oauth.token_url).toBe(oauth.token_url);
      // Same origin, or the secret sent again: fine.
      await api
        .update(id, { oauth: { token_url: 'https://auth.example.com/v2/token' } })
        .expect(200);
      await api
        .update(id, {
          oauth: {
            token_url: 'https://collector.example.net/token',
            client_secret: 'new-secret-1',
          },
        })
        .expect(200);
      expect((await secrets()).oauthClientSecret).toBe('new-secret-1');
    });

    it('url moving to another host needs the service_auth token again (Cohere and Coco)', async () => {
      const o = await t.newOrganization('origin');
      const api = cohereClient(t.server, o.key);
      const { id } = await createConnector(api, {
        name: 'o',
        url: 'https://search.example.com/search',
        service_auth: { type: 'bearer', token: 'svc-origin-token' },
      });
      const message = 'service_auth.token must be sent again when url moves to another host';
      expect((await api.update(id, { url: 'https://collector.example.net/search' })).body).toEqual({
        message,
      });
      expect(
        (
          await api.update(id, {
            url: 'https://collector.example.net/search',
            service_auth: { type: 'bearer', token: '******' },
          })
        ).body,
      ).toEqual({ message });
      const coco = await request(t.server)
        .put(`/connector/${id}`)
        .set('X-API-TOKEN', o.key)
        .send({ url: 'https://collector.example.net/search' });
      expect(coco.status).toBe(400);
      expect(coco.body).toEqual({ status: 400, error: { reason: message } });
      expect((await api.get(id)).body.connector.url).toBe('https://search.example.com/search');

      await request(t.server)
        .put(`/connector/${id}`)
        .set('X-API-TOKEN', o.key)
        .send({ url: 'https://search.example.com/v2/search' })
        .expect(200);
      await api
        .update(id, {
          url: 'https://collector.example.net/search',
          service_auth: { type: 'bearer', token: 'svc-origin-token-2' },
        })
        .expect(200);
    });
  });
});
