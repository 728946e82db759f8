import request from 'supertest';
import { ConnectorsService } from '../src/connectors/connectors.service';
import { startTestApp, type TestApp } from './app';
import {
  expectNoClearSecrets,
  expectNoClearSecretsInRows,
  recordResponses,
  type ResponseRecorder,
  SecretWatch,
} from './secrets';

/**
 * The three dialects are three views of one store: connectors made through each are listed, found
 * and read by the other two with the same facts; updates through one keep what the others wrote;
 * secrets survive every dialect's write and never appear in clear; a delete anywhere is a delete
 * everywhere; `updated` moves forward in every view.
 */
describe('one store, three dialects', () => {
  let t: TestApp;
  let key: string;
  let organizationId: string;
  let actor: { organizationId: string; apiKeyId: string };
  let responses: ResponseRecorder;
  const secrets = new SecretWatch();

  const auth = (r: request.Test) => r.set('Authorization', `Bearer ${key}`);
  const cohere = {
    create: (body: object) => auth(request(t.server).post('/v1/connectors').send(body)),
    get: (id: string) => auth(request(t.server).get(`/v1/connectors/${id}`)),
    list: () => auth(request(t.server).get('/v1/connectors?limit=100')),
    patch: (id: string, body: object) =>
      auth(request(t.server).patch(`/v1/connectors/${id}`).send(body)),
    delete: (id: string) => auth(request(t.server).delete(`/v1/connectors/${id}`)),
  };
  const coco = {
    create: (body: object) => auth(request(t.server).post('/connector/').send(body)),
    get: (id: string) => auth(request(t.server).get(`/connector/${id}`)),
    search: (query: string) => auth(request(t.server).get(`/connector/_search?${query}`)),
    put: (id: string, body: object, replace = false) =>
      auth(
        request(t.server)
          .put(`/connector/${id}${replace ? '?replace=true' : ''}`)
          .send(body),
      ),
    delete: (id: string) => auth(request(t.server).delete(`/connector/${id}`)),
  };
  const generic = {
    create: (body: object) => auth(request(t.server).post('/generic/v1/connectors').send(body)),
    get: (id: string) => auth(request(t.server).get(`/generic/v1/connectors/${id}`)),
    list: () => auth(request(t.server).get('/generic/v1/connectors?limit=100')),
    put: (id: string, body: object, root = false) =>
      auth(
        request(t.server)
          .put(`${root ? '' : '/generic'}/v1/connectors/${id}`)
          .send(body),
      ),
    delete: (id: string) => auth(request(t.server).delete(`/generic/v1/connectors/${id}`)),
  };

  /** What each dialect shows of one connector, read through every dialect. */
  async function readEverywhere(id: string) {
    const [co, cc, ge, coList, ccHit, geList] = await Promise.all([
      cohere.get(id).expect(200),
      coco.get(id).expect(200),
      generic.get(id).expect(200),
      cohere.list().expect(200),
      coco.search(`filter=id:${encodeURIComponent(id)}`).expect(200),
      generic.list().expect(200),
    ]);
    expect(coList.body.connectors.map((c: { id: string }) => c.id)).toContain(id);
    expect(ccHit.body.hits.hits.map((h: { _id: string }) => h._id)).toEqual([id]);
    expect(geList.body.data.items.map((c: { id: string }) => c.id)).toContain(id);
    return {
      cohere: co.body.connector,
      coco: cc.body._source,
      cocoHit: ccHit.body.hits.hits[0]._source,
      generic: ge.body.data,
    };
  }

  /** The facts every dialect shows must agree. */
  function expectSameFacts(view: Awaited<ReturnType<typeof readEverywhere>>, id: string) {
    const { cohere: co, coco: cc, generic: ge } = view;
    expect(co.id).toBe(id);
    expect(cc.id).toBe(id);
    expect(ge.id).toBe(id);
    expect(cc.name).toBe(co.name);
    expect(ge.name).toBe(co.name);
    expect(cc.description ?? '').toBe(co.description ?? '');
    expect(ge.description).toBe(co.description ?? '');
    for (const t of [cc.created, ge.createdAt])
      expect(Date.parse(t)).toBe(Date.parse(co.created_at));
    for (const t of [cc.updated, ge.updatedAt])
      expect(Date.parse(t)).toBe(Date.parse(co.updated_at));
    expect(cc.enabled).toBe(co.active);
    expect(view.cocoHit).toMatchObject({ id, name: co.name, enabled: co.active });
  }

  const secretsOf = (id: string) => t.app.get(ConnectorsService).openSecrets(actor, id);

  beforeAll(async () => {
    t = await startTestApp();
    const org = await t.newOrganization('cross');
    key = org.key;
    organizationId = org.organizationId;
    actor = { organizationId, apiKeyId: org.keyId };
    responses = recordResponses(t.server);
  });

  afterAll(async () => {
    try {
      responses.stop();
    } finally {
      await t.close();
    }
  });

  describe('a connector made through Cohere with oauth', () => {
    let id: string;
    let clientSecret: string;

    beforeAll(async () => {
      clientSecret = secrets.make('cohere-client-secret');
      const res = await cohere
        .create({
          name: 'Cohere OAuth Source',
          description: 'made through Cohere',
          url: 'https://cohere-source.example.com/search',
          excludes: ['internal_notes'],
          continue_on_failure: true,
          oauth: {
            client_id: 'cid-1',
            client_secret: clientSecret,
            authorize_url: 'https://auth.example.com/authorize',
            token_url: 'https://auth.example.com/token',
            scope: 'read',
          },
        })
        .expect(200);
      id = res.body.connector.id;
    });

    it('is listed, found and read the same by Coco and the generic dialect', async () => {
      const view = await readEverywhere(id);
      expectSameFacts(view, id);
      expect(view.coco).toMatchObject({
        url: 'https://cohere-source.example.com/search',
        builtin: false,
      });
      expect(view.generic).toMatchObject({ type: 'custom', provider: '', maskedData: {} });
      expect(view.cohere.oauth.client_secret).toBe('******');
    });

    it('keeps its Cohere fields and its secret through a Coco merge PUT and a Coco replace PUT', async () => {
      await coco.put(id, { description: 'described by Coco', tags: ['crm'] }).expect(200);
      let co = (await cohere.get(id).expect(200)).body.connector;
      expect(co).toMatchObject({
        description: 'described by Coco',
        excludes: ['internal_notes'],
        continue_on_failure: true,
        auth_type: 'oauth',
        oauth: { client_id: 'cid-1', client_secret: '******', scope: 'read' },
      });
      // The admin UI PUTs back the whole object it loaded, with replace.
      const loaded = (await coco.get(id).expect(200)).body._source;
      await coco.put(id, { ...loaded, name: 'Renamed by Coco' }, true).expect(200);
      co = (await cohere.get(id).expect(200)).body.connector;
      expect(co).toMatchObject({
        name: 'Renamed by Coco',
        excludes: ['internal_notes'],
        continue_on_failure: true,
        oauth: { client_id: 'cid-1', authorize_url: 'https://auth.example.com/authorize' },
      });
      expect((await secretsOf(id)).oauthClientSecret).toBe(clientSecret);
    });

    it('keeps its Cohere fields and secret through a generic PUT on both mounts', async () => {
      await generic
        .put(id, { description: 'described generically', data: { region: 'eu' } })
        .expect(200);
      await generic.put(id, { name: 'Renamed generically' }, true).expect(200);
      const co = (await cohere.get(id).expect(200)).body.connector;
      expect(co).toMatchObject({
        name: 'Renamed generically',
        description: 'described generically',
        excludes: ['internal_notes'],
        oauth: { client_id: 'cid-1', scope: 'read' },
      });
      expect((await secretsOf(id)).oauthClientSecret).toBe(clientSecret);
      expect((await coco.get(id).expect(200)).body._source).toMatchObject({
        config: { region: 'eu' },
        tags: ['crm'],
      });
    });

    it('changes its secret only when a new value is sent', async () => {
      await cohere.patch(id, { oauth: { client_secret: '******' } }).expect(200);
      expect((await secretsOf(id)).oauthClientSecret).toBe(clientSecret);
      const rotated = secrets.make('rotated-client-secret');
      await cohere.patch(id, { oauth: { client_secret: rotated } }).expect(200);
      expect((await secretsOf(id)).oauthClientSecret).toBe(rotated);
    });
  });

  describe('a connector made through Cohere with service_auth', () => {
    it('is read by the others, and its token survives their writes', async () => {
      const token = secrets.make('service-token');
      const res = await cohere
        .create({
          name: 'Service Auth Source',
          url: 'https://service.example.com/search',
          active: false,
          service_auth: { type: 'bearer', token },
        })
        .expect(200);
      const id: string = res.body.connector.id;
      const view = await readEverywhere(id);
      expectSameFacts(view, id);
      expect(view.coco.enabled).toBe(false);
      expect(view.cohere).toMatchObject({ auth_type: 'service_auth', active: false });
      expect(view.cohere).not.toHaveProperty('service_auth');

      await coco.put(id, { enabled: true }).expect(200);
      await generic.put(id, { data: { note: 'x' } }).expect(200);
      expect((await cohere.get(id).expect(200)).body.connector).toMatchObject({
        active: true,
        auth_type: 'service_auth',
      });
      expect((await secretsOf(id)).serviceAuthToken).toBe(token);
    });
  });

  describe('a connector made through Coco with a nested secret in config', () => {
    let id: string;
    let ghToken: string;
    let dbPassword: string;

    beforeAll(async () => {
      ghToken = secrets.make('ghp');
      dbPassword = secrets.make('db-password');
      const res = await coco
        .create({
          name: 'My GitHub Connector',
          description: 'Connects to GitHub repositories',
          category: 'version_control',
          icon: 'font_github',
          tags: ['github', 'code'],
          url: 'https://github.com/infinilabs',
          config: {
            token: ghToken,
            repos: ['infinilabs/coco-server'],
            mirror: { host: 'db.local', password: dbPassword },
          },
          processor: { enabled: true, name: 'github-indexer' },
          enabled: true,
        })
        .expect(200);
      id = res.body._id;
    });

    it('is read by Cohere and the generic dialect, the secrets masked everywhere', async () => {
      const view = await readEverywhere(id);
      expectSameFacts(view, id);
      const masked = {
        token: '******',
        repos: ['infinilabs/coco-server'],
        mirror: { host: 'db.local', password: '******' },
      };
      expect(view.coco.config).toEqual(masked);
      expect(view.cocoHit.config ?? masked).toEqual(masked);
      expect(view.generic.maskedData).toEqual(masked);
      expect(view.cohere.url).toBe('https://github.com/infinilabs');
    });

    it('keeps tags and processor through Cohere and generic writes', async () => {
      await cohere.patch(id, { excludes: ['body'], continue_on_failure: true }).expect(200);
      await generic.put(id, { description: 'generic words', data: { branch: 'main' } }).expect(200);
      const source = (await coco.get(id).expect(200)).body._source;
      expect(source).toMatchObject({
        tags: ['github', 'code'],
        category: 'version_control',
        icon: 'font_github',
        processor: { enabled: true, name: 'github-indexer' },
        description: 'generic words',
        config: { token: '******', branch: 'main', repos: ['infinilabs/coco-server'] },
      });
      expect((await cohere.get(id).expect(200)).body.connector).toMatchObject({
        excludes: ['body'],
        continue_on_failure: true,
      });
    });

    it('keeps the secrets when Coco or generic writes send them back masked, or leave them out', async () => {
      const loaded = (await coco.get(id).expect(200)).body._source;
      await coco.put(id, loaded, true).expect(200); // the whole object back, masks included
      await generic.put(id, { data: loaded.config }).expect(200); // masked data back
      await generic.put(id, { data: { mirror: { port: 5432 } } }).expect(200); // left out
      expect((await secretsOf(id)).config).toEqual({
        token: ghToken,
        repos: ['infinilabs/coco-server'],
        branch: 'main',
        mirror: { host: 'db.local', password: dbPassword, port: 5432 },
      });
    });

    it('changes a secret when a dialect sends a new value', async () => {
      const newToken = secrets.make('ghp-new');
      await generic.put(id, { data: { token: newToken } }).expect(200);
      expect((await secretsOf(id)).config).toMatchObject({ token: newToken });
      const newPassword = secrets.make('db-password-new');
      await coco.put(id, { config: { mirror: { password: newPassword } } }).expect(200);
      expect((await secretsOf(id)).config).toMatchObject({
        token: newToken,
        mirror: { host: 'db.local', password: newPassword },
      });
    });
  });

  describe('a connector made through the generic dialect with secrets in data', () => {
    let id: string;
    let botToken: string;
    let apiKey: string;

    beforeAll(async () => {
      botToken = secrets.make('bot-token');
      apiKey = secrets.make('api-key');
      const res = await generic
        .create({
          name: 'Team Telegram',
          type: 'telegram-bot',
          provider: 'pipedream',
          description: 'alerts',
          data: { bot_token: botToken, chats: [{ id: 1, api_key: apiKey }] },
        })
        .expect(200);
      id = res.body.data.id;
    });

    it('is read by Cohere and Coco with the same facts, secrets masked', async () => {
      const view = await readEverywhere(id);
      expectSameFacts(view, id);
      expect(view.generic.maskedData).toEqual({
        bot_token: '******',
        chats: [{ id: 1, api_key: '******' }],
      });
      expect(view.coco.config).toEqual(view.generic.maskedData);
      expect(view.cohere).toMatchObject({ name: 'Team Telegram', active: true });
    });

    it('keeps type, provider and secrets through Cohere and Coco writes', async () => {
      await cohere
        .patch(id, { name: 'Renamed by Cohere', url: 'https://tg.example.com/search' })
        .expect(200);
      await coco
        .put(id, { tags: ['chat'], config: { chats: [{ id: 1, api_key: '***' }] } })
        .expect(200);
      const ge = (await generic.get(id).expect(200)).body.data;
      expect(ge).toMatchObject({
        name: 'Renamed by Cohere',
        type: 'telegram-bot',
        provider: 'pipedream',
        maskedData: { bot_token: '******', chats: [{ id: 1, api_key: '******' }] },
      });
      expect((await secretsOf(id)).config).toEqual({
        bot_token: botToken,
        chats: [{ id: 1, api_key: apiKey }],
      });
    });
  });

  it('moves updated forward on every change, in every view', async () => {
    const res = await generic
      .create({ name: 'Clocked', type: 'slack', data: { a: 1 } })
      .expect(200);
    const id: string = res.body.data.id;
    const seen = async () => {
      const v = await readEverywhere(id);
      const times = [v.cohere.updated_at, v.coco.updated, v.generic.updatedAt].map((x: string) =>
        Date.parse(x),
      );
      expect(new Set(times).size).toBe(1);
      return times[0];
    };
    let last = await seen();
    const writes = [
      () => cohere.patch(id, { description: 'one' }),
      () => coco.put(id, { description: 'two' }),
      () => coco.put(id, { name: 'Clocked', description: 'three' }, true),
      () => generic.put(id, { description: 'four' }),
      () => generic.put(id, { description: 'five' }, true),
      () => cohere.patch(id, { active: false }),
    ];
    for (const write of writes) {
      await write().expect(200);
      const now = await seen();
      expect(now).toBeGreaterThan(last);
      last = now;
    }
  });

  describe('deleted through one dialect, gone from all', () => {
    const make = async () =>
      (
        await cohere
          .create({ name: 'Doomed', url: 'https://doomed.example.com/search' })
          .expect(200)
      ).body.connector.id as string;

    async function expectGoneEverywhere(id: string) {
      expect((await cohere.get(id).expect(404)).body).toEqual({
        message: `connector '${id}' not found`,
      });
      expect((await coco.get(id).expect(404)).body).toEqual({ _id: id, found: false });
      expect((await coco.delete(id).expect(404)).body).toEqual({ _id: id, result: 'not_found' });
      const ge = (await generic.get(id).expect(404)).body;
      expect(ge).toMatchObject({ code: 404, message: `connector '${id}' not found`, details: [] });
      expect((await coco.search(`filter=id:${id}`).expect(200)).body.hits.total).toEqual({
        value: 0,
        relation: 'eq',
      });
    }

    it('through Cohere', async () => {
      const id = await make();
      expect((await cohere.delete(id).expect(200)).body).toEqual({});
      await expectGoneEverywhere(id);
    });

    it('through Coco', async () => {
      const id = await make();
      expect((await coco.delete(id).expect(200)).body).toEqual({
        _id: id,
        result: 'deleted',
        _version: 2,
        _seq_no: 1,
        _primary_term: 1,
      });
      await expectGoneEverywhere(id);
    });

    it('through the generic dialect', async () => {
      const id = await make();
      expect((await generic.delete(id).expect(200)).body).toMatchObject({
        code: 200,
        message: 'success',
      });
      await expectGoneEverywhere(id);
    });

    it('a built-in is deleted by none of them', async () => {
      expect((await cohere.delete('github').expect(403)).body).toEqual({
        message: 'builtin connector cannot be deleted',
      });
      expect((await coco.delete('github').expect(403)).body).toEqual({
        status: 403,
        error: { reason: 'builtin connector cannot be deleted' },
      });
      expect((await generic.delete('github').expect(403)).body).toMatchObject({ code: 403 });
      // Listed by Cohere and generic once a key has changed it (readEverywhere reads the lists).
      await coco.put('github', { description: 'ours' }).expect(200);
      const view = await readEverywhere('github');
      expect(view.coco.builtin).toBe(true);
    });
  });

  it('shows each organization only its own connectors, in every dialect', async () => {
    const other = await t.newOrganization('cross-other');
    const mine = (
      await cohere.create({ name: 'Mine', url: 'https://mine.example.com/search' }).expect(200)
    ).body.connector.id as string;
    const as = (r: request.Test) => r.set('Authorization', `Bearer ${other.key}`);
    await as(request(t.server).get(`/v1/connectors/${mine}`)).expect(404);
    await as(request(t.server).get(`/connector/${mine}`)).expect(404);
    await as(request(t.server).get(`/generic/v1/connectors/${mine}`)).expect(404);
    const search = await as(request(t.server).get(`/connector/_search?filter=id:${mine}`)).expect(
      200,
    );
    expect(search.body.hits.total.value).toBe(0);
    expect(organizationId).not.toBe(other.organizationId);
  });

  // Last, so it sees the whole suite; a named test, so a leak fails by name.
  it('left no clear secret in any response of the suite, nor in any row of any table', async () => {
    expect(secrets.values.length).toBeGreaterThan(0);
    expectNoClearSecrets(responses.bodies, secrets.values);
    await expectNoClearSecretsInRows(t, secrets.values);
  });
});
