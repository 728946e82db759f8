import request from 'supertest';
import { ConnectorsService } from '../src/connectors/connectors.service';
import { startTestApp, type TestApp } from './app';
import { cohereClient, createConnector } from './cohere-client';
import {
  expectNoClearSecrets,
  recordResponses,
  type ResponseRecorder,
  SecretWatch,
} from './secrets';

interface Hit {
  _id: string;
  _source: Record<string, unknown>;
}

/** One store, two dialects: what Cohere writes Coco reads, and Coco's writes keep Cohere's fields. */
describe('Coco and Cohere over the same store', () => {
  let t: TestApp;
  let responses: ResponseRecorder;
  const secrets = new SecretWatch();

  beforeAll(async () => {
    t = await startTestApp();
    responses = recordResponses(t.server);
  });
  afterAll(async () => {
    try {
      responses.stop();
    } finally {
      await t.close();
    }
  });

  async function setup() {
    const o = await t.newOrganization('cross');
    const cohere = cohereClient(t.server, o.key);
    const coco = {
      get: (id: string) => request(t.server).get(`/connector/${id}`).set('X-API-TOKEN', o.key),
      put: (id: string, body: object, query = '') =>
        request(t.server).put(`/connector/${id}${query}`).set('X-API-TOKEN', o.key).send(body),
      search: (query: string) =>
        request(t.server).get(`/connector/_search${query}`).set('X-API-TOKEN', o.key),
    };
    const token = secrets.make('service-token');
    const created = await createConnector(cohere, {
      name: 'Zephyr Knowledge Search',
      description: 'Searches the zephyr knowledge base',
      url: 'https://zephyr.example.com/search',
      excludes: ['title', 'body.raw'],
      continue_on_failure: true,
      active: false,
      service_auth: { type: 'bearer', token },
    });
    const open = () =>
      t.app
        .get(ConnectorsService)
        .openSecrets({ organizationId: o.organizationId, apiKeyId: o.keyId }, created.id);
    return { o, cohere, coco, created, token, open };
  }

  it('a connector created through Cohere is found by Coco search and read by Coco get', async () => {
    const { coco, created } = await setup();
    const found = await coco.search('?query=zeph').expect(200);
    expect(found.body.hits.total).toEqual({ value: 1, relation: 'eq' });
    const hit = (found.body.hits.hits as Hit[])[0];
    expect(hit._id).toBe(created.id);
    expect(hit._source).toMatchObject({ id: created.id, name: 'Zephyr Knowledge Search' });
    expect((await coco.search('?filter=enabled:false').expect(200)).body.hits.hits).toHaveLength(1);

    const got = await coco.get(created.id).expect(200);
    // Only Coco's fields: nothing of Cohere's (excludes, service_auth, continue_on_failure) shows.
    expect(got.body).toStrictEqual({
      _id: created.id,
      _version: 1,
      _seq_no: 0,
      _primary_term: 1,
      found: true,
      _source: {
        id: created.id,
        created: created.created_at,
        updated: created.updated_at,
        name: 'Zephyr Knowledge Search',
        description: 'Searches the zephyr knowledge base',
        url: 'https://zephyr.example.com/search',
        path_hierarchy: false,
        assets: {},
        builtin: false,
        oauth_connect_implemented: false,
        processor: { enabled: false },
        enabled: false,
      },
    });
  });

  it.each([
    ['merge', ''],
    ['replace', '?replace=true'],
  ])('a Coco PUT (%s) leaves the Cohere-only fields as Cohere reads them', async (_mode, query) => {
    const { cohere, coco, created, token, open } = await setup();
    const before = (await cohere.get(created.id).expect(200)).body.connector;
    await coco
      .put(
        created.id,
        {
          name: 'Zephyr (Coco)',
          config: { index: 'kb' },
          tags: ['kb'],
          processor: { enabled: true, name: 'zephyr' },
          enabled: true,
        },
        query,
      )
      .expect(200);
    const after = (await cohere.get(created.id).expect(200)).body.connector;
    expect(after).toEqual({
      ...before,
      name: 'Zephyr (Coco)',
      // replace clears what Coco shows and was not sent (description, url); merge keeps them
      ...(query ? { description: undefined, url: undefined } : {}),
      active: true,
      updated_at: expect.any(String),
    });
    expect(after).toMatchObject({
      excludes: ['title', 'body.raw'],
      continue_on_failure: true,
      auth_type: 'service_auth',
    });
    if (query) {
      expect(after).not.toHaveProperty('description');
      expect(after).not.toHaveProperty('url');
    }
    expect(Date.parse(after.updated_at)).toBeGreaterThan(Date.parse(before.updated_at));
    expect((await open()).serviceAuthToken).toBe(token);
    expect((await coco.get(created.id).expect(200)).body._source).toMatchObject({
      name: 'Zephyr (Coco)',
      config: { index: 'kb' },
      tags: ['kb'],
      processor: { enabled: true, name: 'zephyr' },
      enabled: true,
    });
  });

  it('a connector created through Coco is read by Cohere, and Cohere PATCHes keep its Coco fields', async () => {
    const { o, cohere, coco } = await setup();
    const res = await request(t.server)
      .post('/connector/')
      .set('X-API-TOKEN', o.key)
      .send({
        id: 'from-coco',
        name: 'From Coco',
        url: 'https://coco.example.com/search',
        category: 'website',
        config: { token: secrets.make('coco-token') },
        enabled: true,
      })
      .expect(200);
    expect(res.body).toEqual({
      _id: 'from-coco',
      result: 'created',
      _version: 1,
      _seq_no: 0,
      _primary_term: 1,
    });
    const read = (await cohere.get('from-coco').expect(200)).body.connector;
    expect(read).toMatchObject({ id: 'from-coco', name: 'From Coco', active: true });
    await cohere.update('from-coco', { description: 'patched by Cohere' }).expect(200);
    expect((await coco.get('from-coco').expect(200)).body._source).toMatchObject({
      description: 'patched by Cohere',
      category: 'website',
      config: { token: '******' },
    });
  });

  // Last, so it sees every response of the suite; a named test, so a leak fails by name.
  it('sent no clear secret back in any response of this suite', () => {
    expect(secrets.values.length).toBeGreaterThan(0);
    expectNoClearSecrets(responses.bodies, secrets.values);
  });
});
