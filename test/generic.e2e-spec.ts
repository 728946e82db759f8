import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { ApiKeysService } from '../src/auth/api-keys.service';
import { ConnectorsService, sealContext } from '../src/connectors/connectors.service';
import { SecretCipher } from '../src/secrets/cipher';
import { BUILTIN_IDS, startTestApp, type TestApp } from './app';

/**
 * The generic envelope dialect (seed 003, DIALECTS.md §3) through the real HTTP stack and a real
 * PostgreSQL: every route's shape field by field, its errors, paging, data merging with masked
 * secrets, organization isolation, and connectors shared with the Cohere dialect.
 */

const BASE = '/generic/v1/connectors';
const CONNECTOR_FIELDS = [
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
];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Org = { organizationId: string; key: string; keyId: string };

const bearer = (org: Org) => ({ Authorization: `Bearer ${org.key}` });
const secret = (label: string) => `${label}-${randomBytes(10).toString('hex')}`;

describe('generic dialect', () => {
  let t: TestApp;
  /** Every clear secret sent in this file: none may come back in any response body. */
  const sentSecrets: string[] = [];
  const bodies: string[] = [];
  const record = (res: request.Response) => {
    bodies.push(res.text);
    return res;
  };
  const newSecret = (label: string) => {
    const value = secret(label);
    sentSecrets.push(value);
    return value;
  };

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** The sealed leaf stored at `path` of the raw row's config, and its clear value. */
  async function storedSecret(org: Org, id: string, path: string[]) {
    const [row] = await t.sql<{ config: Record<string, unknown> }>(
      'SELECT config FROM connectors WHERE organization_id = $1 AND id = $2',
      [org.organizationId, id],
    );
    let node: unknown = row.config;
    for (const key of path) node = (node as Record<string, unknown>)[key];
    if (!SecretCipher.isSealed(node)) throw new Error(`${path.join('.')} is not sealed in the row`);
    const sealed = node;
    const clear = JSON.parse(
      t.cipher.open(sealed, `${sealContext(org.organizationId, id)}#config`),
    ) as unknown;
    return { sealed, clear };
  }

  async function create(org: Org, body: object, requestId?: string) {
    const req = request(t.server).post(BASE).set(bearer(org));
    if (requestId) void req.set('X-Request-Id', requestId);
    return record(await req.send(body));
  }

  describe('POST', () => {
    it('creates a connector and answers 200 with the envelope, field by field', async () => {
      const org = await t.newOrganization('gen');
      const botToken = newSecret('xoxb');
      const apiKey = newSecret('apikey');
      const password = newSecret('pw');
      const before = Date.now();
      const res = await create(
        org,
        {
          name: 'Team Slack',
          type: 'slack',
          data: {
            channel: '#alerts',
            bot_token: botToken,
            nested: { api_key: apiKey, region: 'eu' },
            hosts: [{ host: 'a.example.com', password }, 'plain'],
            retries: 3,
            enabled: true,
            nothing: null,
          },
        },
        'create-req-1',
      );
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['x-request-id']).toBe('create-req-1');
      expect(Object.keys(res.body).sort()).toEqual(['code', 'data', 'message', 'requestId']);
      expect(res.body.code).toBe(200);
      expect(res.body.message).toBe('success');
      expect(res.body.requestId).toBe('create-req-1');
      const c = res.body.data;
      expect(Object.keys(c).sort()).toEqual(CONNECTOR_FIELDS);
      expect(c.id).toMatch(/^team-slack-[a-z0-9]{6}$/);
      expect(c.name).toBe('Team Slack');
      expect(c.description).toBe('');
      expect(c.type).toBe('slack');
      expect(c.provider).toBe('');
      expect(c.organizationId).toBe(org.organizationId);
      expect(c.createdAt).toMatch(ISO);
      expect(Date.parse(c.createdAt)).toBeGreaterThanOrEqual(before - 1000);
      expect(c.updatedAt).toBe(c.createdAt);
      expect(c.createdBy).toBe(org.keyId);
      expect(c.updatedBy).toBe(org.keyId);
      expect(c.createdBy).toMatch(/^key_[0-9a-f]{16}$/);
      expect(c.maskedData).toStrictEqual({
        channel: '#alerts',
        bot_token: '******',
        nested: { api_key: '******', region: 'eu' },
        hosts: [{ host: 'a.example.com', password: '******' }, 'plain'],
        retries: 3,
        enabled: true,
        nothing: null,
      });
      expect(res.text).not.toContain(org.key);

      // Stored sealed, opened back to what was sent.
      expect((await storedSecret(org, c.id, ['bot_token'])).clear).toBe(botToken);
      expect((await storedSecret(org, c.id, ['nested', 'api_key'])).clear).toBe(apiKey);
      const opened = await t.app
        .get(ConnectorsService)
        .openSecrets({ organizationId: org.organizationId, apiKeyId: org.keyId }, c.id);
      expect(opened.config).toStrictEqual({
        channel: '#alerts',
        bot_token: botToken,
        nested: { api_key: apiKey, region: 'eu' },
        hosts: [{ host: 'a.example.com', password }, 'plain'],
        retries: 3,
        enabled: true,
        nothing: null,
      });
    });

    it('takes an optional description and provider', async () => {
      const org = await t.newOrganization('gen');
      const res = await create(org, {
        name: 'Repo bot',
        type: 'github',
        data: {},
        description: 'Issues of the main repo',
        provider: 'pipedream',
      });
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({
        name: 'Repo bot',
        type: 'github',
        description: 'Issues of the main repo',
        provider: 'pipedream',
        maskedData: {},
      });
    });

    it('makes a request id when none (or an unsafe one) is sent, the same in body and header', async () => {
      const org = await t.newOrganization('gen');
      const made = await create(org, { name: 'a', type: 'slack', data: {} });
      expect(made.body.requestId).toMatch(UUID);
      expect(made.headers['x-request-id']).toBe(made.body.requestId);
      const unsafe = await create(org, { name: 'b', type: 'slack', data: {} }, 'has space');
      expect(unsafe.body.requestId).toMatch(UUID);
      expect(unsafe.headers['x-request-id']).toBe(unsafe.body.requestId);
    });

    it('refuses missing fields, one details entry each', async () => {
      const org = await t.newOrganization('gen');
      const res = await create(org, {}, 'bad-create');
      expect(res.status).toBe(400);
      expect(res.headers['x-request-id']).toBe('bad-create');
      expect(Object.keys(res.body).sort()).toEqual(['code', 'details', 'message', 'requestId']);
      expect(res.body.code).toBe(400);
      expect(res.body.requestId).toBe('bad-create');
      expect(typeof res.body.message).toBe('string');
      expect(res.body.details).toHaveLength(3);
      expect(res.body.details).toEqual(
        expect.arrayContaining([
          { field: 'name', reason: 'is required' },
          { field: 'type', reason: 'is required' },
          { field: 'data', reason: 'is required' },
        ]),
      );
      expect(res.body.message).toBe(
        res.body.details
          .map((d: { field: string; reason: string }) => `${d.field}: ${d.reason}`)
          .join('; '),
      );
    });

    it('refuses wrong types and unknown fields', async () => {
      const org = await t.newOrganization('gen');
      const res = await create(org, {
        name: 5,
        type: 'slack',
        data: ['not', 'an', 'object'],
        description: 7,
        colour: 'red',
      });
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual(
        expect.arrayContaining([
          { field: 'name', reason: 'must be a string' },
          { field: 'data', reason: 'must be an object' },
          { field: 'description', reason: 'must be a string' },
          { field: 'colour', reason: 'is not a known field' },
        ]),
      );
      expect(res.body.details).toHaveLength(4);
    });

    it('refuses a type that is not a slug, and a data object nested too deep (domain rules)', async () => {
      const org = await t.newOrganization('gen');
      const bad = await create(org, { name: 'x', type: 'Not A Slug', data: {} });
      expect(bad.status).toBe(400);
      expect(bad.body).toStrictEqual({
        code: 400,
        details: [
          { field: 'type', reason: 'must be a lowercase slug such as "slack" or "telegram-bot"' },
        ],
        message: 'type: must be a lowercase slug such as "slack" or "telegram-bot"',
        requestId: bad.headers['x-request-id'],
      });
      let deep: Record<string, unknown> = {};
      const root = deep;
      for (let i = 0; i < 40; i++) deep = deep.next = {};
      const tooDeep = await create(org, { name: 'x', type: 'slack', data: root });
      expect(tooDeep.status).toBe(400);
      expect(tooDeep.body.details).toEqual([
        { field: 'data', reason: 'must not be nested deeper than 32 levels' },
      ]);
    });

    it('refuses a masked secret with nothing stored behind it', async () => {
      const org = await t.newOrganization('gen');
      const res = await create(org, { name: 'x', type: 'slack', data: { bot_token: '******' } });
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([
        {
          field: 'data.bot_token',
          reason: 'is a masked value, but no secret is stored to keep',
        },
      ]);
    });
  });

  describe('GET /:id', () => {
    it('answers the connector in the envelope, echoing X-Request-Id', async () => {
      const org = await t.newOrganization('gen');
      const token = newSecret('tok');
      const created = (await create(org, { name: 'Bot', type: 'telegram-bot', data: { token } }))
        .body.data;
      const res = record(
        await request(t.server)
          .get(`${BASE}/${created.id}`)
          .set(bearer(org))
          .set('X-Request-Id', 'get-req-7'),
      );
      expect(res.status).toBe(200);
      expect(res.headers['x-request-id']).toBe('get-req-7');
      expect(res.body).toStrictEqual({
        code: 200,
        data: created,
        message: 'success',
        requestId: 'get-req-7',
      });
      expect(res.body.data.maskedData).toStrictEqual({ token: '******' });
    });

    it('shows built-ins with their slug type and the system as author', async () => {
      const org = await t.newOrganization('gen');
      const res = record(
        await request(t.server).get(`${BASE}/google_drive`).set(bearer(org)).expect(200),
      );
      expect(res.body.data).toMatchObject({
        id: 'google_drive',
        name: 'Google Drive',
        type: 'google-drive',
        provider: '',
        createdBy: 'system',
        updatedBy: 'system',
        maskedData: {},
        organizationId: org.organizationId,
      });
    });

    it('answers 404 in the error envelope for an unknown id', async () => {
      const org = await t.newOrganization('gen');
      const res = record(
        await request(t.server)
          .get(`${BASE}/no-such-thing`)
          .set(bearer(org))
          .set('X-Request-Id', 'r404'),
      );
      expect(res.status).toBe(404);
      expect(res.body).toStrictEqual({
        code: 404,
        details: [],
        message: "connector 'no-such-thing' not found",
        requestId: 'r404',
      });
      expect(res.headers['x-request-id']).toBe('r404');
    });
  });

  describe('authentication', () => {
    it('answers 401 in the envelope without a key, with an unknown key, on every route', async () => {
      const routes: Array<[string, string]> = [
        ['get', BASE],
        ['post', BASE],
        ['get', `${BASE}/github`],
        ['put', `${BASE}/github`],
        ['delete', `${BASE}/github`],
        ['put', '/v1/connectors/github'],
      ];
      for (const [method, path] of routes) {
        const call = (request(t.server) as unknown as Record<string, (p: string) => request.Test>)[
          method
        ](path);
        const missing = await call.set('X-Request-Id', `auth-${method}`).send({});
        expect(missing.status).toBe(401);
        expect(missing.body).toStrictEqual({
          code: 401,
          details: [],
          message: 'no api key supplied',
          requestId: `auth-${method}`,
        });
        const wrong = await (
          request(t.server) as unknown as Record<string, (p: string) => request.Test>
        )
          [method](path)
          .set('Authorization', 'Bearer gw_not-a-real-key-at-all')
          .send({});
        expect(wrong.status).toBe(401);
        expect(wrong.body).toMatchObject({ code: 401, details: [], message: 'invalid api token' });
        expect(wrong.body.requestId).toBe(wrong.headers['x-request-id']);
      }
    });
  });

  describe('PUT /:id', () => {
    async function setup() {
      const org = await t.newOrganization('gen');
      const botToken = newSecret('xoxb');
      const apiKey = newSecret('apikey');
      const created = (
        await create(org, {
          name: 'Team Slack',
          type: 'slack',
          description: 'first',
          data: {
            channel: '#a',
            bot_token: botToken,
            nested: { api_key: apiKey, region: 'eu' },
            list: [1, 2],
          },
        })
      ).body.data;
      return { org, botToken, apiKey, created };
    }

    for (const mount of [BASE, '/v1/connectors']) {
      it(`merges data key by key and keeps secrets sent back masked (${mount})`, async () => {
        const { org, botToken, apiKey, created } = await setup();
        const storedToken = await storedSecret(org, created.id, ['bot_token']);
        const storedKey = await storedSecret(org, created.id, ['nested', 'api_key']);
        const second = await t.app.get(ApiKeysService).issue(org.organizationId, 'second');

        const res = record(
          await request(t.server)
            .put(`${mount}/${created.id}`)
            .set('Authorization', `Bearer ${second.key}`)
            .set('X-Request-Id', 'put-req')
            .send({
              data: { channel: '#b', bot_token: '******', nested: { region: 'us' }, extra: 'x' },
            }),
        );
        expect(res.status).toBe(200);
        expect(res.headers['x-request-id']).toBe('put-req');
        expect(Object.keys(res.body).sort()).toEqual(['code', 'data', 'message', 'requestId']);
        expect(res.body.code).toBe(200);
        expect(res.body.message).toBe('success');
        expect(res.body.requestId).toBe('put-req');
        const c = res.body.data;
        expect(Object.keys(c).sort()).toEqual(CONNECTOR_FIELDS);
        expect(c).toMatchObject({
          id: created.id,
          name: 'Team Slack',
          description: 'first',
          type: 'slack',
          provider: '',
          organizationId: org.organizationId,
          createdAt: created.createdAt,
          createdBy: org.keyId,
          updatedBy: second.id,
        });
        expect(Date.parse(c.updatedAt)).toBeGreaterThan(Date.parse(created.updatedAt));
        expect(c.maskedData).toStrictEqual({
          channel: '#b',
          bot_token: '******',
          nested: { api_key: '******', region: 'us' },
          list: [1, 2],
          extra: 'x',
        });

        // The stored secrets are the very same sealed values, and open to what was first sent.
        const afterToken = await storedSecret(org, created.id, ['bot_token']);
        const afterKey = await storedSecret(org, created.id, ['nested', 'api_key']);
        expect(afterToken).toStrictEqual(storedToken);
        expect(afterToken.clear).toBe(botToken);
        expect(afterKey).toStrictEqual(storedKey);
        expect(afterKey.clear).toBe(apiKey);

        // And a GET shows what the PUT answered.
        const got = await request(t.server).get(`${BASE}/${created.id}`).set(bearer(org));
        expect(got.body.data).toStrictEqual(c);
      });
    }

    it('replaces a secret sent with a new value', async () => {
      const { org, apiKey, created } = await setup();
      const before = await storedSecret(org, created.id, ['bot_token']);
      const replacement = newSecret('xoxb-new');
      const res = record(
        await request(t.server)
          .put(`/v1/connectors/${created.id}`)
          .set(bearer(org))
          .send({ data: { bot_token: replacement } }),
      );
      expect(res.status).toBe(200);
      expect(res.body.data.maskedData.bot_token).toBe('******');
      const after = await storedSecret(org, created.id, ['bot_token']);
      expect(after.sealed).not.toBe(before.sealed);
      expect(after.clear).toBe(replacement);
      const opened = await t.app
        .get(ConnectorsService)
        .openSecrets({ organizationId: org.organizationId, apiKeyId: org.keyId }, created.id);
      expect(opened.config).toStrictEqual({
        channel: '#a',
        bot_token: replacement,
        nested: { api_key: apiKey, region: 'eu' },
        list: [1, 2],
      });
    });

    it('changes name and description without touching data; null clears the description', async () => {
      const { org, created } = await setup();
      const renamed = record(
        await request(t.server)
          .put(`${BASE}/${created.id}`)
          .set(bearer(org))
          .send({ name: 'Renamed', description: 'second' }),
      );
      expect(renamed.status).toBe(200);
      expect(renamed.body.data).toMatchObject({
        name: 'Renamed',
        description: 'second',
        maskedData: created.maskedData,
      });
      const cleared = await request(t.server)
        .put(`${BASE}/${created.id}`)
        .set(bearer(org))
        .send({ description: null });
      expect(cleared.status).toBe(200);
      expect(cleared.body.data).toMatchObject({ name: 'Renamed', description: '' });
      const [row] = await t.sql<{ description: string | null }>(
        'SELECT description FROM connectors WHERE organization_id = $1 AND id = $2',
        [org.organizationId, created.id],
      );
      expect(row.description).toBeNull();
    });

    it('accepts the empty body of the seed example and changes nothing but updatedAt and version', async () => {
      const { org, created } = await setup();
      const res = record(
        await request(t.server).put(`/v1/connectors/${created.id}`).set(bearer(org)).send({}),
      );
      expect(res.status).toBe(200);
      const { updatedAt, version, ...rest } = res.body.data;
      const { updatedAt: was, version: wasVersion, ...before } = created;
      expect(rest).toStrictEqual(before);
      expect(Date.parse(updatedAt)).toBeGreaterThan(Date.parse(was));
      expect(version).toBe(wasVersion + 1);
    });

    it('answers 400 with one details entry per invalid field, on both mounts', async () => {
      const { org, created } = await setup();
      for (const mount of [BASE, '/v1/connectors']) {
        const res = record(
          await request(t.server)
            .put(`${mount}/${created.id}`)
            .set(bearer(org))
            .set('X-Request-Id', 'bad-put')
            .send({ name: null, data: 'text', type: 'github', description: 3 }),
        );
        expect(res.status).toBe(400);
        expect(res.body.code).toBe(400);
        expect(res.body.requestId).toBe('bad-put');
        expect(res.body.details).toEqual(
          expect.arrayContaining([
            { field: 'name', reason: 'must be a string' },
            { field: 'data', reason: 'must be an object' },
            { field: 'description', reason: 'must be a string' },
            { field: 'type', reason: 'is not a known field' },
          ]),
        );
        expect(res.body.details).toHaveLength(4);
      }
      const blank = await request(t.server)
        .put(`${BASE}/${created.id}`)
        .set(bearer(org))
        .send({ name: '' });
      expect(blank.status).toBe(400);
      expect(blank.body.details).toEqual([{ field: 'name', reason: 'should not be empty' }]);
    });

    it('refuses a mask where nothing is stored (400, the stored data unchanged)', async () => {
      const { org, created } = await setup();
      const res = record(
        await request(t.server)
          .put(`/v1/connectors/${created.id}`)
          .set(bearer(org))
          .send({ data: { channel: '#c', nested: { password: '******' } } }),
      );
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([
        {
          field: 'data.nested.password',
          reason: 'is a masked value, but no secret is stored to keep',
        },
      ]);
      const got = await request(t.server).get(`${BASE}/${created.id}`).set(bearer(org));
      expect(got.body.data.maskedData.channel).toBe('#a');
    });

    it('answers 404 for an unknown id on both mounts', async () => {
      const org = await t.newOrganization('gen');
      for (const mount of [BASE, '/v1/connectors']) {
        const res = record(
          await request(t.server).put(`${mount}/missing-one`).set(bearer(org)).send({ name: 'x' }),
        );
        expect(res.status).toBe(404);
        expect(res.body).toStrictEqual({
          code: 404,
          details: [],
          message: "connector 'missing-one' not found",
          requestId: res.headers['x-request-id'],
        });
      }
    });
  });

  describe('DELETE /:id', () => {
    it('answers the envelope without data, then the connector is gone', async () => {
      const org = await t.newOrganization('gen');
      const created = (await create(org, { name: 'Gone', type: 'slack', data: {} })).body.data;
      const res = record(
        await request(t.server)
          .delete(`${BASE}/${created.id}`)
          .set(bearer(org))
          .set('X-Request-Id', 'del-1'),
      );
      expect(res.status).toBe(200);
      expect(res.body).toStrictEqual({ code: 200, message: 'success', requestId: 'del-1' });
      expect(res.headers['x-request-id']).toBe('del-1');
      await request(t.server).get(`${BASE}/${created.id}`).set(bearer(org)).expect(404);
      const again = await request(t.server).delete(`${BASE}/${created.id}`).set(bearer(org));
      expect(again.status).toBe(404);
      expect(again.body).toMatchObject({ code: 404, details: [] });
    });

    it('refuses to delete a built-in connector with 403', async () => {
      const org = await t.newOrganization('gen');
      const res = record(
        await request(t.server).delete(`${BASE}/github`).set(bearer(org)).set('X-Request-Id', 'b'),
      );
      expect(res.status).toBe(403);
      expect(res.body).toStrictEqual({
        code: 403,
        details: [],
        message: 'builtin connector cannot be deleted',
        requestId: 'b',
      });
      await request(t.server).get(`${BASE}/github`).set(bearer(org)).expect(200);
    });
  });

  describe('GET list', () => {
    let org: Org;
    /** Ids created through the dialect, oldest first. */
    const ids: string[] = [];

    beforeAll(async () => {
      org = await t.newOrganization('page');
      for (let i = 0; i < 45; i++) {
        const res = await create(org, { name: `Conn ${i}`, type: 'slack', data: { n: i } });
        expect(res.status).toBe(200);
        ids.push(res.body.data.id);
      }
      // A built-in is listed once a key has changed it: every one is changed here.
      for (const id of BUILTIN_IDS) {
        await request(t.server)
          .put(`${BASE}/${id}`)
          .set(bearer(org))
          .send({ description: `ours: ${id}` })
          .expect(200);
      }
    });

    it('hides the built-ins of a new organization until a key changes one, with hasMore and GET consistent', async () => {
      const fresh = await t.newOrganization('hidden');
      const list = async (query: Record<string, number> = {}) =>
        (await request(t.server).get(BASE).query(query).set(bearer(fresh)).expect(200)).body.data;
      expect(await list()).toStrictEqual({ items: [], limit: 20, offset: 0, hasMore: false });
      // Get by id, update and the refused delete are as before.
      for (const id of BUILTIN_IDS) {
        await request(t.server).get(`${BASE}/${id}`).set(bearer(fresh)).expect(200);
      }
      await request(t.server).delete(`${BASE}/s3`).set(bearer(fresh)).expect(403);
      const own = (await create(fresh, { name: 'Own', type: 'slack', data: {} })).body.data;
      expect((await list()).items.map((c: { id: string }) => c.id)).toEqual([own.id]);

      const updated = (
        await request(t.server)
          .put(`/v1/connectors/s3`)
          .set(bearer(fresh))
          .send({ description: 'our bucket' })
          .expect(200)
      ).body.data;
      const after = await list({ limit: 1 });
      expect(after).toMatchObject({ limit: 1, offset: 0, hasMore: true });
      expect(after.items.map((c: { id: string }) => c.id)).toEqual([own.id]);
      const second = await list({ limit: 1, offset: 1 });
      expect(second.items).toStrictEqual([
        { ...updated, updatedAt: expect.any(String) as unknown },
      ]);
      expect(second.hasMore).toBe(false);
      await request(t.server).delete(`${BASE}/s3`).set(bearer(fresh)).expect(403);
      expect((await list({ limit: 100 })).items).toHaveLength(2);
    });

    it('pages newest first with limit 20 by default, hasMore until the end (45 + 10 changed built-ins)', async () => {
      const seen: string[] = [];
      const expected = [
        { offset: 0, count: 20, hasMore: true },
        { offset: 20, count: 20, hasMore: true },
        { offset: 40, count: 15, hasMore: false },
      ];
      for (const step of expected) {
        const res = record(
          await request(t.server)
            .get(BASE)
            .query(step.offset ? { offset: step.offset } : {})
            .set(bearer(org))
            .set('X-Request-Id', `list-${step.offset}`),
        );
        expect(res.status).toBe(200);
        expect(Object.keys(res.body).sort()).toEqual(['code', 'data', 'message', 'requestId']);
        expect(res.body).toMatchObject({
          code: 200,
          message: 'success',
          requestId: `list-${step.offset}`,
        });
        expect(Object.keys(res.body.data).sort()).toEqual(['hasMore', 'items', 'limit', 'offset']);
        expect(res.body.data.limit).toBe(20);
        expect(res.body.data.offset).toBe(step.offset);
        expect(res.body.data.hasMore).toBe(step.hasMore);
        expect(res.body.data.items).toHaveLength(step.count);
        for (const item of res.body.data.items) {
          expect(Object.keys(item).sort()).toEqual(CONNECTOR_FIELDS);
          expect(item.organizationId).toBe(org.organizationId);
        }
        seen.push(...res.body.data.items.map((c: { id: string }) => c.id));
      }
      expect(new Set(seen).size).toBe(55);
      // Newest first: the 45 made here in reverse order, then the 10 built-ins (made before them).
      expect(seen.slice(0, 45)).toEqual([...ids].reverse());
      expect(seen.slice(45).sort()).toEqual(BUILTIN_IDS);
    });

    it('shows each item as GET shows it', async () => {
      const res = await request(t.server).get(BASE).query({ limit: 1 }).set(bearer(org));
      expect(res.body.data.hasMore).toBe(true);
      expect(res.body.data.limit).toBe(1);
      const [first] = res.body.data.items;
      const got = await request(t.server).get(`${BASE}/${first.id}`).set(bearer(org));
      expect(first).toStrictEqual(got.body.data);
      expect(first.maskedData).toStrictEqual({ n: 44 });
    });

    it('takes limit up to 100 and an offset past the end', async () => {
      const all = await request(t.server).get(BASE).query({ limit: 100 }).set(bearer(org));
      expect(all.status).toBe(200);
      expect(all.body.data).toMatchObject({ limit: 100, offset: 0, hasMore: false });
      expect(all.body.data.items).toHaveLength(55);
      const edge = await request(t.server)
        .get(BASE)
        .query({ limit: 10, offset: 45 })
        .set(bearer(org));
      expect(edge.body.data).toMatchObject({ limit: 10, offset: 45, hasMore: false });
      expect(edge.body.data.items).toHaveLength(10);
      const before = await request(t.server)
        .get(BASE)
        .query({ limit: 10, offset: 44 })
        .set(bearer(org));
      expect(before.body.data.hasMore).toBe(true);
      const past = await request(t.server).get(BASE).query({ offset: 500 }).set(bearer(org));
      expect(past.body.data).toStrictEqual({ items: [], limit: 20, offset: 500, hasMore: false });
    });

    it('refuses a limit over 100 (not clamped), under 1, and malformed paging with 400', async () => {
      const cases: Array<[Record<string, string>, string]> = [
        [{ limit: '101' }, 'limit'],
        [{ limit: '0' }, 'limit'],
        [{ limit: 'ten' }, 'limit'],
        [{ limit: '2.5' }, 'limit'],
        [{ limit: '0x10' }, 'limit'],
        [{ offset: '1e3' }, 'offset'],
        [{ offset: '-1' }, 'offset'],
        [{ sort: 'name' }, 'sort'],
      ];
      for (const [query, field] of cases) {
        const res = record(
          await request(t.server).get(BASE).query(query).set(bearer(org)).set('X-Request-Id', 'q'),
        );
        expect(res.status).toBe(400);
        expect(res.body.code).toBe(400);
        expect(res.body.requestId).toBe('q');
        expect(res.body.details).toHaveLength(1);
        expect(res.body.details[0].field).toBe(field);
      }
      const reasons = async (query: Record<string, string>) =>
        (await request(t.server).get(BASE).query(query).set(bearer(org))).body.details;
      expect(await reasons({ limit: '101' })).toEqual([
        { field: 'limit', reason: 'must not be greater than 100' },
      ]);
      expect(await reasons({ limit: '0' })).toEqual([
        { field: 'limit', reason: 'must not be less than 1' },
      ]);
      expect(await reasons({ limit: 'ten' })).toEqual([
        { field: 'limit', reason: 'must be an integer number' },
      ]);
    });
  });

  describe('organizations', () => {
    it("never shows or changes another organization's connector (404)", async () => {
      const owner = await t.newOrganization('own');
      const other = await t.newOrganization('oth');
      const created = (await create(owner, { name: 'Private', type: 'slack', data: { a: 1 } })).body
        .data;
      for (const [method, path, body] of [
        ['get', `${BASE}/${created.id}`, undefined],
        ['put', `${BASE}/${created.id}`, { name: 'stolen' }],
        ['put', `/v1/connectors/${created.id}`, { data: { a: 2 } }],
        ['delete', `${BASE}/${created.id}`, undefined],
      ] as const) {
        const agent = request(t.server) as unknown as Record<string, (p: string) => request.Test>;
        const res = await agent[method](path)
          .set(bearer(other))
          .send(body ?? {});
        expect(res.status).toBe(404);
        expect(res.body).toMatchObject({
          code: 404,
          message: `connector '${created.id}' not found`,
        });
      }
      const list = await request(t.server).get(BASE).query({ limit: 100 }).set(bearer(other));
      expect(list.body.data.items.map((c: { id: string }) => c.id)).not.toContain(created.id);
      const still = await request(t.server).get(`${BASE}/${created.id}`).set(bearer(owner));
      expect(still.body.data).toStrictEqual(created);
    });
  });

  describe('with the Cohere dialect', () => {
    it('reads a connector made through Cohere, with type custom and empty data', async () => {
      const org = await t.newOrganization('xd');
      const token = newSecret('svc');
      const made = record(
        await request(t.server)
          .post('/v1/connectors')
          .set(bearer(org))
          .send({
            name: 'Wiki search',
            url: 'https://wiki.example.com/search',
            description: 'the wiki',
            service_auth: { type: 'bearer', token },
          }),
      );
      expect(made.status).toBe(200);
      const cohere = made.body.connector;
      const res = record(await request(t.server).get(`${BASE}/${cohere.id}`).set(bearer(org)));
      expect(res.status).toBe(200);
      expect(res.body.data).toStrictEqual({
        id: cohere.id,
        name: 'Wiki search',
        description: 'the wiki',
        type: 'custom',
        provider: '',
        organizationId: org.organizationId,
        createdAt: cohere.created_at,
        createdBy: org.keyId,
        updatedAt: cohere.updated_at,
        updatedBy: org.keyId,
        version: 1,
        maskedData: {},
        // The calling key's OAuth grant: none.
        authStatus: null,
      });

      // Adding data through the generic PUT keeps what only Cohere shows.
      const put = record(
        await request(t.server)
          .put(`/v1/connectors/${cohere.id}`)
          .set(bearer(org))
          .send({ data: { space: 'ENG' }, description: 'the wiki, ENG' }),
      );
      expect(put.status).toBe(200);
      expect(put.body.data.maskedData).toStrictEqual({ space: 'ENG' });
      const back = record(
        await request(t.server).get(`/v1/connectors/${cohere.id}`).set(bearer(org)),
      );
      expect(back.body.connector).toMatchObject({
        id: cohere.id,
        name: 'Wiki search',
        description: 'the wiki, ENG',
        url: 'https://wiki.example.com/search',
        auth_type: 'service_auth',
        active: true,
      });
      const opened = await t.app
        .get(ConnectorsService)
        .openSecrets({ organizationId: org.organizationId, apiKeyId: org.keyId }, cohere.id);
      expect(opened.serviceAuthToken).toBe(token);
      expect(opened.config).toStrictEqual({ space: 'ENG' });
    });

    it('lets Cohere read and patch a connector made here without losing its data', async () => {
      const org = await t.newOrganization('xd');
      const token = newSecret('tok');
      const made = (
        await create(org, {
          name: 'Ops Slack',
          type: 'slack',
          description: 'ops',
          data: { channel: '#ops', bot_token: token },
        })
      ).body.data;
      const got = record(await request(t.server).get(`/v1/connectors/${made.id}`).set(bearer(org)));
      expect(got.status).toBe(200);
      expect(got.body.connector).toMatchObject({
        id: made.id,
        organization_id: org.organizationId,
        name: 'Ops Slack',
        description: 'ops',
        created_at: made.createdAt,
        updated_at: made.updatedAt,
        active: true,
      });
      const listed = await request(t.server).get('/v1/connectors').set(bearer(org));
      expect(listed.body.connectors[0].id).toBe(made.id);

      const patched = record(
        await request(t.server)
          .patch(`/v1/connectors/${made.id}`)
          .set(bearer(org))
          .send({ name: 'Ops Slack (renamed)' }),
      );
      expect(patched.status).toBe(200);
      const after = record(await request(t.server).get(`${BASE}/${made.id}`).set(bearer(org)));
      expect(after.body.data).toMatchObject({
        name: 'Ops Slack (renamed)',
        type: 'slack',
        description: 'ops',
        maskedData: { channel: '#ops', bot_token: '******' },
      });
      expect((await storedSecret(org, made.id, ['bot_token'])).clear).toBe(token);

      await request(t.server).delete(`/v1/connectors/${made.id}`).set(bearer(org)).expect(200);
      await request(t.server).get(`${BASE}/${made.id}`).set(bearer(org)).expect(404);
    });
  });

  // Last, so it sees every body the suite recorded; a named test, so a leak fails by name.
  it('sent no clear secret back in any response body of this suite', () => {
    expect(sentSecrets.length).toBeGreaterThan(0);
    expect(bodies.length).toBeGreaterThan(0);
    const leaks = sentSecrets.filter((value) => bodies.some((body) => body.includes(value)));
    expect(leaks).toEqual([]);
  });
});
