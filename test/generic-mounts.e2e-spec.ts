import request from 'supertest';
import { startTestApp, type TestApp } from './app';

/**
 * The generic dialect's two mounts and the errors raised before any controller runs (malformed
 * JSON, a body over BODY_LIMIT, an unknown path): on /generic/... and on the root PUT they come out
 * in the generic envelope, while the other root /v1/connectors routes keep Cohere's shape.
 * The app runs with a 2 KiB body limit so that 413 is cheap to reach.
 */

const BASE = '/generic/v1/connectors';
const BODY_LIMIT = 2048;

describe('generic dialect mounts', () => {
  let t: TestApp;
  let auth: { Authorization: string };
  let connectorId: string;

  beforeAll(async () => {
    t = await startTestApp({ bodyLimit: BODY_LIMIT });
    const org = await t.newOrganization('mnt');
    auth = { Authorization: `Bearer ${org.key}` };
    const made = await request(t.server)
      .post(BASE)
      .set(auth)
      .send({ name: 'Mounted', type: 'slack', data: { channel: '#a' } })
      .expect(200);
    connectorId = made.body.data.id;
  });
  afterAll(() => t.close());

  const oversized = () => JSON.stringify({ name: 'x', data: { blob: 'a'.repeat(BODY_LIMIT) } });

  /** The generic error envelope with this status, its requestId the same as the header's. */
  function expectEnvelope(res: request.Response, status: number, requestId?: string) {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(res.body).sort()).toEqual(['code', 'details', 'message', 'requestId']);
    expect(res.body.code).toBe(status);
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
    if (requestId) expect(res.body.requestId).toBe(requestId);
  }

  describe('the root PUT /v1/connectors/:id', () => {
    it('answers malformed JSON with a 400 envelope naming the body', async () => {
      const res = await request(t.server)
        .put(`/v1/connectors/${connectorId}`)
        .set(auth)
        .set('Content-Type', 'application/json')
        .set('X-Request-Id', 'bad-json')
        .send('{"name": ');
      expectEnvelope(res, 400, 'bad-json');
      expect(res.body.details).toEqual([
        { field: 'body', reason: 'invalid request body: malformed JSON' },
      ]);
      expect(res.body.message).toBe('invalid request body: malformed JSON');
    });

    it('answers a body over the limit with a 413 envelope', async () => {
      const res = await request(t.server)
        .put(`/v1/connectors/${connectorId}`)
        .set(auth)
        .set('Content-Type', 'application/json')
        .set('X-Request-Id', 'too-big')
        .send(oversized());
      expectEnvelope(res, 413, 'too-big');
      expect(res.body).toStrictEqual({
        code: 413,
        details: [],
        message: 'request body is too large',
        requestId: 'too-big',
      });
    });

    it('answers a text body and a JSON array with a 400 envelope naming the body', async () => {
      const text = await request(t.server)
        .put(`/v1/connectors/${connectorId}`)
        .set(auth)
        .set('Content-Type', 'text/plain')
        .send('name=x');
      // Fastify parses text/plain to a string, which is not the object the route takes.
      expectEnvelope(text, 400);
      expect(text.body.details).toEqual([{ field: 'body', reason: expect.any(String) }]);
      const array = await request(t.server)
        .put(`/v1/connectors/${connectorId}`)
        .set(auth)
        .send([{ name: 'x' }]);
      expectEnvelope(array, 400);
      expect(array.body.details.length).toBeGreaterThan(0);
    });

    it('answers the same PUT as the /generic mount', async () => {
      const res = await request(t.server)
        .put(`/v1/connectors/${connectorId}`)
        .set(auth)
        .set('X-Request-Id', 'root-put')
        .send({ data: { topic: 'x' } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        code: 200,
        message: 'success',
        requestId: 'root-put',
        data: { id: connectorId, maskedData: { channel: '#a', topic: 'x' } },
      });
    });

    it('answers a root PUT without an id in the envelope too (404)', async () => {
      const res = await request(t.server).put('/v1/connectors').set(auth).send({});
      expectEnvelope(res, 404);
    });
  });

  describe('the /generic mount', () => {
    it('answers malformed JSON and an oversized body on POST in the envelope', async () => {
      const bad = await request(t.server)
        .post(BASE)
        .set(auth)
        .set('Content-Type', 'application/json')
        .send('{not json');
      expectEnvelope(bad, 400);
      expect(bad.body.details).toEqual([
        { field: 'body', reason: 'invalid request body: malformed JSON' },
      ]);
      const big = await request(t.server)
        .post(BASE)
        .set(auth)
        .set('Content-Type', 'application/json')
        .send(oversized());
      expectEnvelope(big, 413);
    });

    it('answers an unknown path or method under /generic with a 404 envelope', async () => {
      expectEnvelope(await request(t.server).get('/generic/v1/nothing').set(auth), 404);
      expectEnvelope(
        await request(t.server).patch(`${BASE}/${connectorId}`).set(auth).send({}),
        404,
      );
    });
  });

  describe('the other root /v1/connectors routes stay Cohere', () => {
    it('GET list, GET one and POST answer in Cohere shape', async () => {
      const list = await request(t.server).get('/v1/connectors').set(auth).expect(200);
      expect(Object.keys(list.body).sort()).toEqual(['connectors', 'total_count']);
      const one = await request(t.server).get(`/v1/connectors/${connectorId}`).set(auth);
      expect(one.status).toBe(200);
      expect(Object.keys(one.body)).toEqual(['connector']);
      const made = await request(t.server)
        .post('/v1/connectors')
        .set(auth)
        .send({ name: 'Cohere one', url: 'https://x.example.com/search' });
      expect(made.status).toBe(200);
      expect(made.body.connector.name).toBe('Cohere one');
    });

    it('malformed JSON and oversized bodies on POST and PATCH answer {"message"}', async () => {
      for (const method of ['post', 'patch'] as const) {
        const path = method === 'post' ? '/v1/connectors' : `/v1/connectors/${connectorId}`;
        const bad = await request(t.server)
          [method](path)
          .set(auth)
          .set('Content-Type', 'application/json')
          .send('{"name": ');
        expect(bad.status).toBe(400);
        expect(bad.body).toStrictEqual({ message: 'invalid request body: malformed JSON' });
        const big = await request(t.server)
          [method](path)
          .set(auth)
          .set('Content-Type', 'application/json')
          .send(oversized());
        expect(big.status).toBe(413);
        expect(big.body).toStrictEqual({ message: 'request body is too large' });
      }
    });

    it('PATCH and DELETE of an unknown id answer Cohere 404s', async () => {
      const patch = await request(t.server).patch('/v1/connectors/nope').set(auth).send({});
      expect(patch.status).toBe(404);
      expect(patch.body).toStrictEqual({ message: "connector 'nope' not found" });
      const del = await request(t.server).delete('/v1/connectors/nope').set(auth);
      expect(del.status).toBe(404);
      expect(del.body).toStrictEqual({ message: "connector 'nope' not found" });
      const noKey = await request(t.server).get('/v1/connectors');
      expect(noKey.status).toBe(401);
      expect(noKey.body).toStrictEqual({ message: 'no api key supplied' });
    });
  });

  describe('OpenAPI', () => {
    it('describes both mounts and the success and error envelopes at /docs/generic.json', async () => {
      const doc = (await request(t.server).get('/docs/generic.json').expect(200)).body;
      expect(Object.keys(doc.paths).sort()).toEqual(
        [
          '/generic/v1/connectors',
          '/generic/v1/connectors/{id}',
          '/generic/v1/connectors/{id}/search',
          '/generic/v1/connectors/{id}/oauth/authorize',
          '/generic/v1/connectors/{id}/oauth',
          '/generic/v1/connectors/{id}/history',
          '/generic/v1/audit',
          '/v1/connectors/{id}',
          '/generic/v1/connector-types',
          '/generic/v1/connector-types/{type}',
        ].sort(),
      );
      const search = doc.paths['/generic/v1/connectors/{id}/search'].post;
      expect(search.responses['200'].content['application/json'].schema).toEqual({
        $ref: '#/components/schemas/GenericSearchEnvelope',
      });
      for (const status of ['400', '401', '404', '502']) {
        expect(search.responses[status].content['application/json'].schema).toEqual({
          $ref: '#/components/schemas/GenericErrorEnvelope',
        });
      }
      expect(Object.keys(doc.paths['/generic/v1/connectors']).sort()).toEqual(['get', 'post']);
      expect(Object.keys(doc.paths['/generic/v1/connectors/{id}']).sort()).toEqual([
        'delete',
        'get',
        'put',
      ]);
      expect(Object.keys(doc.paths['/v1/connectors/{id}'])).toEqual(['put']);

      const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
      const put = doc.paths['/v1/connectors/{id}'].put;
      expect(put.responses['200'].content['application/json'].schema).toEqual(
        ref('GenericConnectorEnvelope'),
      );
      for (const status of ['400', '401', '404', '413', '415', '429']) {
        expect(put.responses[status].content['application/json'].schema).toEqual(
          ref('GenericErrorEnvelope'),
        );
      }
      expect(put.requestBody.content['application/json'].schema).toEqual(
        ref('UpdateGenericConnectorDto'),
      );
      const list = doc.paths['/generic/v1/connectors'].get;
      expect(list.responses['200'].content['application/json'].schema).toEqual(
        ref('GenericConnectorListEnvelope'),
      );
      const del = doc.paths['/generic/v1/connectors/{id}'].delete;
      expect(del.responses['200'].content['application/json'].schema).toEqual(
        ref('GenericDeleteEnvelope'),
      );
      expect(del.responses['403'].content['application/json'].schema).toEqual(
        ref('GenericErrorEnvelope'),
      );

      const schemas = doc.components.schemas;
      const props = (name: string) => Object.keys(schemas[name].properties).sort();
      expect(props('GenericConnectorEnvelope')).toEqual(['code', 'data', 'message', 'requestId']);
      expect(schemas.GenericConnectorEnvelope.properties.data).toEqual(ref('GenericConnector'));
      expect(props('GenericConnectorListEnvelope')).toEqual([
        'code',
        'data',
        'message',
        'requestId',
      ]);
      expect(props('GenericConnectorPage')).toEqual(['hasMore', 'items', 'limit', 'offset']);
      expect(props('GenericDeleteEnvelope')).toEqual(['code', 'message', 'requestId']);
      expect(props('GenericErrorEnvelope')).toEqual(['code', 'details', 'message', 'requestId']);
      expect(schemas.GenericErrorEnvelope.properties.details).toMatchObject({
        type: 'array',
        items: ref('GenericErrorDetail'),
      });
      expect(props('GenericErrorDetail')).toEqual(['field', 'reason']);
      const authorize = doc.paths['/generic/v1/connectors/{id}/oauth/authorize'].post;
      expect(authorize.responses['200'].content['application/json'].schema).toEqual(
        ref('GenericOAuthAuthorizeEnvelope'),
      );
      expect(props('GenericOAuthRedirect')).toEqual(['redirectUrl']);
      const disconnect = doc.paths['/generic/v1/connectors/{id}/oauth'].delete;
      expect(disconnect.responses['200'].content['application/json'].schema).toEqual(
        ref('GenericDeleteEnvelope'),
      );
      expect(props('GenericConnector')).toEqual([
        'authStatus',
        'createdAt',
        'createdBy',
        'description',
        'id',
        'maskedData',
        'name',
        'organizationId',
        'provider',
        'type',
        'updatedAt',
        'updatedBy',
        'version',
      ]);
      expect(props('CreateGenericConnectorDto')).toEqual([
        'data',
        'description',
        'name',
        'provider',
        'type',
      ]);
      expect([...schemas.CreateGenericConnectorDto.required].sort()).toEqual([
        'data',
        'name',
        'type',
      ]);
      expect(props('UpdateGenericConnectorDto')).toEqual([
        'data',
        'description',
        'name',
        'version',
      ]);
      expect(schemas.UpdateGenericConnectorDto.required ?? []).toEqual([]);

      const cohere = (await request(t.server).get('/docs/cohere.json').expect(200)).body;
      expect(cohere.paths['/v1/connectors/{id}'].put).toBeUndefined();
    });
  });
});
