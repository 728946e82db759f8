import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { DIALECTS } from '../src/dialects';
import { canonicalJson } from '../src/openapi/canonical-json';
import { generateDocuments } from '../src/openapi/write-documents';
import { BUILTIN_IDS, startTestApp, type TestApp } from './app';

/**
 * The committed documents (openapi/, written by `npm run openapi`) against the served ones, the
 * rules every document keeps (types, security, operation ids), and the Cohere and Coco OpenAPI
 * documents (/docs/cohere.json, /docs/coco.json) against the dialects
 * they describe: every operation's success and error bodies reference the right schema, the
 * schemas carry the dialect's real fields (the seeds' Cohere `Connector`, Coco's get and search
 * bodies), and the bodies the gateway actually sends validate against the document it serves.
 * The generic document is checked in test/generic-mounts.e2e-spec.ts.
 */

/** The subset of OpenAPI 3 schema objects @nestjs/swagger writes. */
interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  nullable?: boolean;
  default?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: boolean | Schema;
  allOf?: Schema[];
}

interface Operation {
  operationId?: string;
  responses: Record<string, { content?: { 'application/json'?: { schema?: Schema } } }>;
  requestBody?: { content: { 'application/json': { schema: Schema } } };
  security?: Array<Record<string, string[]>>;
}

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** `"<method> <path>"` for every operation of a document. */
function operations(doc: OpenApiDocument): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`))
    .sort();
}

function operation(doc: OpenApiDocument, key: string): Operation {
  const [method, path] = key.split(' ') as [string, string];
  const op = doc.paths[path]?.[method];
  if (!op) throw new Error(`the document has no ${key}`);
  return op;
}

/** The JSON schema of one response of an operation. */
function responseSchema(op: Operation, status: number): Schema | undefined {
  return op.responses[String(status)]?.content?.['application/json']?.schema;
}

function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const target = doc.components.schemas[name];
  if (!target) throw new Error(`dangling $ref ${schema.$ref}`);
  return target;
}

/**
 * Every way `value` differs from `schema` (resolved in `doc`). Objects are closed: a key the schema
 * does not list is a problem unless `additionalProperties` allows it, so an undocumented field in a
 * response fails as surely as a missing required one.
 */
function schemaProblems(
  doc: OpenApiDocument,
  schema: Schema,
  value: unknown,
  path = '$',
  out: string[] = [],
): string[] {
  const s = resolve(doc, schema);
  if (value === null) {
    if (!s.nullable) out.push(`${path}: null, not nullable`);
    return out;
  }
  if (s.allOf) for (const part of s.allOf) schemaProblems(doc, part, value, path, out);
  const type = s.type ?? (s.properties ? 'object' : undefined);
  switch (type) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) {
        out.push(`${path}: expected an object, got ${JSON.stringify(value)}`);
        return out;
      }
      const record = value as Record<string, unknown>;
      for (const key of s.required ?? []) {
        if (!(key in record)) out.push(`${path}.${key}: required, missing`);
      }
      for (const [key, item] of Object.entries(record)) {
        const property = s.properties?.[key];
        if (property) schemaProblems(doc, property, item, `${path}.${key}`, out);
        else if (typeof s.additionalProperties === 'object') {
          schemaProblems(doc, s.additionalProperties, item, `${path}.${key}`, out);
        } else if (s.additionalProperties !== true && !s.allOf) {
          out.push(`${path}.${key}: not in the schema`);
        }
      }
      break;
    }
    case 'array':
      if (!Array.isArray(value))
        out.push(`${path}: expected an array, got ${JSON.stringify(value)}`);
      else if (s.items)
        value.forEach((v, i) => schemaProblems(doc, s.items!, v, `${path}[${i}]`, out));
      break;
    case 'string':
      if (typeof value !== 'string')
        out.push(`${path}: expected a string, got ${JSON.stringify(value)}`);
      else if (s.format === 'date-time' && Number.isNaN(Date.parse(value))) {
        out.push(`${path}: expected a date-time, got ${value}`);
      }
      break;
    case 'number':
      if (typeof value !== 'number')
        out.push(`${path}: expected a number, got ${JSON.stringify(value)}`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') {
        out.push(`${path}: expected a boolean, got ${JSON.stringify(value)}`);
      }
      break;
    case undefined:
    default:
      break;
  }
  if (s.enum && !s.enum.includes(value)) {
    out.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
  }
  return out;
}

/** Checks `body` against the schema the document gives for `key`'s `status` response. */
function expectDocumented(doc: OpenApiDocument, key: string, status: number, body: unknown): void {
  const schema = responseSchema(operation(doc, key), status);
  if (!schema) throw new Error(`${key} documents no ${status} body`);
  expect(schemaProblems(doc, schema, body)).toEqual([]);
}

/** Property names, required names, and the type (or $ref) of each property of a schema. */
function shape(doc: OpenApiDocument, name: string) {
  const schema = doc.components.schemas[name];
  if (!schema) throw new Error(`no schema ${name}`);
  const types: Record<string, string> = {};
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const target = property.$ref ?? property.allOf?.[0]?.$ref;
    types[key] = target
      ? target.replace('#/components/schemas/', '')
      : property.type === 'array'
        ? `${property.items?.$ref?.replace('#/components/schemas/', '') ?? property.items?.type}[]`
        : `${property.type}${property.format ? `:${property.format}` : ''}`;
  }
  return { types, required: [...(schema.required ?? [])].sort() };
}

describe('OpenAPI documents', () => {
  let t: TestApp;
  let cohere: OpenApiDocument;
  let coco: OpenApiDocument;
  let auth: { Authorization: string };

  beforeAll(async () => {
    t = await startTestApp();
    cohere = (await request(t.server).get('/docs/cohere.json').expect(200)).body;
    coco = (await request(t.server).get('/docs/coco.json').expect(200)).body;
    const org = await t.newOrganization('oas');
    auth = { Authorization: `Bearer ${org.key}` };
  });
  afterAll(() => t.close());

  describe('Cohere: /docs/cohere.json', () => {
    /** Each operation under one mount: its success schema, its error statuses, its request body. */
    const COHERE: Record<string, { ok: string; errors: number[]; body?: string }> = {
      'get /v1/connectors': { ok: 'CohereListConnectorsResponse', errors: [400, 401, 429, 503] },
      'post /v1/connectors': {
        ok: 'CohereConnectorResponse',
        errors: [400, 401, 409, 412, 413, 415, 422, 429, 503],
        body: 'CreateConnectorDto',
      },
      'get /v1/connectors/{id}': { ok: 'CohereConnectorResponse', errors: [401, 404, 429, 503] },
      'patch /v1/connectors/{id}': {
        ok: 'CohereConnectorResponse',
        errors: [400, 401, 404, 412, 413, 415, 429, 503],
        body: 'UpdateConnectorDto',
      },
      'delete /v1/connectors/{id}': {
        ok: 'CohereDeleteResponse',
        errors: [401, 403, 404, 412, 429, 503],
      },
      'post /v1/connectors/{id}/oauth/authorize': {
        ok: 'CohereOAuthAuthorizeResponse',
        errors: [400, 401, 404, 429, 503],
      },
      'get /v1/connectors/{id}/oauth/authorize': {
        ok: 'CohereOAuthAuthorizeResponse',
        errors: [400, 401, 404, 429, 503],
      },
      'post /v1/connectors/{id}/search': {
        ok: 'CohereSearchResponse',
        errors: [400, 401, 404, 413, 415, 429, 502, 503],
        body: 'SearchConnectorDto',
      },
    };
    /** The same operations at both mounts. */
    const both = Object.entries(COHERE).flatMap(([key, spec]) => {
      const [method, path] = key.split(' ') as [string, string];
      return [
        [key, spec],
        [`${method} /cohere${path}`, spec],
      ] as const;
    });

    it('describes every Cohere route at /v1/connectors and /cohere/v1/connectors, and nothing else', () => {
      expect(operations(cohere)).toEqual(both.map(([key]) => key).sort());
      for (const [key] of both) {
        expect(operation(cohere, key).security).toEqual([{ bearer: [] }, { 'X-API-TOKEN': [] }]);
      }
    });

    it.each(both)('%s: 200 and every error status reference their schemas', (key, spec) => {
      const op = operation(cohere, key);
      expect(Object.keys(op.responses).sort()).toEqual(['200', ...spec.errors.map(String)].sort());
      expect(responseSchema(op, 200)).toEqual(ref(spec.ok));
      for (const status of spec.errors) {
        expect(responseSchema(op, status)).toEqual(ref('CohereErrorBody'));
      }
      if (spec.body) {
        expect(op.requestBody?.content['application/json'].schema).toEqual(ref(spec.body));
      } else expect(op.requestBody).toBeUndefined();
    });

    it("describes Connector as the seed's Connector schema, field for field", () => {
      expect(shape(cohere, 'CohereConnector')).toEqual({
        types: {
          id: 'string',
          organization_id: 'string',
          name: 'string',
          description: 'string',
          url: 'string',
          created_at: 'string:date-time',
          updated_at: 'string:date-time',
          excludes: 'string[]',
          auth_type: 'string',
          oauth: 'CohereConnectorOAuth',
          auth_status: 'string',
          active: 'boolean',
          continue_on_failure: 'boolean',
        },
        required: ['created_at', 'id', 'name', 'updated_at'],
      });
      const props = cohere.components.schemas.CohereConnector.properties!;
      expect(props.auth_status.enum).toEqual(['valid', 'expired']);
      expect(props.auth_type.enum).toEqual(['oauth', 'service_auth']);
      // ConnectorOAuth: authorize_url and token_url required; the secret only ever masked.
      expect(shape(cohere, 'CohereConnectorOAuth')).toEqual({
        types: {
          client_id: 'string',
          client_secret: 'string',
          authorize_url: 'string',
          token_url: 'string',
          scope: 'string',
        },
        required: ['authorize_url', 'token_url'],
      });
      // The response never documents service_auth: its token is never returned.
      expect(props.service_auth).toBeUndefined();
    });

    it('describes the list, single, authorize, delete and error bodies', () => {
      expect(shape(cohere, 'CohereListConnectorsResponse')).toEqual({
        types: { connectors: 'CohereConnector[]', total_count: 'number' },
        required: ['connectors', 'total_count'],
      });
      expect(shape(cohere, 'CohereConnectorResponse')).toEqual({
        types: { connector: 'CohereConnector' },
        required: ['connector'],
      });
      expect(shape(cohere, 'CohereOAuthAuthorizeResponse')).toEqual({
        types: { redirect_url: 'string' },
        required: ['redirect_url'],
      });
      expect(shape(cohere, 'CohereDeleteResponse')).toEqual({ types: {}, required: [] });
      expect(shape(cohere, 'CohereErrorBody')).toEqual({
        types: { message: 'string' },
        required: ['message'],
      });
    });

    it('describes the request bodies: what is required, and the optional fields with their real types', () => {
      expect(shape(cohere, 'CreateConnectorDto')).toEqual({
        types: {
          name: 'string',
          description: 'string',
          url: 'string',
          excludes: 'string[]',
          oauth: 'CreateConnectorOAuthDto',
          active: 'boolean',
          continue_on_failure: 'boolean',
          service_auth: 'ServiceAuthDto',
        },
        required: ['name', 'url'],
      });
      expect(shape(cohere, 'UpdateConnectorDto')).toEqual({
        types: {
          name: 'string',
          description: 'string',
          url: 'string',
          excludes: 'string[]',
          oauth: 'UpdateConnectorOAuthDto',
          active: 'boolean',
          continue_on_failure: 'boolean',
          service_auth: 'ServiceAuthDto',
        },
        required: [],
      });
      // The SDKs send null for what they leave out: every optional field says null is accepted.
      const update = cohere.components.schemas.UpdateConnectorDto.properties!;
      for (const [name, property] of Object.entries(update)) {
        expect([name, property.nullable]).toEqual([name, true]);
      }
      expect(shape(cohere, 'CreateConnectorOAuthDto')).toEqual({
        types: {
          client_id: 'string',
          client_secret: 'string',
          authorize_url: 'string',
          token_url: 'string',
          scope: 'string',
        },
        required: ['authorize_url', 'token_url'],
      });
      expect(shape(cohere, 'UpdateConnectorOAuthDto')).toEqual({
        types: {
          client_id: 'string',
          client_secret: 'string',
          authorize_url: 'string',
          token_url: 'string',
          scope: 'string',
        },
        required: [],
      });
      // service_auth.type is optional: left out, it is noscheme.
      expect(shape(cohere, 'ServiceAuthDto')).toEqual({
        types: { type: 'string', token: 'string' },
        required: ['token'],
      });
      expect(cohere.components.schemas.ServiceAuthDto.properties!.type).toMatchObject({
        enum: ['bearer', 'basic', 'noscheme'],
        default: 'noscheme',
      });
    });

    it('a service_auth without type is accepted, as the document says (noscheme)', async () => {
      const res = await request(t.server)
        .post('/v1/connectors')
        .set(auth)
        .send({
          name: 'Docs no scheme',
          url: 'https://docs.example.com/search',
          service_auth: { token: 'tok-no-scheme' },
          description: null,
          excludes: null,
          oauth: null,
          active: null,
          continue_on_failure: null,
        });
      expect(res.status).toBe(200);
      expect(res.body.connector.auth_type).toBe('service_auth');
      const rows = await t.sql<{ service_auth_type: string }>(
        'SELECT service_auth_type FROM connectors WHERE organization_id = $1 AND id = $2',
        [res.body.connector.organization_id, res.body.connector.id],
      );
      expect(rows).toEqual([{ service_auth_type: 'noscheme' }]);
    });

    it('what the gateway answers validates against the document it serves', async () => {
      const created = await request(t.server)
        .post('/v1/connectors')
        .set(auth)
        .send({
          name: 'Documented',
          url: 'https://documented.example.com/search',
          description: 'every field set',
          excludes: ['draft'],
          oauth: {
            client_id: 'cid',
            client_secret: 'documented-secret',
            authorize_url: 'https://auth.example.com/authorize',
            token_url: 'https://auth.example.com/token',
            scope: 'read',
          },
          active: true,
          continue_on_failure: true,
        });
      expect(created.status).toBe(200);
      expectDocumented(cohere, 'post /v1/connectors', 200, created.body);
      const id = created.body.connector.id as string;

      const list = await request(t.server).get('/v1/connectors?limit=100').set(auth).expect(200);
      expect(list.body.connectors).toHaveLength(2);
      expectDocumented(cohere, 'get /v1/connectors', 200, list.body);
      const one = await request(t.server).get(`/v1/connectors/${id}`).set(auth).expect(200);
      expectDocumented(cohere, 'get /v1/connectors/{id}', 200, one.body);
      const patched = await request(t.server)
        .patch(`/v1/connectors/${id}`)
        .set(auth)
        .send({ name: 'Documented 2' })
        .expect(200);
      expectDocumented(cohere, 'patch /v1/connectors/{id}', 200, patched.body);
      const authorize = await request(t.server)
        .post(`/v1/connectors/${id}/oauth/authorize`)
        .set(auth)
        .expect(200);
      expectDocumented(cohere, 'post /v1/connectors/{id}/oauth/authorize', 200, authorize.body);

      const errors: Array<[string, number, request.Test]> = [
        ['get /v1/connectors', 400, request(t.server).get('/v1/connectors?limit=abc').set(auth)],
        ['get /v1/connectors', 401, request(t.server).get('/v1/connectors')],
        ['post /v1/connectors', 400, request(t.server).post('/v1/connectors').set(auth).send({})],
        ['get /v1/connectors/{id}', 404, request(t.server).get('/v1/connectors/nope').set(auth)],
        [
          'delete /v1/connectors/{id}',
          403,
          request(t.server).delete(`/v1/connectors/${BUILTIN_IDS[0]}`).set(auth),
        ],
        [
          'get /v1/connectors/{id}/oauth/authorize',
          400,
          request(t.server).get(`/v1/connectors/${BUILTIN_IDS[0]}/oauth/authorize`).set(auth),
        ],
      ];
      for (const [key, status, pending] of errors) {
        const res = await pending;
        expect([key, res.status]).toEqual([key, status]);
        expectDocumented(cohere, key, status, res.body);
      }

      const deleted = await request(t.server).delete(`/v1/connectors/${id}`).set(auth).expect(200);
      expectDocumented(cohere, 'delete /v1/connectors/{id}', 200, deleted.body);
    });
  });

  describe('Coco: /docs/coco.json', () => {
    const COCO: Record<string, { ok: string; notFound?: string; errors: number[]; body?: string }> =
      {
        'post /connector': {
          ok: 'CocoCreatedResponse',
          errors: [400, 401, 409, 412, 413, 422, 429, 503],
          body: 'CreateCocoConnectorDto',
        },
        'get /connector/_search': { ok: 'CocoSearchResponse', errors: [400, 401, 429, 503] },
        'post /connector/_search': { ok: 'CocoSearchResponse', errors: [400, 401, 413, 429, 503] },
        'get /connector/{id}': {
          ok: 'CocoGetResponse',
          notFound: 'CocoGetResponse',
          errors: [401, 429, 503],
        },
        'put /connector/{id}': {
          ok: 'CocoResultResponse',
          notFound: 'CocoResultResponse',
          errors: [400, 401, 409, 412, 413, 429, 503],
          body: 'UpdateCocoConnectorDto',
        },
        'delete /connector/{id}': {
          ok: 'CocoResultResponse',
          notFound: 'CocoResultResponse',
          errors: [401, 403, 409, 412, 429, 503],
        },
      };
    const both = Object.entries(COCO).flatMap(([key, spec]) => {
      const [method, path] = key.split(' ') as [string, string];
      return [
        [key, spec],
        [`${method} /coco${path}`, spec],
      ] as const;
    });

    /** The OAuth start answers a redirect, not a body (test/oauth-flow.e2e-spec.ts). */
    const OAUTH_CONNECT = [
      'get /connector/{id}/oauth_connect',
      'get /coco/connector/{id}/oauth_connect',
    ];

    it('describes every Coco route at /connector and /coco/connector, with X-API-TOKEN or Bearer', () => {
      expect(operations(coco)).toEqual([...both.map(([key]) => key), ...OAUTH_CONNECT].sort());
      for (const [key] of both) {
        expect(operation(coco, key).security).toEqual([{ bearer: [] }, { 'X-API-TOKEN': [] }]);
      }
    });

    it.each(OAUTH_CONNECT)('%s: 302 to the authorization URL, Coco errors', (key) => {
      const op = operation(coco, key);
      expect(Object.keys(op.responses).sort()).toEqual(['302', '400', '401', '404', '429', '503']);
      expect(responseSchema(op, 404)).toEqual(ref('CocoGetResponse'));
      for (const status of [400, 401, 429, 503]) {
        expect(responseSchema(op, status)).toEqual(ref('CocoErrorBody'));
      }
      expect(op.security).toEqual(expect.arrayContaining([{ 'X-API-TOKEN': [] }, { bearer: [] }]));
    });

    it.each(both)(
      '%s: 200, Coco 404 bodies and error statuses reference their schemas',
      (key, spec) => {
        const op = operation(coco, key);
        const statuses = ['200', ...spec.errors.map(String), ...(spec.notFound ? ['404'] : [])];
        expect(Object.keys(op.responses).sort()).toEqual(statuses.sort());
        expect(responseSchema(op, 200)).toEqual(ref(spec.ok));
        if (spec.notFound) expect(responseSchema(op, 404)).toEqual(ref(spec.notFound));
        for (const status of spec.errors) {
          expect(responseSchema(op, status)).toEqual(ref('CocoErrorBody'));
        }
        if (spec.body) {
          expect(op.requestBody?.content['application/json'].schema).toEqual(ref(spec.body));
        }
      },
    );

    it("describes the get body {_id, _source, found} with Coco's connector fields", () => {
      expect(shape(coco, 'CocoGetResponse')).toEqual({
        types: {
          _id: 'string',
          _version: 'number',
          _seq_no: 'number',
          _primary_term: 'number',
          _source: 'CocoConnector',
          found: 'boolean',
        },
        required: ['_id', 'found'],
      });
      // Coco's field table (seed 004), plus the id and timestamps every stored object has.
      expect(shape(coco, 'CocoConnector')).toEqual({
        types: {
          id: 'string',
          created: 'string:date-time',
          updated: 'string:date-time',
          name: 'string',
          description: 'string',
          category: 'string',
          icon: 'string',
          tags: 'string[]',
          url: 'string',
          path_hierarchy: 'boolean',
          assets: 'CocoAssets',
          builtin: 'boolean',
          config: 'object',
          oauth_connect_implemented: 'boolean',
          processor: 'CocoProcessor',
          enabled: 'boolean',
        },
        required: [
          'assets',
          'builtin',
          'created',
          'enabled',
          'id',
          'name',
          'oauth_connect_implemented',
          'path_hierarchy',
          'processor',
          'updated',
        ],
      });
      expect(coco.components.schemas.CocoAssets.properties!.icons).toMatchObject({
        type: 'object',
        additionalProperties: { type: 'string' },
      });
      expect(shape(coco, 'CocoProcessor')).toEqual({
        types: { enabled: 'boolean', name: 'string' },
        required: ['enabled'],
      });
    });

    it('describes the search body: hits.total {value, relation}, hits with _source, aggregations', () => {
      expect(shape(coco, 'CocoSearchResponse')).toEqual({
        types: {
          took: 'number',
          timed_out: 'boolean',
          _shards: 'CocoShards',
          hits: 'CocoHits',
          aggregations: 'object',
        },
        required: ['_shards', 'hits', 'timed_out', 'took'],
      });
      expect(shape(coco, 'CocoHits')).toEqual({
        types: { total: 'CocoTotal', max_score: 'number', hits: 'CocoSearchHit[]' },
        required: ['hits', 'max_score', 'total'],
      });
      expect(shape(coco, 'CocoTotal')).toEqual({
        types: { value: 'number', relation: 'string' },
        required: ['relation', 'value'],
      });
      expect(coco.components.schemas.CocoTotal.properties!.relation.enum).toEqual(['eq', 'gte']);
      expect(shape(coco, 'CocoSearchHit')).toEqual({
        types: {
          _index: 'string',
          _type: 'string',
          _id: 'string',
          _version: 'number',
          _seq_no: 'number',
          _primary_term: 'number',
          _score: 'number',
          _source: 'CocoConnector',
        },
        required: ['_id', '_index', '_score', '_type'],
      });
      expect(coco.components.schemas.CocoSearchResponse.properties!.aggregations).toEqual({
        type: 'object',
        additionalProperties: ref('CocoTermsResult'),
      });
      expect(shape(coco, 'CocoTermsResult')).toEqual({
        types: {
          doc_count_error_upper_bound: 'number',
          sum_other_doc_count: 'number',
          buckets: 'CocoBucket[]',
        },
        required: ['buckets', 'doc_count_error_upper_bound', 'sum_other_doc_count'],
      });
    });

    it('describes the create, result and error bodies', () => {
      expect(shape(coco, 'CocoCreatedResponse')).toEqual({
        types: {
          _id: 'string',
          result: 'string',
          _version: 'number',
          _seq_no: 'number',
          _primary_term: 'number',
        },
        required: ['_id', '_primary_term', '_seq_no', '_version', 'result'],
      });
      expect(shape(coco, 'CocoResultResponse')).toEqual({
        types: {
          _id: 'string',
          result: 'string',
          _version: 'number',
          _seq_no: 'number',
          _primary_term: 'number',
        },
        required: ['_id', 'result'],
      });
      expect(coco.components.schemas.CocoResultResponse.properties!.result.enum).toEqual([
        'updated',
        'deleted',
        'not_found',
      ]);
      expect(shape(coco, 'CocoErrorBody')).toEqual({
        types: { status: 'number', error: 'CocoErrorReason' },
        required: ['error', 'status'],
      });
      expect(shape(coco, 'CocoErrorReason')).toEqual({
        types: { reason: 'string' },
        required: ['reason'],
      });
      expect(coco.components.schemas.CreateCocoConnectorDto.required).toEqual(['name']);
      expect(coco.components.schemas.UpdateCocoConnectorDto.required ?? []).toEqual([]);
    });

    it('what the gateway answers validates against the document it serves', async () => {
      const tokenAuth = { 'X-API-TOKEN': (await t.newOrganization('oas-coco')).key };
      const created = await request(t.server)
        .post('/connector/')
        .set(tokenAuth)
        .send({
          name: 'Documented GitHub',
          description: 'Connects to GitHub repositories',
          category: 'version_control',
          icon: 'font_github',
          tags: ['github', 'code'],
          url: 'https://github.com',
          config: { token: 'ghp-documented', repos: ['infinilabs/coco-server'] },
          processor: { enabled: true, name: 'default' },
          assets: { icons: { default: 'https://example.com/github.png' } },
          enabled: true,
        });
      expect(created.status).toBe(200);
      expectDocumented(coco, 'post /connector', 200, created.body);
      const id = created.body._id as string;

      const one = await request(t.server).get(`/connector/${id}`).set(tokenAuth).expect(200);
      expect(one.body.found).toBe(true);
      expectDocumented(coco, 'get /connector/{id}', 200, one.body);
      const builtin = await request(t.server).get('/connector/github').set(tokenAuth).expect(200);
      expectDocumented(coco, 'get /connector/{id}', 200, builtin.body);

      const search = await request(t.server)
        .get('/connector/_search?size=100')
        .set(tokenAuth)
        .expect(200);
      expect(search.body.hits.total).toEqual({ value: BUILTIN_IDS.length + 1, relation: 'eq' });
      expectDocumented(coco, 'get /connector/_search', 200, search.body);
      const aggs = await request(t.server)
        .post('/connector/_search')
        .set(tokenAuth)
        .send({ aggs: { categories: { terms: { field: 'category', size: 100 } } }, size: 0 })
        .expect(200);
      expect(Object.keys(aggs.body.aggregations)).toEqual(['categories']);
      expectDocumented(coco, 'post /connector/_search', 200, aggs.body);

      const updated = await request(t.server)
        .put(`/connector/${id}`)
        .set(tokenAuth)
        .send({ description: 'Updated' })
        .expect(200);
      expectDocumented(coco, 'put /connector/{id}', 200, updated.body);

      const errors: Array<[string, number, request.Test]> = [
        ['post /connector', 400, request(t.server).post('/connector/').set(tokenAuth).send({})],
        ['post /connector', 401, request(t.server).post('/connector/').send({ name: 'x' })],
        [
          'post /connector',
          409,
          request(t.server).post('/connector/').set(tokenAuth).send({ id, name: 'again' }),
        ],
        [
          'get /connector/_search',
          400,
          request(t.server).get('/connector/_search?size=x').set(tokenAuth),
        ],
        ['get /connector/{id}', 404, request(t.server).get('/connector/nope').set(tokenAuth)],
        [
          'put /connector/{id}',
          404,
          request(t.server).put('/connector/nope').set(tokenAuth).send({ name: 'x' }),
        ],
        [
          'delete /connector/{id}',
          403,
          request(t.server).delete('/connector/github').set(tokenAuth),
        ],
        ['delete /connector/{id}', 404, request(t.server).delete('/connector/nope').set(tokenAuth)],
      ];
      for (const [key, status, pending] of errors) {
        const res = await pending;
        expect([key, res.status]).toEqual([key, status]);
        expectDocumented(coco, key, status, res.body);
      }

      const deleted = await request(t.server).delete(`/connector/${id}`).set(tokenAuth).expect(200);
      expectDocumented(coco, 'delete /connector/{id}', 200, deleted.body);
    });
  });

  describe('every document (/docs/<dialect>.json)', () => {
    const names = DIALECTS.map((d) => d.name);
    const served = async (name: string): Promise<string> => {
      const res = await request(t.server).get(`/docs/${name}.json`).expect(200);
      return res.text;
    };

    it('openapi/ holds one committed document per dialect, and nothing else', () => {
      const files = readdirSync(join(__dirname, '..', 'openapi')).sort();
      expect(files).toEqual(names.map((n) => `${n}.json`).sort());
    });

    it.each(names)(
      '%s: the served document is openapi/<dialect>.json, byte for byte',
      async (name) => {
        const text = canonicalJson(JSON.parse(await served(name)));
        const file = join(__dirname, '..', 'openapi', `${name}.json`);
        const committed = readFileSync(file, 'utf8');
        if (text !== committed) {
          throw new Error(
            `/docs/${name}.json differs from the committed openapi/${name}.json ` +
              `(first difference at ${firstDifference(JSON.parse(text), JSON.parse(committed))}): ` +
              'run `npm run openapi` and commit openapi/',
          );
        }
      },
    );

    it('`npm run openapi` writes what is served (built without a database)', async () => {
      const generated = await generateDocuments();
      expect([...generated.keys()].sort()).toEqual([...names].sort());
      for (const name of names) {
        expect([name, generated.get(name)]).toEqual([
          name,
          canonicalJson(JSON.parse(await served(name))),
        ]);
      }
    });

    it.each(names)(
      '%s: no property is an untyped object, and nullable ones keep their type',
      async (name) => {
        const doc = JSON.parse(await served(name)) as OpenApiDocument;
        const problems: string[] = [];
        for (const [schemaName, schema] of Object.entries(doc.components.schemas)) {
          for (const [key, p] of Object.entries(schema.properties ?? {})) {
            const where = `${schemaName}.${key}`;
            // `string | null` reflected by TypeScript is Object: an object with nothing declared.
            if (p.type === 'object' && !p.properties && !p.additionalProperties && !p.allOf) {
              problems.push(`${where}: type object with no properties`);
            }
            if (p.nullable && !p.type && !p.$ref) problems.push(`${where}: nullable with no type`);
            if (!p.type && !p.$ref && !p.allOf) problems.push(`${where}: no type`);
          }
        }
        expect(problems).toEqual([]);
      },
    );

    it.each(names)(
      '%s: API key as Bearer or X-API-TOKEN on every operation, no JWT claimed, readable ids',
      async (name) => {
        const doc = JSON.parse(await served(name)) as OpenApiDocument & {
          components: { securitySchemes: Record<string, Record<string, unknown>> };
        };
        expect(doc.components.securitySchemes).toEqual({
          bearer: { type: 'http', scheme: 'bearer', description: expect.any(String) },
          'X-API-TOKEN': {
            type: 'apiKey',
            in: 'header',
            name: 'X-API-TOKEN',
            description: expect.any(String),
          },
        });
        const ids: string[] = [];
        for (const [path, ops] of Object.entries(doc.paths)) {
          for (const [method, op] of Object.entries(ops)) {
            const { operationId, security } = op;
            // The connector types are public (no API key), like B3OS's own.
            const isPublic = path.startsWith('/generic/v1/connector-types');
            expect([method, path, security]).toEqual([
              method,
              path,
              isPublic ? undefined : [{ bearer: [] }, { 'X-API-TOKEN': [] }],
            ]);
            expect(operationId).toMatch(new RegExp(`^${name}_[a-z0-9]+(_[a-z0-9]+)*$`));
            ids.push(operationId ?? '');
          }
        }
        expect(new Set(ids).size).toBe(ids.length);
      },
    );

    it('names operations by dialect, resource and action, and the second mount by its kind', async () => {
      const ids = async (name: string) => {
        const doc = JSON.parse(await served(name)) as OpenApiDocument;
        return Object.fromEntries(
          Object.entries(doc.paths).flatMap(([path, ops]) =>
            Object.entries(ops).map(([method, op]) => [`${method} ${path}`, op.operationId]),
          ),
        );
      };
      expect(await ids('cohere')).toMatchObject({
        'get /v1/connectors': 'cohere_connectors_list',
        'get /cohere/v1/connectors': 'cohere_connectors_list_prefixed',
        'post /v1/connectors': 'cohere_connectors_create',
      });
      expect(await ids('coco')).toMatchObject({
        'post /connector': 'coco_connector_create',
        'post /coco/connector': 'coco_connector_create_prefixed',
        'get /connector/_search': 'coco_connector_search',
      });
      expect(await ids('generic')).toMatchObject({
        'put /generic/v1/connectors/{id}': 'generic_connectors_update',
        'put /v1/connectors/{id}': 'generic_connectors_update_root',
      });
    });
  });
});

/** Where two JSON values first differ, as a JSON pointer (`/paths/~1v1~1connectors/get`). */
function firstDifference(a: unknown, b: unknown, at = ''): string {
  if (a === b) return '';
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return at || '/';
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.join('\0') !== kb.join('\0')) {
    const missing = kb.filter((k) => !ka.includes(k));
    const extra = ka.filter((k) => !kb.includes(k));
    const moved = missing.length === 0 && extra.length === 0 ? ' (key order)' : '';
    const detail = [...extra.map((k) => `+${k}`), ...missing.map((k) => `-${k}`)].join(' ');
    return `${at || '/'} ${detail}${moved}`.trim();
  }
  for (const key of ka) {
    const pointer = `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const found = firstDifference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      pointer,
    );
    if (found) return found;
  }
  return '';
}
