import dns from 'node:dns';
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { DIALECTS } from '../src/dialects';
import { startTestApp, type TestApp } from './app';

/**
 * Property-based fuzzing of every route of every dialect, on every mount: FUZZ_RUNS batches
 * (1,000 by default) of 10 concurrent requests whose paths, methods, headers, query strings and
 * bodies are derived from the real routes and then bent (other methods, extra or odd segments,
 * percent-encoding, unknown parameters, wrong types, broken JSON, other content types). Whatever
 * comes in: never a 5xx, and every error answered in the shape of the dialect that owns the path,
 * with an `x-request-id`.
 */
/** encodeURIComponent, with lone surrogates sent as the invalid UTF-8 a careless client sends. */
const encode = (s: string): string =>
  s
    .split(/([\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF])/)
    .map((part) => (/^[\uD800-\uDFFF]$/.test(part) ? '%ED%A0%80' : encodeURIComponent(part)))
    .join('');

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const BATCH = 10;

/** Every route, as its controllers declare it, on every mount. `:id` is filled in per request. */
const ROUTES: Array<[string, string]> = [
  ...['/v1/connectors', '/cohere/v1/connectors'].flatMap((base): Array<[string, string]> => [
    ['GET', base],
    ['POST', base],
    ['GET', `${base}/:id`],
    ['PATCH', `${base}/:id`],
    ['DELETE', `${base}/:id`],
    ['POST', `${base}/:id/oauth/authorize`],
    ['GET', `${base}/:id/oauth/authorize`],
    ['POST', `${base}/:id/search`],
  ]),
  ['GET', '/generic/v1/connectors'],
  ['POST', '/generic/v1/connectors'],
  ['GET', '/generic/v1/connectors/:id'],
  ['PUT', '/generic/v1/connectors/:id'],
  ['DELETE', '/generic/v1/connectors/:id'],
  ['POST', '/generic/v1/connectors/:id/oauth/authorize'],
  ['DELETE', '/generic/v1/connectors/:id/oauth'],
  ['POST', '/generic/v1/connectors/:id/search'],
  ['PUT', '/v1/connectors/:id'],
  ['GET', '/generic/v1/connectors/:id/history'],
  ['GET', '/generic/v1/audit'],
  ['GET', '/generic/v1/connector-types'],
  ['GET', '/generic/v1/connector-types/:id'],
  ...['/connector', '/coco/connector'].flatMap((base): Array<[string, string]> => [
    ['POST', `${base}/`],
    ['POST', base],
    ['GET', `${base}/_search`],
    ['POST', `${base}/_search`],
    ['GET', `${base}/:id`],
    ['PUT', `${base}/:id`],
    ['DELETE', `${base}/:id`],
    ['GET', `${base}/:id/oauth_connect`],
  ]),
  ['GET', '/health'],
];

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** Strings that have broken parsers before: empty, huge, unicode, encodings, injections. */
const nasty = fc.constantFrom(
  '',
  ' ',
  '0',
  '-1',
  '1e309',
  '9'.repeat(40),
  'null',
  'true',
  '[]',
  '{}',
  '%',
  '%zz',
  '%00',
  '%C0%AF',
  '..',
  '../..',
  '\u0000',
  '\uD800',
  '😀',
  'é',
  "'; DROP TABLE connectors; --",
  '<script>',
  '*',
  '******',
  'a'.repeat(2000),
  'github',
  '_search',
  '__proto__',
  'constructor',
);
const text = fc.oneof(
  nasty,
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);
const scalar = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(nasty, fc.string({ maxLength: 12 })), tie('node'), { maxKeys: 4 }),
  ),
})).node;

/** The fields the dialects' bodies know, so that generated bodies reach deep into validation. */
const FIELDS = [
  'name',
  'id',
  'url',
  'description',
  'category',
  'icon',
  'tags',
  'path_hierarchy',
  'assets',
  'config',
  'data',
  'oauth_connect_implemented',
  'processor',
  'enabled',
  'excludes',
  'active',
  'continue_on_failure',
  'oauth',
  'service_auth',
  'type',
  'provider',
  'query',
  'from',
  'size',
  'sort',
  '_source',
];
const OAUTH = ['client_id', 'client_secret', 'authorize_url', 'token_url', 'scope'];
const validish = fc.record(
  {
    name: fc.oneof(fc.constant('Fuzz Connector'), text),
    url: fc.oneof(
      fc.constant('https://fuzz.example.com/search'),
      fc.constant('https://u:******@fuzz.example.com/'),
      fc.webUrl(),
      text,
    ),
    type: fc.oneof(fc.constantFrom('slack', 'webhook', 'custom', 'github'), text),
    data: fc.oneof(
      fc.dictionary(fc.oneof(nasty, fc.constantFrom('token', 'signing', 'key', 'db_url')), value, {
        maxKeys: 4,
      }),
      value,
    ),
    config: fc.oneof(fc.dictionary(fc.string({ maxLength: 12 }), value, { maxKeys: 4 }), value),
    oauth: fc.oneof(
      fc.record(Object.fromEntries(OAUTH.map((k) => [k, fc.oneof(fc.webUrl(), text, scalar)])), {
        requiredKeys: [],
      }),
      value,
    ),
    service_auth: fc.oneof(
      fc.record({ type: fc.constantFrom('bearer', 'basic', 'noscheme', 'x'), token: text }),
      value,
    ),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(validish, fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 3 }))
      .map(([a, b]) => ({ ...a, ...b })),
  },
  { weight: 1, arbitrary: value },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
/** A raw body: JSON of a generated value, or something that is not quite JSON. */
const rawBody = fc.oneof(
  { weight: 6, arbitrary: body.map((b) => (b === undefined ? undefined : JSON.stringify(b))) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '{',
      '{"name":',
      '[1,2',
      '{"a":"\\ud800"}',
      '\uFEFF{}',
      'null',
      '""',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      `{"name":"${'x'.repeat(300_000)}"}`,
      'name=x&url=y',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 50 }) },
);

const QUERY_KEYS = [
  'limit',
  'offset',
  'replace',
  'query',
  'q',
  'from',
  'size',
  'sort',
  '_source',
  'filter',
  'fields',
  'track_total_hits',
  'pretty',
  'type',
];
const query = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...QUERY_KEYS), fc.string({ maxLength: 8 })),
      fc.oneof(fc.integer().map(String), nasty, fc.string({ maxLength: 20 })),
    ),
    { maxLength: 4 },
  )
  .map((pairs) =>
    pairs.length ? `?${pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}` : '',
  );

/** A path segment as a client may send it: encoded text, or raw bytes that are legal on the wire. */
const segment = fc.oneof(
  text.map((s) => encode(s)),
  fc.constantFrom('%zz', '%', '%00', '%E0%A4%A', '..', '.', '', '%2F', '~', "'", '*'),
);

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

function requests(ids: fc.Arbitrary<string>, keys: fc.Arbitrary<Record<string, string>>) {
  const route = fc.constantFrom(...ROUTES);
  const path = fc
    .tuple(
      route,
      fc.oneof({ weight: 3, arbitrary: ids }, { weight: 1, arbitrary: segment }),
      fc.oneof(
        { weight: 6, arbitrary: fc.constant('') },
        { weight: 1, arbitrary: fc.constant('/') },
        { weight: 1, arbitrary: segment.map((s) => `/${s}`) },
        { weight: 1, arbitrary: fc.constant('//x') },
      ),
      query,
    )
    .map(([[, template], id, suffix, q]) => `${template.replace(':id', id)}${suffix}${q}`);
  const method = fc.tuple(route, fc.nat(9)).map(([[m], n]) => (n < 7 ? m : METHODS[n % 7]));
  const contentType = fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'application/json; charset=utf-8',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=latin1',
        'application/vnd.api+json',
        '',
      ),
    },
  );
  const extra = fc.dictionary(
    fc.constantFrom('x-request-id', 'accept', 'x-forwarded-for', 'accept-encoding', 'x-api-token'),
    fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      maxLength: 80,
    }),
    { maxKeys: 2 },
  );
  return fc
    .record({ method, path, keys, contentType, extra, body: rawBody })
    .map(({ method: m, path: p, keys: k, contentType: ct, extra: x, body: b }): FuzzRequest => {
      const headers: Record<string, string> = { ...k, ...x };
      if (b !== undefined && ct) headers['content-type'] = ct;
      // Framed explicitly: Node's client sends a GET or DELETE body without any framing otherwise.
      if (b !== undefined) headers['content-length'] = String(Buffer.byteLength(b));
      return { method: m, path: p, headers, body: b };
    });
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function send(port: number, agent: Agent, req: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: '127.0.0.1', port, agent, method: req.method, path: req.path, headers: req.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    outgoing.setTimeout(30_000, () => outgoing.destroy(new Error('no answer in 30 s')));
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether an error body is in the shape of the dialect owning the request (null: no dialect). */
function shapeProblem(req: FuzzRequest, answer: Answer): string | null {
  const path = req.path.split('?')[0];
  const dialect = DIALECTS.find((d) => d.owns(req.method, path));
  if (!dialect || req.method === 'HEAD') return null;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `not JSON: ${answer.text.slice(0, 200)}`;
  }
  const keys = isObject(body) ? Object.keys(body).sort().join(',') : typeof body;
  switch (dialect.name) {
    case 'cohere':
      return isObject(body) && keys === 'message' && typeof body.message === 'string'
        ? null
        : `not Cohere's {message}: ${answer.text.slice(0, 200)}`;
    case 'generic':
      return isObject(body) &&
        keys === 'code,details,message,requestId' &&
        body.code === answer.status &&
        Array.isArray(body.details) &&
        typeof body.message === 'string' &&
        body.requestId === answer.headers['x-request-id']
        ? null
        : `not the generic envelope: ${answer.text.slice(0, 200)}`;
    case 'coco': {
      const general =
        isObject(body) &&
        keys === 'error,status' &&
        body.status === answer.status &&
        isObject(body.error) &&
        typeof body.error.reason === 'string';
      const notFound =
        isObject(body) &&
        answer.status === 404 &&
        typeof body._id === 'string' &&
        (keys === '_id,found' || keys === '_id,result');
      return general || notFound ? null : `not Coco's error: ${answer.text.slice(0, 200)}`;
    }
    default:
      return `no shape known for dialect ${dialect.name}`;
  }
}

describe('fuzzing every route of every dialect', () => {
  let t: TestApp;
  let port: number;
  /** A connector server on 127.0.0.1 for the searches: `POST /search` answers results. */
  let upstream: Server;
  let upstreamUrl: string;
  const agent = new Agent({ keepAlive: true, maxSockets: BATCH });
  let sent = 0;
  const statuses = new Map<number, number>();
  const searches = { sent: 0, failed: 0 };
  const isSearch = (req: FuzzRequest) =>
    req.method === 'POST' && /\/search$/.test(req.path.split('?')[0] ?? '');

  /** Every kind of failure seen (status, dialect, problem), with its count and a first example. */
  const failures = new Map<string, { count: number; example: string }>();
  const failed = (req: FuzzRequest, answer: Answer, problem: string) => {
    const path = req.path.split('?')[0];
    const dialect = DIALECTS.find((d) => d.owns(req.method, path))?.name ?? 'none';
    const kind = `${answer.status} ${dialect}: ${problem.replace(/: .*/s, '')}`;
    const seen = failures.get(kind);
    if (seen) seen.count++;
    else
      failures.set(kind, {
        count: 1,
        example: `${req.method} ${req.path.slice(0, 200)} ${JSON.stringify(req.headers)} body=${(req.body ?? '').slice(0, 200)} -> ${problem.slice(0, 300)} :: ${answer.text.slice(0, 200)}`,
      });
  };

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const found = req.method === 'POST' && req.url === '/search';
        res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(found ? { results: [{ title: 'Fuzz', text: 'found' }] } : {}));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    // Searches call connector URLs the fuzz made up (fc.webUrl()): no traffic may leave the
    // machine, so every name resolves to 127.0.0.1 (where nothing listens on 80/443: the call
    // fails, and the search answers its 502).
    jest
      .spyOn(dns, 'lookup')
      .mockImplementation((_host: string, options: unknown, callback?: unknown) => {
        const cb = (typeof options === 'function' ? options : callback) as (
          e: null,
          a: string | dns.LookupAddress[],
          f?: number,
        ) => void;
        const all = typeof options === 'object' && (options as { all?: boolean } | null)?.all;
        process.nextTick(() =>
          all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4),
        );
      });
    t = await startTestApp({ outboundAllowPrivate: true, outboundTimeoutMs: 2000 });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });

  afterAll(async () => {
    agent.destroy();
    await t?.close();
    await new Promise((resolve) => upstream?.close(resolve));
    jest.restoreAllMocks();
  });

  it('aims at every route the dialects document, on every mount', async () => {
    const fuzzed = new Set(ROUTES.map(([m, p]) => `${m} ${p.replace(/\/$/, '')}`));
    const documented: string[] = [];
    for (const dialect of DIALECTS) {
      const res = await send(port, agent, {
        method: 'GET',
        path: `/docs/${dialect.name}.json`,
        headers: {},
        body: undefined,
      });
      const doc = JSON.parse(res.text) as { paths: Record<string, Record<string, unknown>> };
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const method of Object.keys(ops)) {
          documented.push(`${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, ':id')}`);
        }
      }
    }
    expect(documented.length).toBeGreaterThan(20);
    expect(documented.filter((route) => !fuzzed.has(route))).toEqual([]);
  });

  it(`answers ${RUNS * BATCH} requests without a 5xx, every error in its dialect's shape with x-request-id`, async () => {
    const a = await t.newOrganization('fuzz');
    const b = await t.newOrganization('fuzz');
    // Connectors of each dialect to aim at (the fuzz also creates, changes and deletes its own).
    const ids: string[] = ['github', 'google_drive', 'slack', 'webhook'];
    for (const [path, payload] of [
      ['/v1/connectors', { name: 'Fuzz Cohere', url: `${upstreamUrl}/search` }],
      ['/generic/v1/connectors', { name: 'Fuzz Generic', type: 'slack', data: { bot_token: 'x' } }],
      ['/connector/', { name: 'Fuzz Coco', config: { token: 't' } }],
    ] as const) {
      const res = await send(port, agent, {
        method: 'POST',
        path,
        headers: { authorization: `Bearer ${a.key}`, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      expect(res.status).toBe(200);
      const parsed = JSON.parse(res.text) as {
        connector?: { id: string };
        data?: { id: string };
        _id?: string;
      };
      ids.push(parsed.connector?.id ?? parsed.data?.id ?? parsed._id!);
    }
    // A well-formed search reaches the connector server (the fuzz's own rarely are well-formed).
    const searched = await send(port, agent, {
      method: 'POST',
      path: `/v1/connectors/${ids[4]}/search`,
      headers: { authorization: `Bearer ${a.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'fuzz' }),
    });
    expect([searched.status, searched.text]).toEqual([
      200,
      JSON.stringify({ results: [{ title: 'Fuzz', text: 'found' }] }),
    ]);
    const keys = fc.oneof(
      { weight: 6, arbitrary: fc.constant({ authorization: `Bearer ${a.key}` }) },
      { weight: 2, arbitrary: fc.constant({ 'x-api-token': a.key }) },
      { weight: 1, arbitrary: fc.constant({ authorization: `Bearer ${b.key}` }) },
      { weight: 1, arbitrary: fc.constant({}) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          { authorization: 'Bearer wrong' },
          { authorization: 'Basic abc' },
          { authorization: 'Bearer ' },
          { authorization: `Bearer ${a.key}x` },
        ),
      },
    );
    const idArb = fc.constantFrom(...ids);

    await fc.assert(
      fc.asyncProperty(
        fc.array(requests(idArb, keys), { minLength: BATCH, maxLength: BATCH }),
        async (batch) => {
          const answers = await Promise.all(
            batch.map((req) =>
              send(port, agent, req).catch((error: Error): Answer => ({
                status: 0,
                headers: {},
                text: `no answer (${error.message})`,
              })),
            ),
          );
          sent += batch.length;
          batch.forEach((req, i) => {
            const answer = answers[i];
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            // A search whose connector failed (the fuzz points connectors at made-up URLs) is
            // answered 502 by design: in its dialect's shape like any error. Any other 5xx fails.
            const upstreamFailed = answer.status === 502 && isSearch(req);
            if (upstreamFailed) searches.failed++;
            if (isSearch(req)) searches.sent++;
            const problem =
              answer.status >= 500 && !upstreamFailed
                ? `${answer.status}: ${answer.text.slice(0, 200)}`
                : answer.status < 400
                  ? null
                  : !answer.headers['x-request-id']
                    ? `${answer.status} without x-request-id`
                    : shapeProblem(req, answer);
            if (problem) failed(req, answer, problem);
          });
        },
      ),
      { numRuns: RUNS, endOnFailure: process.env.FUZZ_SHRINK !== '1' },
    );
    expect(sent).toBeGreaterThanOrEqual(RUNS * BATCH);
    // The fuzz reached past validation: successes, client errors and not-founds all happened.
    const count = (from: number, to: number) =>
      [...statuses].filter(([s]) => s >= from && s < to).reduce((n, [, c]) => n + c, 0);
    expect(count(200, 300)).toBeGreaterThan(RUNS / 10);
    expect(count(400, 401)).toBeGreaterThan(RUNS / 10);
    expect(count(404, 405)).toBeGreaterThan(RUNS / 10);
    expect(count(401, 402)).toBeGreaterThan(0);
    // The searches were aimed at (their failures are checked like every answer, above).
    expect(searches.sent).toBeGreaterThan(RUNS / 10);
    // Last, so that the figures above are checked even while a failure is being worked on.
    expect(Object.fromEntries(failures)).toEqual({});
  }, 240_000);
});
