import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { OutboundError, OutboundHttp } from './outbound-http';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A real HTTP server on 127.0.0.1 counting the connections it receives. */
async function serve(
  handler: Handler,
): Promise<{ url: string; port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, res, body));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections: () => connections,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function failure(promise: Promise<unknown>): Promise<OutboundError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(OutboundError);
    return error as OutboundError;
  }
  throw new Error('expected the call to fail');
}

/** Resolves every name to the given addresses, as a DNS server would. */
const resolveTo =
  (...addresses: string[]) =>
  (_: string, cb: (e: Error | null, a: Array<{ address: string; family: number }>) => void) =>
    cb(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

describe('OutboundHttp', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  let seen: Array<{
    method?: string;
    url?: string;
    headers: IncomingMessage['headers'];
    body: string;
  }>;
  let handler: Handler;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    server = await serve((req, res, body) => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    seen = [];
    handler = (_req, res) => res.end('ok');
  });

  const open = new OutboundHttp({ allowPrivate: true, defaultTimeoutMs: 2000 });

  it('sends method, path, query, headers and body, and returns status, headers and body', async () => {
    handler = (_req, res) => {
      res.setHeader('x-answer', ['a', 'b']);
      res.statusCode = 201;
      res.end('{"results":[]}');
    };
    const response = await open.request({
      method: 'POST',
      url: `${server.url}/search?x=1`,
      headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
      body: '{"query":"q"}',
    });
    expect(response.status).toBe(201);
    expect(response.headers['x-answer']).toBe('a, b');
    expect(response.body.toString()).toBe('{"results":[]}');
    expect(seen).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: '/search?x=1',
        body: '{"query":"q"}',
        headers: expect.objectContaining({
          'content-type': 'application/json',
          authorization: 'Bearer t',
          'content-length': '13',
        }) as unknown,
      }),
    ]);
  });

  it('returns a redirect as is and does not follow it', async () => {
    handler = (req, res) => {
      if (req.url === '/start') {
        res.writeHead(302, { location: '/elsewhere' });
        res.end();
      } else res.end('followed');
    };
    const response = await open.request({ method: 'GET', url: `${server.url}/start` });
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe('/elsewhere');
    expect(seen.map((s) => s.url)).toEqual(['/start']);
  });

  it('times out when no answer comes', async () => {
    handler = () => undefined; // never answers
    const started = Date.now();
    const error = await failure(open.request({ method: 'GET', url: server.url, timeoutMs: 150 }));
    expect(error.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('times out when the body trickles past the deadline (the timeout covers the whole body)', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      const tick = setInterval(() => res.write('x'), 30);
      res.on('close', () => clearInterval(tick));
    };
    const error = await failure(open.request({ method: 'GET', url: server.url, timeoutMs: 200 }));
    expect(error.kind).toBe('timeout');
  });

  it('aborts a streamed body past the limit', async () => {
    let written = 0;
    handler = (_req, res) => {
      res.writeHead(200); // chunked, no length announced
      const chunk = Buffer.alloc(16 * 1024, 'a');
      const pump = () => {
        while (written < 50 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    };
    const error = await failure(
      open.request({ method: 'GET', url: server.url, maxBytes: 64 * 1024 }),
    );
    expect(error.kind).toBe('too_large');
    // Stopped reading long before the server could send everything.
    expect(written).toBeLessThan(50 * 1024 * 1024);
  });

  it('refuses an announced length past the limit before reading it', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': String(1024 * 1024) });
      res.end(Buffer.alloc(1024 * 1024));
    };
    const error = await failure(open.request({ method: 'GET', url: server.url, maxBytes: 1000 }));
    expect(error.kind).toBe('too_large');
  });

  it('accepts a body of exactly the limit', async () => {
    handler = (_req, res) => res.end(Buffer.alloc(1000, 'b'));
    const response = await open.request({ method: 'GET', url: server.url, maxBytes: 1000 });
    expect(response.body.length).toBe(1000);
  });

  it('reports a refused connection as a network error', async () => {
    const gone = await serve((_q, r) => r.end());
    await gone.close();
    const error = await failure(open.request({ method: 'GET', url: gone.url }));
    expect(error.kind).toBe('network');
  });

  it.each(['ftp://example.com/x', 'not a url', '/relative'])(
    '%s is an invalid URL',
    async (url) => {
      const error = await failure(open.request({ method: 'GET', url }));
      expect(error.kind).toBe('invalid_url');
    },
  );

  it('uses the resolver at connect time for names', async () => {
    const client = new OutboundHttp({ allowPrivate: true, resolve: resolveTo('127.0.0.1') });
    const response = await client.request({
      method: 'GET',
      url: `http://connector.test:${server.port}/named`,
    });
    expect(response.status).toBe(200);
    expect(seen[0]).toEqual(expect.objectContaining({ url: '/named' }));
    expect(seen[0].headers.host).toBe(`connector.test:${server.port}`);
  });

  describe('with private addresses not allowed', () => {
    const guarded = new OutboundHttp({ allowPrivate: false, defaultTimeoutMs: 2000 });

    it.each([
      '127.0.0.1',
      '[::1]',
      '10.0.0.1',
      '169.254.169.254',
      '[::ffff:127.0.0.1]',
      '0x7f000001',
      '0.0.0.0',
    ])('refuses the literal %s before connecting', async (host) => {
      const before = server.connections();
      const started = Date.now();
      const error = await failure(
        guarded.request({ method: 'GET', url: `http://${host}:${server.port}/x` }),
      );
      expect(error.kind).toBe('refused_address');
      // Refused without trying: no connection attempt could have been made (no timeout waited,
      // none arrived at the server).
      expect(Date.now() - started).toBeLessThan(500);
      expect(server.connections()).toBe(before);
    });

    it('refuses a name that resolves to loopback, at connect time', async () => {
      const client = new OutboundHttp({ allowPrivate: false, resolve: resolveTo('127.0.0.1') });
      const error = await failure(
        client.request({ method: 'GET', url: `http://rebound.test:${server.port}/x` }),
      );
      expect(error.kind).toBe('refused_address');
      expect(seen).toEqual([]);
    });

    it('refuses a name when any of its addresses is forbidden', async () => {
      const client = new OutboundHttp({
        allowPrivate: false,
        resolve: resolveTo('93.184.215.14', '169.254.169.254'),
      });
      const error = await failure(client.request({ method: 'GET', url: 'http://mixed.test/x' }));
      expect(error.kind).toBe('refused_address');
    });

    it('refuses localhost through the real resolver', async () => {
      const error = await failure(
        guarded.request({ method: 'GET', url: `http://localhost:${server.port}/x` }),
      );
      expect(error.kind).toBe('refused_address');
      expect(seen).toEqual([]);
    });
  });

  it('logs the call without query string, credentials or headers', async () => {
    const lines: string[] = [];
    const spy = jest
      .spyOn(Logger.prototype, 'log')
      .mockImplementation((message: unknown) => void lines.push(String(message)));
    try {
      await open.request({
        method: 'POST',
        url: `http://user:pw-secret@127.0.0.1:${server.port}/search?token=q-secret`,
        headers: { authorization: 'Bearer h-secret' },
        body: 'b-secret',
      });
    } finally {
      spy.mockRestore();
    }
    expect(lines).toEqual([
      expect.stringMatching(/^POST http:\/\/127\.0\.0\.1:\d+\/search answered 200 in \d+ ms$/),
    ]);
    expect(lines.join()).not.toMatch(/secret/);
  });
});
