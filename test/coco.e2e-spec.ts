import request from 'supertest';
import { ConnectorsService } from '../src/connectors/connectors.service';
import { BUILTIN_IDS, startTestApp, type TestApp } from './app';
import {
  expectNoClearSecrets,
  expectNoClearSecretsInRows,
  recordResponses,
  type ResponseRecorder,
  SecretWatch,
} from './secrets';

type Body = Record<string, unknown>;

/** RFC 3339 as the gateway writes it. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The seed document's examples, verbatim. */
/** Elasticsearch's version fields of a connector at `version` (issue 11: `_seq_no` = version - 1). */
const V = (version: number) => ({ _version: version, _seq_no: version - 1, _primary_term: 1 });

const SEED = {
  create: {
    name: 'My GitHub Connector',
    description: 'Connects to GitHub repositories',
    category: 'version_control',
    icon: 'font_github',
    tags: ['github', 'code'],
    config: { token: 'ghp_xxxxxxxxxxxx', repos: ['infinilabs/coco-server'] },
    processor: { enabled: true },
    enabled: true,
  },
  createResponse: { _id: 'd07abc123def456ghi', result: 'created', ...V(1) },
  view: {
    _id: 'd07abc123def456ghi',
    ...V(1),
    _source: {
      id: 'd07abc123def456ghi',
      created: '2025-01-15T10:00:00+08:00',
      updated: '2025-01-15T10:00:00+08:00',
      name: 'My GitHub Connector',
      description: 'Connects to GitHub repositories',
      category: 'version_control',
      icon: 'font_github',
      tags: ['github', 'code'],
      config: { token: '******', repos: ['infinilabs/coco-server'] },
      processor: { enabled: true },
      enabled: true,
    },
    found: true,
  },
  update: {
    name: 'My GitHub Connector - Updated',
    description: 'Updated connector for GitHub repositories',
    enabled: true,
  },
  updateResponse: { _id: 'd07abc123def456ghi', result: 'updated', ...V(2) },
  deleteResponse: { _id: 'd07abc123def456ghi', result: 'deleted', ...V(3) },
  search: {
    took: 3,
    hits: {
      total: { value: 5, relation: 'eq' },
      hits: [
        {
          _id: 'd07abc123def456ghi',
          _source: {
            id: 'd07abc123def456ghi',
            name: 'My GitHub Connector',
            category: 'version_control',
            icon: 'font_github',
            enabled: true,
            created: '2025-01-15T10:00:00+08:00',
          },
        },
      ],
    },
  },
};

/**
 * Compares a response with a seed example key by key: ids are the gateway's own (same shape as
 * `ids` maps them), times are RFC 3339, counts and durations are numbers; everything else equal.
 */
function expectLike(
  actual: unknown,
  example: unknown,
  ids: Record<string, string>,
  path = '$',
): void {
  if (Array.isArray(example)) {
    expect(Array.isArray(actual)).toBe(true);
    example.forEach((item, i) => expectLike((actual as unknown[])[i], item, ids, `${path}[${i}]`));
    return;
  }
  if (typeof example === 'object' && example !== null) {
    expect(typeof actual).toBe('object');
    for (const [key, value] of Object.entries(example)) {
      const at = `${path}.${key}`;
      expect({ at, present: Object.hasOwn(actual as object, key) }).toEqual({ at, present: true });
      expectLike((actual as Body)[key], value, ids, at);
    }
    return;
  }
  if (typeof example === 'string' && ids[example]) {
    expect({ at: path, value: actual }).toEqual({ at: path, value: ids[example] });
  } else if (typeof example === 'string' && RFC3339.test(example)) {
    expect({ at: path, value: actual }).toEqual({
      at: path,
      value: expect.stringMatching(RFC3339),
    });
  } else if (typeof example === 'number' && /\.(took|value)$/.test(path)) {
    expect({ at: path, value: typeof actual }).toEqual({ at: path, value: 'number' });
  } else {
    expect({ at: path, value: actual }).toEqual({ at: path, value: example });
  }
}

describe('Coco Server dialect', () => {
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

  /** A fresh organization and a small client for it (X-API-TOKEN, as Coco clients send it). */
  async function org(prefix = 'coco') {
    const o = await t.newOrganization(prefix);
    const auth = { 'X-API-TOKEN': o.key };
    const actor = { organizationId: o.organizationId, apiKeyId: o.keyId };
    return {
      ...o,
      actor,
      get: (id: string) => request(t.server).get(`/connector/${id}`).set(auth),
      post: (body: unknown, path = '/connector/') =>
        request(t.server)
          .post(path)
          .set(auth)
          .send(body as object),
      put: (id: string, body: unknown, query = '') =>
        request(t.server)
          .put(`/connector/${id}${query}`)
          .set(auth)
          .send(body as object),
      del: (id: string) => request(t.server).delete(`/connector/${id}`).set(auth),
      search: (query = '') => request(t.server).get(`/connector/_search${query}`).set(auth),
      secrets: (id: string) => t.app.get(ConnectorsService).openSecrets(actor, id),
      async create(body: Body): Promise<string> {
        const res = await request(t.server).post('/connector/').set(auth).send(body).expect(200);
        return res.body._id as string;
      },
    };
  }

  describe("the seed's curl sequence", () => {
    it('create, view, update, delete, search and search with query=github answer as the seed shows', async () => {
      const o = await org();
      const token = secrets.make('ghp');
      const body = { ...SEED.create, config: { ...SEED.create.config, token } };

      // create
      const created = await o.post(body).expect(200);
      expect(Object.keys(created.body).sort()).toEqual([
        '_id',
        '_primary_term',
        '_seq_no',
        '_version',
        'result',
      ]);
      expect(created.body._id).toMatch(/^[0-9a-v]{20}$/);
      const id = created.body._id as string;
      const ids = { d07abc123def456ghi: id };
      expectLike(created.body, SEED.createResponse, ids);

      // view
      const viewed = await o.get(id).expect(200);
      expectLike(viewed.body, SEED.view, ids);
      expect(viewed.body._source.created).toBe(viewed.body._source.updated);
      // ...and the fields Coco always writes, beyond the seed's example
      expect(viewed.body._source).toMatchObject({
        path_hierarchy: false,
        assets: {},
        builtin: false,
        oauth_connect_implemented: false,
      });
      expect((await o.secrets(id)).config).toEqual({ token, repos: ['infinilabs/coco-server'] });

      // update (merges: what the update leaves out stays)
      const updatedRes = await o.put(id, SEED.update).expect(200);
      expect(updatedRes.body).toEqual(
        SEED.updateResponse.result === 'updated' ? { _id: id, result: 'updated', ...V(2) } : {},
      );
      const afterUpdate = (await o.get(id).expect(200)).body;
      expectLike(
        afterUpdate,
        { ...SEED.view, ...V(2), _source: { ...SEED.view._source, ...SEED.update } },
        ids,
      );
      expect(afterUpdate._source.created).toBe(viewed.body._source.created);
      expect(Date.parse(afterUpdate._source.updated)).toBeGreaterThan(
        Date.parse(viewed.body._source.updated),
      );
      expect((await o.secrets(id)).config).toEqual({ token, repos: ['infinilabs/coco-server'] });

      // search, before the delete: the connector is the newest hit
      const before = await o.search().expect(200);
      const example = SEED.search.hits.hits[0];
      expectLike(
        before.body,
        {
          ...SEED.search,
          hits: {
            total: { value: 11, relation: 'eq' },
            hits: [{ ...example, _source: { ...example._source, name: SEED.update.name } }],
          },
        },
        ids,
      );

      // delete
      const deleted = await o.del(id).expect(200);
      expect(deleted.body).toEqual({ _id: id, result: 'deleted', ...V(3) });
      expectLike(deleted.body, SEED.deleteResponse, ids);
      expect((await o.get(id).expect(404)).body).toEqual({ _id: id, found: false });

      // search: only the built-ins are left
      const after = await o.search().expect(200);
      expect(after.body.hits.total).toEqual({ value: 10, relation: 'eq' });
      expect(after.body.hits.hits.map((h: Body) => h._id).sort()).toEqual(BUILTIN_IDS);
      for (const hit of after.body.hits.hits as Body[]) {
        for (const key of Object.keys(SEED.search.hits.hits[0]._source)) {
          if (key === 'category' || key === 'icon') continue; // optional in Coco, present in the catalog
          expect(hit._source).toHaveProperty(key);
        }
        expect(hit._source).toMatchObject({
          category: expect.any(String),
          icon: expect.any(String),
        });
      }

      // search with query=github: the built-in GitHub connector, not the deleted one
      const github = await o.search('?query=github').expect(200);
      expect(github.body.hits.total).toEqual({ value: 1, relation: 'eq' });
      expect(github.body.hits.hits.map((h: Body) => h._id)).toEqual(['github']);
    });
  });

  describe('POST /connector/', () => {
    it('answers with and without the trailing slash, at the root and under /coco', async () => {
      const o = await org();
      for (const path of ['/connector', '/connector/', '/coco/connector', '/coco/connector/']) {
        const res = await o.post({ name: `via ${path}` }, path).expect(200);
        expect(res.body).toEqual({
          _id: expect.stringMatching(/^[0-9a-v]{20}$/),
          result: 'created',
          ...V(1),
        });
        expect((await o.get(res.body._id).expect(200)).body._source.name).toBe(`via ${path}`);
      }
    });

    it('answers 404 in the Coco shape for a longer POST path', async () => {
      const o = await org();
      const res = await o.post({ name: 'x' }, '/connector/abc').expect(404);
      expect(res.body).toEqual({ status: 404, error: { reason: 'Cannot POST /connector/abc' } });
    });

    it('takes a client-chosen id; a taken id is a 409 in the Coco shape, a bad one a 400', async () => {
      const o = await org();
      expect((await o.post({ id: 'my-connector', name: 'Mine' }).expect(200)).body).toEqual({
        _id: 'my-connector',
        result: 'created',
        ...V(1),
      });
      expect((await o.post({ id: 'my-connector', name: 'Again' }).expect(409)).body).toEqual({
        status: 409,
        error: { reason: "connector 'my-connector' already exists" },
      });
      expect((await o.post({ id: 'github', name: 'Not the built-in' }).expect(409)).body).toEqual({
        status: 409,
        error: { reason: "connector 'github' already exists" },
      });
      expect((await o.post({ id: 'a b', name: 'x' }).expect(400)).body).toEqual({
        status: 400,
        error: {
          reason:
            "id: must be 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit",
        },
      });
      expect((await o.get('my-connector').expect(200)).body._source.name).toBe('Mine');
    });

    it('takes created, updated and builtin from the server, not the client', async () => {
      const o = await org();
      const before = Date.now();
      const id = await o.create({
        name: 'x',
        builtin: true,
        created: '2000-01-01T00:00:00Z',
        updated: '2000-01-01T00:00:00Z',
      });
      const source = (await o.get(id).expect(200)).body._source;
      expect(source.builtin).toBe(false);
      expect(Date.parse(source.created)).toBeGreaterThanOrEqual(before - 1000);
      expect(source.updated).toBe(source.created);
      expect((await o.del(id).expect(200)).body).toEqual({ _id: id, result: 'deleted', ...V(2) });
    });

    it('stores every Coco field and shows them back', async () => {
      const o = await org();
      const id = await o.create({
        name: 'Hugo Site Connector',
        description: 'Fetch the index.json file from a specified Hugo site.',
        category: 'website',
        icon: '/assets/icons/connector/hugo_site/icon.png',
        tags: ['static_site', 'hugo', 'web'],
        url: 'http://coco.rs/connectors/hugo_site',
        path_hierarchy: true,
        assets: { icons: { default: '/assets/icons/connector/hugo_site/web.png', blog: '/b.png' } },
        config: { interval: '600m', urls: ['https://example.com/index.json'] },
        oauth_connect_implemented: true,
        processor: { enabled: true, name: 'hugo_site' },
        enabled: false,
      });
      expect((await o.get(id).expect(200)).body).toEqual({
        _id: id,
        ...V(1),
        found: true,
        _source: {
          id,
          created: expect.stringMatching(RFC3339),
          updated: expect.stringMatching(RFC3339),
          name: 'Hugo Site Connector',
          description: 'Fetch the index.json file from a specified Hugo site.',
          category: 'website',
          icon: '/assets/icons/connector/hugo_site/icon.png',
          tags: ['static_site', 'hugo', 'web'],
          url: 'http://coco.rs/connectors/hugo_site',
          path_hierarchy: true,
          assets: {
            icons: { default: '/assets/icons/connector/hugo_site/web.png', blog: '/b.png' },
          },
          builtin: false,
          config: { interval: '600m', urls: ['https://example.com/index.json'] },
          oauth_connect_implemented: true,
          processor: { enabled: true, name: 'hugo_site' },
          enabled: false,
        },
      });
    });

    it('shows a minimal connector with the always-present fields and nothing empty', async () => {
      const o = await org();
      const id = await o.create({ name: 'My Connector' });
      expect((await o.get(id).expect(200)).body._source).toStrictEqual({
        id,
        created: expect.stringMatching(RFC3339),
        updated: expect.stringMatching(RFC3339),
        name: 'My Connector',
        path_hierarchy: false,
        assets: {},
        builtin: false,
        oauth_connect_implemented: false,
        processor: { enabled: false },
        enabled: true,
      });
    });

    it.each<[string, unknown, string]>([
      ['an empty object', {}, 'name: should not be empty; name: must be a string'],
      ['an array', [], 'body: must be a JSON object'],
      ['a name that is not a string', { name: 5 }, 'name: must be a string'],
      ['tags as a string', { name: 'x', tags: 'github' }, 'tags: must be an array'],
      [
        'tags holding a number',
        { name: 'x', tags: ['a', 1] },
        'tags: each value in tags must be a string',
      ],
      ['enabled as a string', { name: 'x', enabled: 'yes' }, 'enabled: must be a boolean value'],
      ['config as a list', { name: 'x', config: [1] }, 'config: must be an object'],
      ['config as a string', { name: 'x', config: 'a=b' }, 'config: must be an object'],
      ['processor as a string', { name: 'x', processor: 'p' }, 'processor: must be an object'],
      [
        'processor as a list',
        { name: 'x', processor: [{ enabled: true }] },
        'processor: must be an object',
      ],
      ['assets as a string', { name: 'x', assets: 'a' }, 'assets: must be an object'],
      [
        'processor.enabled as a string',
        { name: 'x', processor: { enabled: 'on' } },
        'processor.enabled: must be a boolean value',
      ],
      [
        'assets.icons holding a number',
        { name: 'x', assets: { icons: { a: 1 } } },
        'assets.icons: must be an object of strings',
      ],
      [
        'a relative url',
        { name: 'x', url: '/not/absolute' },
        'url: must be an absolute http(s) URL',
      ],
      [
        'a masked secret with nothing stored',
        { name: 'x', config: { token: '******' } },
        'config.token: is a masked value, but no secret is stored to keep',
      ],
      ['a NUL character', { name: 'a\u0000b' }, 'name: must not contain NUL characters'],
    ])('refuses %s with a 400 in the Coco shape', async (_label, body, reason) => {
      const o = await org();
      const res = await o.post(body).expect(400);
      expect(res.body).toEqual({ status: 400, error: { reason } });
    });

    it('refuses no body, a JSON string and malformed JSON with a 400 in the Coco shape', async () => {
      const o = await org();
      const none = await request(t.server)
        .post('/connector/')
        .set('X-API-TOKEN', o.key)
        .expect(400);
      expect(none.body).toEqual({ status: 400, error: { reason: 'body: must be a JSON object' } });
      for (const [path, raw, reason] of [
        ['/connector/', '"text"', 'body: must be a JSON object'],
        ['/connector', '{"name": ', 'invalid request body: malformed JSON'],
        ['/coco/connector/', '{bad', 'invalid request body: malformed JSON'],
      ] as const) {
        const res = await request(t.server)
          .post(path)
          .set('X-API-TOKEN', o.key)
          .set('Content-Type', 'application/json')
          .send(raw)
          .expect(400);
        expect(res.body).toEqual({ status: 400, error: { reason } });
      }
    });

    it('answers 413 in the Coco shape for a body over the limit', async () => {
      const o = await org();
      const res = await o
        .post({ name: 'big', config: { blob: 'x'.repeat(t.config.bodyLimit) } })
        .expect(413);
      expect(res.body).toEqual({ status: 413, error: { reason: 'request body is too large' } });
    });
  });

  describe('authentication', () => {
    it('accepts X-API-TOKEN and Bearer keys on every route', async () => {
      const o = await org();
      const id = await o.create({ name: 'auth' });
      const bearer = { Authorization: `Bearer ${o.key}` };
      await request(t.server).get(`/connector/${id}`).set(bearer).expect(200);
      await request(t.server).get('/coco/connector/_search').set(bearer).expect(200);
      await request(t.server)
        .put(`/coco/connector/${id}`)
        .set(bearer)
        .send({ icon: 'i' })
        .expect(200);
    });

    it.each([
      ['GET', '/connector/_search'],
      ['POST', '/connector/_search'],
      ['POST', '/connector/'],
      ['POST', '/connector'],
      ['GET', '/connector/github'],
      ['PUT', '/connector/github'],
      ['DELETE', '/connector/github'],
      ['GET', '/coco/connector/_search'],
    ])('answers %s %s without a valid key with 401 invalid login', async (method, path) => {
      for (const headers of [
        {},
        { 'X-API-TOKEN': 'not-a-key' },
        { Authorization: 'Bearer not-a-key' },
      ]) {
        const res = await request(t.server)
          [method.toLowerCase() as 'get' | 'post' | 'put' | 'delete'](path)
          .set(headers)
          .send({ name: 'x' })
          .expect(401);
        expect(res.body).toEqual({ status: 401, error: { reason: 'invalid login' } });
      }
    });
  });

  describe('GET /connector/:id', () => {
    it('answers 404 {"_id","found":false} for a missing id, at both mounts', async () => {
      const o = await org();
      expect((await o.get('nope').expect(404)).body).toEqual({ _id: 'nope', found: false });
      const mounted = await request(t.server)
        .get('/coco/connector/nope')
        .set('X-API-TOKEN', o.key)
        .expect(404);
      expect(mounted.body).toEqual({ _id: 'nope', found: false });
    });

    it('shows a built-in connector with its catalog content', async () => {
      const o = await org();
      const res = await o.get('github').expect(200);
      expect(res.body).toEqual({
        _id: 'github',
        ...V(1),
        found: true,
        _source: {
          id: 'github',
          created: expect.stringMatching(RFC3339),
          updated: expect.stringMatching(RFC3339),
          name: 'GitHub',
          description: 'Index repositories, issues and pull requests from GitHub.',
          category: 'website',
          icon: '/assets/icons/connector/github/icon.png',
          tags: ['github', 'code', 'git'],
          url: 'https://github.com',
          path_hierarchy: false,
          assets: {
            icons: {
              default: '/assets/icons/connector/github/icon.png',
              repository: '/assets/icons/connector/github/repository.png',
              issue: '/assets/icons/connector/github/issue.png',
              pull_request: '/assets/icons/connector/github/pull_request.png',
              org: '/assets/icons/connector/github/org.png',
            },
          },
          builtin: true,
          oauth_connect_implemented: false,
          processor: { enabled: true, name: 'github' },
          enabled: true,
        },
      });
      expect((await o.get('google_drive').expect(200)).body._source.oauth_connect_implemented).toBe(
        true,
      );
    });
  });

  describe('PUT /connector/:id', () => {
    it('merges nested config key by key; arrays and scalars replace; secrets stay', async () => {
      const o = await org();
      const [token, password, apiKey] = [
        secrets.make('tok'),
        secrets.make('pw'),
        secrets.make('key'),
      ];
      const id = await o.create({
        name: 'merge',
        tags: ['a', 'b'],
        config: {
          token,
          keep: 'k',
          list: [1, 2],
          nested: { password, host: 'h', port: 1 },
          servers: [{ name: 's1', api_key: apiKey }],
        },
        processor: { enabled: true, name: 'p' },
        assets: { icons: { default: '/d.png', a: '/a.png' } },
      });
      await o
        .put(id, {
          tags: ['c'],
          config: { list: [3], nested: { port: 2, user: 'u' } },
          processor: { enabled: false },
          assets: { icons: { b: '/b.png' } },
        })
        .expect(200);
      const source = (await o.get(id).expect(200)).body._source;
      expect(source.tags).toEqual(['c']);
      expect(source.config).toEqual({
        token: '******',
        keep: 'k',
        list: [3],
        nested: { password: '******', host: 'h', port: 2, user: 'u' },
        servers: [{ name: 's1', api_key: '******' }],
      });
      expect(source.processor).toEqual({ enabled: false, name: 'p' });
      expect(source.assets).toEqual({ icons: { default: '/d.png', a: '/a.png', b: '/b.png' } });
      expect((await o.secrets(id)).config).toEqual({
        token,
        keep: 'k',
        list: [3],
        nested: { password, host: 'h', port: 2, user: 'u' },
        servers: [{ name: 's1', api_key: apiKey }],
      });
    });

    it('keeps every secret when the admin UI PUTs back the whole object it loaded', async () => {
      const o = await org();
      const [token, password] = [secrets.make('tok'), secrets.make('pw')];
      const id = await o.create({
        name: 'round trip',
        config: { token, db: { password, host: 'h' } },
      });
      const loaded = (await o.get(id).expect(200)).body._source;
      expect(loaded.config).toEqual({ token: '******', db: { password: '******', host: 'h' } });
      // The UI edits the description and sends everything back, masks, id, times and builtin included.
      await o.put(id, { ...loaded, description: 'edited' }).expect(200);
      expect((await o.secrets(id)).config).toEqual({ token, db: { password, host: 'h' } });
      // The other masks mean "keep" too: Coco's `***` and Airbyte's `**********`.
      await o.put(id, { config: { token: '***', db: { password: '**********' } } }).expect(200);
      expect((await o.secrets(id)).config).toEqual({ token, db: { password, host: 'h' } });
      // A new value replaces the secret.
      const rotated = secrets.make('rotated');
      await o.put(id, { config: { token: rotated } }).expect(200);
      expect((await o.secrets(id)).config).toEqual({ token: rotated, db: { password, host: 'h' } });
      const after = (await o.get(id).expect(200)).body._source;
      expect(after).toMatchObject({ description: 'edited', created: loaded.created, id });
    });

    it('replace=true sets every Coco field: left-out ones cleared, masks still keep secrets', async () => {
      const o = await org();
      const token = secrets.make('tok');
      const id = await o.create({
        name: 'before',
        description: 'd',
        category: 'c',
        icon: 'i',
        url: 'https://u.test',
        tags: ['t'],
        path_hierarchy: true,
        assets: { icons: { default: '/d.png' } },
        config: { token, nested: { a: 1 } },
        oauth_connect_implemented: true,
        processor: { enabled: true, name: 'p' },
        enabled: false,
      });
      await o.put(id, { name: 'after', config: { token: '******' } }, '?replace=true').expect(200);
      const source = (await o.get(id).expect(200)).body._source;
      expect(source).toStrictEqual({
        id,
        created: expect.stringMatching(RFC3339),
        updated: expect.stringMatching(RFC3339),
        name: 'after',
        path_hierarchy: false,
        assets: {},
        builtin: false,
        config: { token: '******' },
        oauth_connect_implemented: false,
        processor: { enabled: false },
        enabled: true,
      });
      expect((await o.secrets(id)).config).toEqual({ token });
    });

    it('replace=true with a mask where nothing is stored is a 400, and changes nothing', async () => {
      const o = await org();
      const id = await o.create({ name: 'x', config: { host: 'h' } });
      const res = await o
        .put(id, { name: 'y', config: { password: '******' } }, '?replace=true')
        .expect(400);
      expect(res.body).toEqual({
        status: 400,
        error: { reason: 'config.password: is a masked value, but no secret is stored to keep' },
      });
      expect((await o.get(id).expect(200)).body._source).toMatchObject({
        name: 'x',
        config: { host: 'h' },
      });
    });

    it('merge with null clears a text field or an object, and leaves booleans as they are', async () => {
      const o = await org();
      const id = await o.create({
        name: 'x',
        description: 'd',
        config: { a: 1 },
        enabled: false,
        processor: { enabled: true },
      });
      await o
        .put(id, { description: null, config: null, enabled: null, processor: null })
        .expect(200);
      const source = (await o.get(id).expect(200)).body._source;
      expect(source).not.toHaveProperty('description');
      expect(source).not.toHaveProperty('config');
      expect(source.enabled).toBe(false);
      expect(source.processor).toEqual({ enabled: false });
    });

    it('never changes id, created or builtin, whatever the client sends', async () => {
      const o = await org();
      const id = await o.create({ name: 'x' });
      const before = (await o.get(id).expect(200)).body._source;
      await o.put(id, { id: 'other', created: '2000-01-01T00:00:00Z', builtin: true }).expect(200);
      await o
        .put(
          id,
          { name: 'y', id: 'other', created: '2000-01-01T00:00:00Z', builtin: true },
          '?replace=true',
        )
        .expect(200);
      const after = (await o.get(id).expect(200)).body._source;
      expect(after).toMatchObject({ id, created: before.created, builtin: false, name: 'y' });
      await o.get('other').expect(404);
      await o.del(id).expect(200);
    });

    it('ignores fields Coco does not know (the UI sends what it loaded), but type-checks known ones', async () => {
      const o = await org();
      const id = await o.create({ name: 'x', _system: { owner_id: 'u' }, combined_fulltext: 'x' });
      await o
        .put(id, {
          icon: 'i',
          _system: { owner_id: 'u' },
          combined_fulltext: 'x',
          extra: [1],
          assets: { icons: { a: '/a.png' }, other: 1 },
          processor: { name: 'p', colour: 'red' },
        })
        .expect(200);
      const source = (await o.get(id).expect(200)).body._source;
      expect(source.icon).toBe('i');
      for (const key of ['_system', 'combined_fulltext', 'extra'])
        expect(source).not.toHaveProperty(key);
      expect(source.assets).toEqual({ icons: { a: '/a.png' } });
      expect(source.processor).toEqual({ enabled: false, name: 'p' });
      expect((await o.put(id, { tags: 'a' }).expect(400)).body).toEqual({
        status: 400,
        error: { reason: 'tags: must be an array' },
      });
      expect((await o.put(id, { name: null }).expect(400)).body).toEqual({
        status: 400,
        error: { reason: 'name: should not be empty; name: must be a string' },
      });
    });

    it('answers 404 {"_id","result":"not_found"} for a missing id, also with replace=true', async () => {
      const o = await org();
      expect((await o.put('nope', { name: 'x' }).expect(404)).body).toEqual({
        _id: 'nope',
        result: 'not_found',
      });
      expect((await o.put('nope', { name: 'x' }, '?replace=true').expect(404)).body).toEqual({
        _id: 'nope',
        result: 'not_found',
      });
      await o.get('nope').expect(404);
    });

    it.each<[string, unknown, string, string]>([
      ['replace without a name', {}, '?replace=true', 'name: is required with replace=true'],
      [
        'an unreadable replace flag',
        { name: 'x' },
        '?replace=maybe',
        'replace: must be true or false',
      ],
      [
        'a replace flag given twice',
        { name: 'x' },
        '?replace=true&replace=false',
        'replace: must be given once',
      ],
      ['an array body', [], '', 'body: must be a JSON object'],
      ['config as a list', { config: [] }, '', 'config: must be an object'],
    ])('refuses %s with a 400', async (_label, body, query, reason) => {
      const o = await org();
      const id = await o.create({ name: 'x' });
      expect((await o.put(id, body, query).expect(400)).body).toEqual({
        status: 400,
        error: { reason },
      });
    });

    it('updates a built-in connector but cannot clear its builtin flag', async () => {
      const o = await org();
      expect(
        (await o.put('github', { description: 'ours', builtin: false }).expect(200)).body,
      ).toEqual({
        _id: 'github',
        result: 'updated',
        ...V(2),
      });
      await o.put('notion', { name: 'Notion', builtin: false }, '?replace=true').expect(200);
      expect((await o.get('github').expect(200)).body._source).toMatchObject({
        description: 'ours',
        builtin: true,
      });
      expect((await o.get('notion').expect(200)).body._source.builtin).toBe(true);
      await o.del('github').expect(403);
      await o.del('notion').expect(403);
    });
  });

  describe('DELETE /connector/:id', () => {
    it('deletes, then answers 404 {"_id","result":"not_found"}', async () => {
      const o = await org();
      const id = await o.create({ name: 'x' });
      expect((await o.del(id).expect(200)).body).toEqual({ _id: id, result: 'deleted', ...V(2) });
      expect((await o.del(id).expect(404)).body).toEqual({ _id: id, result: 'not_found' });
    });

    it.each(BUILTIN_IDS)('refuses to delete the built-in %s with 403', async (id) => {
      const o = await org();
      expect((await o.del(id).expect(403)).body).toEqual({
        status: 403,
        error: { reason: 'builtin connector cannot be deleted' },
      });
      await o.get(id).expect(200);
    });
  });

  describe('routing', () => {
    it('never reads _search as a connector id', async () => {
      const o = await org();
      expect((await o.search().expect(200)).body).toHaveProperty('hits');
      expect((await o.put('_search', { name: 'x' }).expect(404)).body).toEqual({
        _id: '_search',
        result: 'not_found',
      });
      expect((await o.del('_search').expect(404)).body).toEqual({
        _id: '_search',
        result: 'not_found',
      });
    });

    it('answers unknown paths under /connector and /coco in the Coco shape', async () => {
      const o = await org();
      for (const path of ['/connector/a/b', '/coco/nothing']) {
        const res = await request(t.server).get(path).set('X-API-TOKEN', o.key).expect(404);
        expect(res.body).toEqual({ status: 404, error: { reason: expect.any(String) } });
      }
    });
  });

  describe('organizations', () => {
    it('keep their connectors apart: same ids allowed, nothing seen, changed or deleted across', async () => {
      const a = await org('coco-a');
      const b = await org('coco-b');
      await a.post({ id: 'shared', name: 'A' }).expect(200);
      await b.post({ id: 'shared', name: 'B' }).expect(200);
      const onlyA = await a.create({ name: 'only in A' });
      expect((await b.get(onlyA).expect(404)).body).toEqual({ _id: onlyA, found: false });
      expect((await b.put(onlyA, { name: 'x' }).expect(404)).body).toEqual({
        _id: onlyA,
        result: 'not_found',
      });
      expect((await b.del(onlyA).expect(404)).body).toEqual({ _id: onlyA, result: 'not_found' });
      await b.put('github', { description: 'B edit' }).expect(200);
      expect((await a.get('shared').expect(200)).body._source.name).toBe('A');
      expect((await a.get('github').expect(200)).body._source.description).not.toBe('B edit');
      const searched = (await b.search('?size=100').expect(200)).body;
      expect(searched.hits.total).toEqual({ value: 11, relation: 'eq' });
      expect(searched.hits.hits.map((h: Body) => h._id)).not.toContain(onlyA);
      expect((await b.search(`?filter=id:${onlyA}`).expect(200)).body.hits.total.value).toBe(0);
    });
  });

  describe('masking', () => {
    it('shows every secret of config as ******, at any depth and inside lists, on get and search', async () => {
      const o = await org();
      const values = [secrets.make('a'), secrets.make('b'), secrets.make('c'), secrets.make('d')];
      const id = await o.create({
        name: 'masked',
        config: {
          token: values[0],
          db: { password: values[1], options: { client_secret: values[2] } },
          accounts: [{ user: 'u', access_token: values[3] }, 'plain'],
        },
      });
      const expected = {
        token: '******',
        db: { password: '******', options: { client_secret: '******' } },
        accounts: [{ user: 'u', access_token: '******' }, 'plain'],
      };
      expect((await o.get(id).expect(200)).body._source.config).toEqual(expected);
      const hit = (await o.search(`?filter=id:${id}`).expect(200)).body.hits.hits[0];
      expect(hit._source.config).toEqual(expected);
      const posted = await request(t.server)
        .post('/connector/_search')
        .set('X-API-TOKEN', o.key)
        .send({ query: { ids: { values: [id] } } })
        .expect(200);
      expect(posted.body.hits.hits[0]._source.config).toEqual(expected);
      const rows = await t.sql<{
        config: { token: string; accounts: Array<{ access_token: string }> };
      }>('SELECT config FROM connectors WHERE organization_id = $1 AND id = $2', [
        o.organizationId,
        id,
      ]);
      expect(rows[0].config.token).toMatch(/^gw1\./);
      expect(rows[0].config.accounts[0].access_token).toMatch(/^gw1\./);
    });
  });

  describe('OpenAPI', () => {
    it('serves the Coco document with the Coco routes', async () => {
      const doc = await request(t.server).get('/docs/coco.json').expect(200);
      expect(Object.keys(doc.body.paths)).toEqual(
        expect.arrayContaining([
          '/connector',
          '/connector/_search',
          '/connector/{id}',
          '/coco/connector',
          '/coco/connector/_search',
          '/coco/connector/{id}',
        ]),
      );
      expect(Object.keys(doc.body.paths).some((p) => p.includes('*'))).toBe(false);
    });
  });

  // Last, so it sees the whole suite; a named test, so a leak fails by name.
  it('sent no secret back in any response, and keeps none in clear in any table', async () => {
    expect(secrets.values.length).toBeGreaterThan(0);
    expectNoClearSecrets(responses.bodies, secrets.values);
    await expectNoClearSecretsInRows(t, secrets.values);
  });
});
