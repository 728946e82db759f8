import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { DIALECTS } from '../src/dialects';
import { startTestApp, type TestApp } from './app';

/**
 * Every example of every served OpenAPI document (/docs/<dialect>.json), for every operation the
 * documents hold (new routes included, with no list to keep up to date here):
 * - each request body and each response status has one (Swagger UI's "Try it out" prefills the
 *   request example; a route without one fails here, naming it);
 * - each validates against its schema (ajv; OpenAPI 3.0's `nullable` turned into JSON Schema, and
 *   objects closed: a field the schema does not list is a mistake in an example);
 * - each request example, sent as it is to the running gateway (real HTTP, real PostgreSQL) with
 *   the path parameters' examples, gets the operation's documented success status, and a body
 *   that validates against the documented success schema.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface MediaType {
  schema?: JsonObject;
  example?: Json;
  examples?: Record<string, { summary?: string; value: Json }>;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  example?: Json;
  schema?: JsonObject;
}

interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<
    string,
    { content?: Record<string, MediaType>; headers?: Record<string, { schema?: JsonObject }> }
  >;
}

interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonObject> };
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'];

const BODY_LIMIT = 4096;

/** Every operation of a document, with its method and path. */
function operationsOf(doc: Document): Array<{ method: string; path: string; op: Operation }> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, op]) => ({ method, path, op })),
  );
}

/** The examples of a media type, named: `example` counts as one named `example`. */
function examplesOf(media: MediaType | undefined): Array<[string, Json]> {
  if (!media) return [];
  const named = Object.entries(media.examples ?? {}).map(
    ([name, e]) => [name, e.value] as [string, Json],
  );
  return media.example !== undefined ? [['example', media.example], ...named] : named;
}

/**
 * An OpenAPI 3.0 schema as JSON Schema: `nullable: true` becomes "null, or what the rest says",
 * `$ref`s point into the document (registered under `base`), and objects that list their
 * properties accept no others (unless `additionalProperties` says otherwise).
 */
function toJsonSchema(schema: Json, base: string): Json {
  if (Array.isArray(schema)) return schema.map((s) => toJsonSchema(s, base));
  if (schema === null || typeof schema !== 'object') return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'nullable' || key === 'example' || key === 'examples') continue;
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#')) {
      out.$ref = `${base}${value}`;
    } else if (key === 'properties' && value !== null && typeof value === 'object') {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, s]) => [name, toJsonSchema(s, base)]),
      );
    } else out[key] = toJsonSchema(value, base);
  }
  if (out.properties && out.additionalProperties === undefined && !out.allOf) {
    out.additionalProperties = false;
  }
  if (schema.nullable === true) return { anyOf: [{ type: 'null' }, out] };
  return out;
}

/** One ajv holding every document's components, by document. */
function validators(
  docs: Map<string, Document>,
): (name: string, schema: JsonObject) => ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  for (const [name, doc] of docs) {
    const base = `https://gateway.test/${name}.json`;
    ajv.addSchema(
      toJsonSchema({ components: doc.components as unknown as Json }, base) as JsonObject,
      base,
    );
  }
  return (name, schema) =>
    ajv.compile(toJsonSchema(schema, `https://gateway.test/${name}.json`) as JsonObject);
}

/** A parameter's example: its own, or its schema's (where @nestjs/swagger puts it). */
const exampleOf = (p: Parameter): Json | undefined => p.example ?? p.schema?.example;

/** The status an operation documents for success: its lowest 2xx, or its redirect (a 302). */
function successStatus(op: Operation): number {
  const ok = Object.keys(op.responses)
    .map(Number)
    .filter((s) => s >= 200 && s < 400)
    .sort((a, b) => a - b);
  if (ok[0] === undefined) throw new Error(`${op.operationId} documents no success status`);
  return ok[0];
}

describe('OpenAPI examples', () => {
  let t: TestApp;
  let upstream: { server: Server; url: string } | undefined;
  const docs = new Map<string, Document>();
  let validator: (name: string, schema: JsonObject) => ValidateFunction;

  beforeAll(async () => {
    upstream = await startConnectorServer();
    // A small body limit, so that a 413 is easy to provoke (every example is far smaller); the
    // search examples call the connector server above, on 127.0.0.1.
    t = await startTestApp({ bodyLimit: BODY_LIMIT, outboundAllowPrivate: true });
    for (const { name } of DIALECTS) {
      docs.set(name, (await request(t.server).get(`/docs/${name}.json`).expect(200)).body);
    }
    validator = validators(docs);
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => upstream?.server.close(resolve));
  });

  const names = DIALECTS.map((d) => d.name);

  it.each(names)('%s: every request body and every response status has an example', (name) => {
    const missing: string[] = [];
    for (const { op } of operationsOf(docs.get(name)!)) {
      const body = op.requestBody?.content['application/json'];
      if (op.requestBody && examplesOf(body).length === 0) {
        missing.push(`${op.operationId}: request body`);
      }
      for (const [status, response] of Object.entries(op.responses)) {
        if (/^3\d\d$/.test(status) && !response.content) {
          // A redirect has no body: its headers (Location) carry the answer.
          const headers = Object.entries(response.headers ?? {});
          if (headers.length === 0) missing.push(`${op.operationId}: ${status} headers`);
          for (const [header, h] of headers) {
            if (h.schema?.example === undefined) {
              missing.push(`${op.operationId}: ${status} header ${header}`);
            }
          }
        } else if (examplesOf(response.content?.['application/json']).length === 0) {
          missing.push(`${op.operationId}: ${status} response`);
        }
      }
      for (const p of op.parameters ?? []) {
        if (p.in === 'path' && exampleOf(p) === undefined) {
          missing.push(`${op.operationId}: path parameter ${p.name}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it.each(names)('%s: every example validates against its schema', (name) => {
    const problems: string[] = [];
    let checked = 0;
    const check = (where: string, media: MediaType | undefined) => {
      if (!media?.schema) return;
      const validate = validator(name, media.schema);
      for (const [exampleName, value] of examplesOf(media)) {
        checked++;
        if (!validate(value)) {
          for (const e of validate.errors ?? []) {
            problems.push(
              `${where} (${exampleName}): ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`,
            );
          }
        }
      }
    };
    for (const { op } of operationsOf(docs.get(name)!)) {
      check(`${op.operationId} request`, op.requestBody?.content['application/json']);
      for (const [status, response] of Object.entries(op.responses)) {
        check(`${op.operationId} ${status}`, response.content?.['application/json']);
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(0);
  });

  it('the validation catches a wrong example (a test that can fail)', () => {
    const validate = validator('cohere', { $ref: '#/components/schemas/CreateConnectorDto' });
    expect(validate({ name: 'x', url: 'https://a.example.com' })).toBe(true);
    expect(validate({ name: 'x', url: 'https://a.example.com', description: null })).toBe(true);
    expect(validate({ name: 'x', url: {} })).toBe(false);
    expect(validate({ name: 'x', url: 'https://a.example.com', typo: 1 })).toBe(false);
    expect(validate({ url: 'https://a.example.com' })).toBe(false);
  });

  it.each(names)(
    '%s: every operation, sent with its examples as they are, gets the documented success status',
    async (name) => {
      const doc = docs.get(name)!;
      const results: string[] = [];
      const expected: string[] = [];
      let count = 0;
      for (const { method, path, op } of operationsOf(doc)) {
        const media = op.requestBody?.content['application/json'];
        // An operation without a body is sent once with its parameters' examples alone.
        const sends: Array<[string, Json | undefined]> = op.requestBody
          ? examplesOf(media)
          : [['no body', undefined]];
        for (const [exampleName, body] of sends) {
          count++;
          // An organization of its own for each example, holding the connectors the path
          // parameters' examples name.
          const org = await t.newOrganization('oas-ex');
          const url = await urlFor(t, org.key, path, op, upstream!.url);
          const response = await request(t.server)
            [method as 'post'](url)
            .set({ Authorization: `Bearer ${org.key}` })
            .send((body ?? undefined) as object);
          const status = successStatus(op);
          const label = `${op.operationId} (${exampleName}) ${method.toUpperCase()} ${url}`;
          expected.push(`${label}: ${status}`);
          results.push(
            `${label}: ${response.status}${response.status === status ? '' : ` ${response.text}`}`,
          );
          for (const header of Object.keys(op.responses[String(status)]?.headers ?? {})) {
            if (
              response.status === status &&
              response.headers[header.toLowerCase()] === undefined
            ) {
              results.push(`${label}: no ${header} header`);
            }
          }
          const schema = op.responses[String(status)]?.content?.['application/json']?.schema;
          if (response.status === status && schema) {
            const validate = validator(name, schema);
            if (!validate(response.body)) {
              results.push(`${label}: answer does not match ${JSON.stringify(validate.errors)}`);
            }
          }
        }
      }
      expect(results).toEqual(expected);
      expect(count).toBeGreaterThan(0);
    },
  );

  it.each(names)(
    '%s: the 401, 404, 413 and 415 examples are the bodies the gateway answers',
    async (name) => {
      const results: string[] = [];
      const expected: string[] = [];
      for (const { method, path, op } of operationsOf(docs.get(name)!)) {
        const body = examplesOf(op.requestBody?.content['application/json'])[0]?.[1];
        for (const [status, response] of Object.entries(op.responses)) {
          const provoke = PROVOKE[Number(status)];
          const example = examplesOf(response.content?.['application/json'])[0]?.[1];
          if (!provoke || example === undefined) continue;
          // A 404 is provoked through a connector id the organization does not hold.
          const namesConnector = (op.parameters ?? []).some(
            (p) => p.in === 'path' && p.name === 'id',
          );
          if (Number(status) === 404 && !namesConnector) continue;
          // A fresh organization, so the path examples name nothing (404) unless created.
          const org = await t.newOrganization('oas-err');
          const url = await urlFor(t, org.key, path, op, Number(status) !== 404 && upstream!.url);
          const pending = provoke(
            request(t.server)
              [method as 'post'](url)
              .set({ Authorization: `Bearer ${org.key}` }),
            body,
          );
          if (!pending) continue;
          const res = await pending;
          const label = `${op.operationId} ${status}`;
          expected.push(`${label}: ${status} ${JSON.stringify(withRequestId(example, res.body))}`);
          results.push(`${label}: ${res.status} ${JSON.stringify(res.body)}`);
        }
      }
      expect(results).toEqual(expected);
      expect(results.length).toBeGreaterThan(0);
    },
  );
});

/**
 * How to make an operation answer an error status, for the statuses every route can be made to
 * answer without knowing the route: a wrong key (401), a connector id example in an organization
 * that does not hold it (404), a body over the limit (413), a body of a content type the gateway does not read (415). The 400s,
 * 403s, 409s and 429s are route-specific and are checked by the dialects' own e2e tests.
 */
const PROVOKE: Record<
  number,
  (test: request.Test, body: Json | undefined) => request.Test | undefined
> = {
  401: (test, body) =>
    test.set({ Authorization: 'Bearer gw_not-a-key' }).send((body ?? undefined) as object),
  404: (test, body) => test.send((body ?? undefined) as object),
  413: (test, body) =>
    body !== undefined && typeof body === 'object' && !Array.isArray(body)
      ? test.send({ ...body, padding: 'x'.repeat(BODY_LIMIT * 2) })
      : undefined,
  415: (test, body) =>
    body !== undefined
      ? test.set('Content-Type', 'application/xml').send('<name>x</name>')
      : undefined,
};

/** A body with the request id the gateway made in place of the example's. */
function withRequestId(example: Json, actual: unknown): Json {
  if (example === null || typeof example !== 'object' || Array.isArray(example)) return example;
  if (!('requestId' in example)) return example;
  const id = (actual as { requestId?: Json } | null)?.requestId ?? null;
  return { ...example, requestId: id };
}

/**
 * What a connector needs beyond existing for the operations at some paths, as a Cohere update:
 * a search calls its `url` (the test's connector server), an OAuth start needs `oauth` settings.
 * `upstream` is the test's connector server.
 */
const PATH_FIXTURES: Array<{ path: RegExp; settings: (upstream: string) => Json }> = [
  { path: /\/search$/, settings: (upstream) => ({ url: `${upstream}/search` }) },
  {
    path: /\/oauth(\/authorize|_connect)$/,
    settings: (upstream) => ({
      oauth: {
        client_id: 'gateway-client',
        client_secret: 'fixture-client-secret',
        authorize_url: `${upstream}/oauth/authorize`,
        token_url: `${upstream}/oauth/token`,
        scope: 'search',
      },
    }),
  },
];

/**
 * A connector server on 127.0.0.1 as Cohere's chat calls it: `POST /search` answers results.
 */
async function startConnectorServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const found = req.method === 'POST' && req.url === '/search';
      res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          found ? { results: [{ title: 'Q3 report', text: 'Revenue grew 12% over Q2.' }] } : {},
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

/**
 * The path of an operation with each parameter's example; a connector named by an `{id}`
 * example is created first (through the Coco dialect, which lets a client choose the id), so
 * that get, update and delete find it, then given what the path needs (PATH_FIXTURES) when
 * `upstream` (the connector server's URL) is given; `false`: no connector is created.
 */
async function urlFor(
  t: TestApp,
  key: string,
  path: string,
  op: Operation,
  upstream: string | false,
): Promise<string> {
  const fixtures = upstream !== false;
  let url = path;
  const query: string[] = [];
  for (const p of op.parameters ?? []) {
    if (p.in === 'path') {
      const example = exampleOf(p);
      if (example === undefined) throw new Error(`${op.operationId}: ${p.name} has no example`);
      const value = typeof example === 'string' ? example : JSON.stringify(example);
      if (p.name === 'id' && fixtures) {
        await request(t.server)
          .post('/connector/')
          .set({ 'X-API-TOKEN': key })
          .send({ id: value, name: `Fixture ${value}` })
          .expect(200);
        for (const fixture of PATH_FIXTURES.filter((f) => f.path.test(path))) {
          await request(t.server)
            .patch(`/v1/connectors/${encodeURIComponent(value)}`)
            .set({ Authorization: `Bearer ${key}` })
            .send(fixture.settings(upstream) as object)
            .expect(200);
        }
      }
      url = url.replace(`{${p.name}}`, encodeURIComponent(value));
    } else if (p.in === 'query' && exampleOf(p) !== undefined) {
      const example = exampleOf(p);
      const value = typeof example === 'string' ? example : JSON.stringify(example);
      query.push(`${encodeURIComponent(p.name)}=${encodeURIComponent(value)}`);
    }
  }
  return query.length ? `${url}?${query.join('&')}` : url;
}
