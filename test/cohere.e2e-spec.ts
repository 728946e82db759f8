import request from 'supertest';
import { ConnectorsService } from '../src/connectors/connectors.service';
import type { Actor } from '../src/connectors/domain/connector.input';
import { BUILTIN_IDS, startTestApp, type TestApp } from './app';
import { cohereClient, COHERE_PREFIXES, createConnector, type Body } from './cohere-client';
import { cohereConnectorResponseProblems, cohereListProblems } from './cohere-schema';
import {
  expectNoClearSecrets,
  expectNoClearSecretsInRows,
  recordResponses,
  type ResponseRecorder,
  SEALED_VALUE,
  SecretWatch,
} from './secrets';

/**
 * The Cohere v1 dialect through the real HTTP stack and PostgreSQL: every route, its success shape
 * against the seed's schema, every error status with its body, and the secrets' fate. Paging and
 * OAuth have files of their own (cohere-paging, cohere-oauth).
 */
describe('Cohere v1 connectors', () => {
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

  const organizations: string[] = [];
  async function org(prefix = 'cohere') {
    const o = await t.newOrganization(prefix);
    organizations.push(o.organizationId);
    const actor: Actor = { organizationId: o.organizationId, apiKeyId: o.keyId };
    return { ...o, actor, api: cohereClient(t.server, o.key) };
  }

  const openSecrets = (actor: Actor, id: string) =>
    t.app.get(ConnectorsService).openSecrets(actor, id);

  async function rawRow(organizationId: string, id: string) {
    const rows = await t.sql<{
      oauth: Record<string, unknown> | null;
      service_auth_type: string | null;
      service_auth_token: string | null;
      excludes: string[] | null;
      created_by: string | null;
      updated_by: string | null;
    }>(
      `SELECT oauth, service_auth_type, service_auth_token, excludes, created_by, updated_by
       FROM connectors WHERE organization_id = $1 AND id = $2`,
      [organizationId, id],
    );
    expect(rows).toHaveLength(1);
    return rows[0];
  }

  function oauthBody(clientSecret: string): Body {
    return {
      name: 'Internal Wiki',
      url: 'https://wiki.example.com/search',
      description: 'The company wiki',
      excludes: ['internal_notes', 'author'],
      oauth: {
        client_id: 'wiki-client',
        client_secret: clientSecret,
        authorize_url: 'https://auth.example.com/oauth/authorize',
        token_url: 'https://auth.example.com/oauth/token',
        scope: 'read offline_access',
      },
      active: false,
      continue_on_failure: true,
    };
  }

  describe('create: POST /v1/connectors', () => {
    it('answers 200 {connector} with every field of the seed schema; the client secret is masked, sealed and kept', async () => {
      const { organizationId, actor, api, keyId } = await org();
      const clientSecret = secrets.make('client-secret');
      const before = Date.now();
      const res = await api.create(oauthBody(clientSecret)).expect(200);
      const after = Date.now();

      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(cohereConnectorResponseProblems(res.body)).toEqual([]);
      const c = res.body.connector;
      expect(res.body).toEqual({
        connector: {
          id: expect.stringMatching(/^internal-wiki-[a-z0-9]{6}$/),
          organization_id: organizationId,
          name: 'Internal Wiki',
          description: 'The company wiki',
          url: 'https://wiki.example.com/search',
          created_at: c.created_at,
          updated_at: c.created_at,
          excludes: ['internal_notes', 'author'],
          auth_type: 'oauth',
          oauth: {
            client_id: 'wiki-client',
            client_secret: '******',
            authorize_url: 'https://auth.example.com/oauth/authorize',
            token_url: 'https://auth.example.com/oauth/token',
            scope: 'read offline_access',
          },
          active: false,
          continue_on_failure: true,
        },
      });
      const created = Date.parse(c.created_at);
      expect(created).toBeGreaterThanOrEqual(before - 5);
      expect(created).toBeLessThanOrEqual(after + 5);

      // Stored sealed, bound to its connector, and opens to what was sent.
      const row = await rawRow(organizationId, c.id);
      expect(row.oauth).toEqual({
        clientId: 'wiki-client',
        clientSecret: expect.stringMatching(SEALED_VALUE),
        authorizeUrl: 'https://auth.example.com/oauth/authorize',
        tokenUrl: 'https://auth.example.com/oauth/token',
        scope: 'read offline_access',
      });
      expect(row.created_by).toBe(keyId);
      expect((await openSecrets(actor, c.id)).oauthClientSecret).toBe(clientSecret);

      // The same connector is what GET answers.
      expect((await api.get(c.id).expect(200)).body).toEqual(res.body);
    });

    it('gives a minimal connector the defaults (active true, continue_on_failure false) and no optional field', async () => {
      const { organizationId, api } = await org();
      const res = await api
        .create({ name: 'Minimal', url: 'http://search.internal:8080/search' })
        .expect(200);
      expect(cohereConnectorResponseProblems(res.body)).toEqual([]);
      expect(res.body).toEqual({
        connector: {
          id: expect.stringMatching(/^minimal-[a-z0-9]{6}$/),
          organization_id: organizationId,
          name: 'Minimal',
          url: 'http://search.internal:8080/search',
          created_at: res.body.connector.created_at,
          updated_at: res.body.connector.created_at,
          active: true,
          continue_on_failure: false,
        },
      });
    });

    it('takes the nulls the SDK sends for options left undefined as "not given"', async () => {
      const { api } = await org();
      const res = await api
        .create({
          name: 'Nulls',
          url: 'https://n.example.com/search',
          description: null,
          excludes: null,
          oauth: null,
          service_auth: null,
          active: null,
          continue_on_failure: null,
        })
        .expect(200);
      expect(Object.keys(res.body.connector).sort()).toEqual(
        [
          'active',
          'continue_on_failure',
          'created_at',
          'id',
          'name',
          'organization_id',
          'updated_at',
          'url',
        ].sort(),
      );
      expect(res.body.connector).toMatchObject({ active: true, continue_on_failure: false });
    });

    it('stores service_auth sealed and never returns it: auth_type is service_auth, no secret block', async () => {
      const { organizationId, actor, api } = await org();
      const token = secrets.make('service-token');
      const res = await api
        .create({
          name: 'Svc',
          url: 'https://svc.example.com/search',
          service_auth: { type: 'bearer', token },
        })
        .expect(200);
      expect(cohereConnectorResponseProblems(res.body)).toEqual([]);
      const c = res.body.connector;
      expect(c.auth_type).toBe('service_auth');
      expect(c).not.toHaveProperty('oauth');
      expect(c).not.toHaveProperty('service_auth');
      const row = await rawRow(organizationId, c.id);
      expect(row.service_auth_type).toBe('bearer');
      expect(row.service_auth_token).toMatch(SEALED_VALUE);
      expect(row.oauth).toBeNull();
      expect(await openSecrets(actor, c.id)).toEqual({
        url: c.url,
        config: null,
        oauthClientSecret: null,
        serviceAuthToken: token,
      });
    });

    it('defaults service_auth.type to noscheme', async () => {
      const { organizationId, api } = await org();
      const token = secrets.make('noscheme-token');
      const c = await createConnector(api, {
        name: 'Plain',
        url: 'https://p.example.com/search',
        service_auth: { token },
      });
      expect((await rawRow(organizationId, c.id)).service_auth_type).toBe('noscheme');
    });

    it('makes a new id for every connector, even with the same name', async () => {
      const { api } = await org();
      const a = await createConnector(api, { name: 'Same', url: 'https://s.example.com/search' });
      const b = await createConnector(api, { name: 'Same', url: 'https://s.example.com/search' });
      expect(a.id).not.toBe(b.id);
    });
  });

  describe('read: GET /v1/connectors and /v1/connectors/:id', () => {
    it('lists the 10 built-in connectors of a new organization, each a valid Connector', async () => {
      const { organizationId, api } = await org();
      const res = await api.list().expect(200);
      expect(cohereListProblems(res.body)).toEqual([]);
      expect(res.body.total_count).toBe(10);
      expect(res.body.connectors.map((c: Body) => c.id).sort()).toEqual(BUILTIN_IDS);
      const github = res.body.connectors.find((c: Body) => c.id === 'github');
      expect(github).toEqual({
        id: 'github',
        organization_id: organizationId,
        name: 'GitHub',
        description: 'Index repositories, issues and pull requests from GitHub.',
        url: 'https://github.com',
        created_at: expect.any(String),
        updated_at: expect.any(String),
        active: true,
        continue_on_failure: false,
      });
      // A built-in with no url simply has none.
      expect(res.body.connectors.find((c: Body) => c.id === 'rss')).not.toHaveProperty('url');
    });

    it('shows auth_status valid or expired once the calling key holds a grant, and nothing before', async () => {
      const { organizationId, keyId, api } = await org();
      const c = await createConnector(api, oauthBody(secrets.make('grant-client-secret')));
      expect((await api.get(c.id).expect(200)).body.connector).not.toHaveProperty('auth_status');
      // The grant as the OAuth callback stores it (test/oauth-flow.e2e-spec.ts makes real ones).
      const cases = [
        ['valid', 'valid', new Date(Date.now() + 3_600_000)],
        ['expired', 'expired', null],
        ['valid', 'expired', new Date(Date.now() - 1000)], // expired access token, no refresh token
      ] as const;
      for (const [stored, shown, expiresAt] of cases) {
        const access = t.cipher.seal(
          secrets.make('access-token'),
          `connector:${organizationId}/${c.id}#oauth_grant/${keyId}/access`,
        );
        await t.sql(
          `INSERT INTO oauth_grants (organization_id, connector_id, api_key_id, status, access_token, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (organization_id, connector_id, api_key_id)
           DO UPDATE SET status = $4, access_token = $5, expires_at = $6`,
          [organizationId, c.id, keyId, stored, stored === 'expired' ? null : access, expiresAt],
        );
        const got = await api.get(c.id).expect(200);
        expect(cohereConnectorResponseProblems(got.body)).toEqual([]);
        expect(got.body.connector.auth_status).toBe(shown);
      }
    });
  });

  describe('request validation: 400 {"message"}', () => {
    const valid = { name: 'V', url: 'https://v.example.com/search' };
    const oauth = {
      authorize_url: 'https://a.example.com/authorize',
      token_url: 'https://a.example.com/token',
    };
    const createCases: Array<[string, Body | string, string]> = [
      ['malformed JSON', '{"name": "x", ', 'invalid request body: malformed JSON'],
      ['an empty JSON body (no body)', '', 'body: must be a JSON object'],
      ['a JSON array', '[]', 'body: must be a JSON object'],
      ['a JSON string', '"name"', 'body: must be a JSON object'],
      ['an unknown field', { ...valid, colour: 'blue' }, 'colour: is not a known field'],
      [
        'an unknown field inside oauth',
        { ...valid, oauth: { ...oauth, extra: 1 } },
        'oauth.extra: is not a known field',
      ],
      [
        'an unknown field inside service_auth',
        { ...valid, service_auth: { token: 'x', kind: 'y' } },
        'service_auth.kind: is not a known field',
      ],
      ['a missing name', { url: valid.url }, 'name: should not be empty; name: must be a string'],
      ['a missing url', { name: 'V' }, 'url: should not be empty; url: must be a string'],
      ['an empty name', { ...valid, name: '' }, 'name: should not be empty'],
      ['a blank name', { ...valid, name: '   ' }, 'name: must not be empty'],
      ['a numeric name', { ...valid, name: 42 }, 'name: must be a string'],
      ['a numeric description', { ...valid, description: 1 }, 'description: must be a string'],
      ['a string for active', { ...valid, active: 'yes' }, 'active: must be a boolean value'],
      [
        'a number for continue_on_failure',
        { ...valid, continue_on_failure: 1 },
        'continue_on_failure: must be a boolean value',
      ],
      ['a string for excludes', { ...valid, excludes: 'a' }, 'excludes: must be an array'],
      [
        'numbers in excludes',
        { ...valid, excludes: [1] },
        'excludes: each value in excludes must be a string',
      ],
      ['a string for oauth', { ...valid, oauth: 'x' }, 'oauth: must be an object'],
      ['an array for oauth', { ...valid, oauth: [oauth] }, 'oauth: must be an object'],
      [
        'an array for service_auth',
        { ...valid, service_auth: [] },
        'service_auth: must be an object',
      ],
      [
        'oauth without its urls',
        { ...valid, oauth: { client_id: 'x' } },
        'oauth.authorize_url: should not be empty; oauth.authorize_url: must be a string; oauth.token_url: should not be empty; oauth.token_url: must be a string',
      ],
      [
        'oauth with a non-http authorize_url',
        { ...valid, oauth: { ...oauth, authorize_url: 'javascript:alert(1)' } },
        'oauth.authorize_url: must be an absolute http(s) URL',
      ],
      [
        'oauth with a relative token_url',
        { ...valid, oauth: { ...oauth, token_url: '/token' } },
        'oauth.token_url: must be an absolute http(s) URL',
      ],
      [
        'a numeric client_secret',
        { ...valid, oauth: { ...oauth, client_secret: 5 } },
        'oauth.client_secret: must be a string',
      ],
      [
        'an unknown service_auth.type',
        { ...valid, service_auth: { type: 'digest', token: 'x' } },
        'service_auth.type: must be one of the following values: bearer, basic, noscheme',
      ],
      [
        'service_auth without a token',
        { ...valid, service_auth: { type: 'bearer' } },
        'service_auth.token: should not be empty; service_auth.token: must be a string',
      ],
      [
        'oauth and service_auth together',
        { ...valid, oauth, service_auth: { type: 'bearer', token: 'x' } },
        'oauth: oauth and service_auth cannot both be given',
      ],
      [
        'an ftp url',
        { ...valid, url: 'ftp://files.example.com/search' },
        'url: must be an absolute http(s) URL',
      ],
      ['a relative url', { ...valid, url: '/search' }, 'url: must be an absolute http(s) URL'],
      [
        'a url that is no url',
        { ...valid, url: 'not a url' },
        'url: must be an absolute http(s) URL',
      ],
      [
        'a NUL character in the name',
        { ...valid, name: 'a\u0000b' },
        'name: must not contain NUL characters',
      ],
      [
        'a NUL character in excludes',
        { ...valid, excludes: ['a\u0000'] },
        'excludes: items must not contain NUL characters',
      ],
      [
        'a name over 256 characters',
        { ...valid, name: 'n'.repeat(257) },
        'name: must be at most 256 characters',
      ],
    ];

    it.each(createCases)(
      'POST with %s answers 400 and creates nothing',
      async (_label, body, message) => {
        const { api } = await org();
        const res = await api.create(body).expect(400);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.body).toEqual({ message: expect.stringContaining(message) });
        expect(Object.keys(res.body)).toEqual(['message']);
        expect((await api.list().expect(200)).body.total_count).toBe(10);
      },
    );

    it('answers the exact message for each field problem', async () => {
      const { api } = await org();
      expect((await api.create({ ...valid, colour: 'blue' })).body).toEqual({
        message: 'colour: is not a known field',
      });
      expect((await api.create({ ...valid, url: 'ftp://x.example.com' })).body).toEqual({
        message: 'url: must be an absolute http(s) URL',
      });
      expect((await api.create({ ...valid, oauth, service_auth: { token: 'x' } })).body).toEqual({
        message: 'oauth: oauth and service_auth cannot both be given',
      });
    });

    it('refuses a text body (400) and a content type it cannot read (415), in the Cohere shape', async () => {
      const { key, api } = await org();
      const send = (type: string) =>
        request(t.server)
          .post('/v1/connectors')
          .set('Authorization', `Bearer ${key}`)
          .set('Content-Type', type)
          .send('<connector name="x" url="https://x.example.com/search"/>');
      const text = await send('text/plain');
      expect(text.status).toBe(400);
      expect(Object.keys(text.body)).toEqual(['message']);
      const xml = await send('application/xml');
      expect(xml.status).toBe(415);
      expect(Object.keys(xml.body)).toEqual(['message']);
      expect((await api.list().expect(200)).body.total_count).toBe(10);
    });

    const patchCases: Array<[string, Body | string, string]> = [
      ['malformed JSON', '{"name": ', 'invalid request body: malformed JSON'],
      ['an unknown field', { colour: 'blue' }, 'colour: is not a known field'],
      ['a read-only field (id)', { id: 'other' }, 'id: is not a known field'],
      [
        'a read-only field (created_at)',
        { created_at: '2020-01-01T00:00:00Z' },
        'created_at: is not a known field',
      ],
      ['an empty name', { name: '' }, 'name: should not be empty'],
      ['a numeric name', { name: 1 }, 'name: must be a string'],
      ['a string for active', { active: 'false' }, 'active: must be a boolean value'],
      ['a non-http url', { url: 'file:///etc/passwd' }, 'url: must be an absolute http(s) URL'],
      ['a string for excludes', { excludes: 'x' }, 'excludes: must be an array'],
      [
        'oauth and service_auth together',
        { oauth: { scope: 'x' }, service_auth: { token: 'x' } },
        'oauth: oauth and service_auth cannot both be given',
      ],
      [
        'an unknown service_auth.type',
        { service_auth: { type: 'digest', token: 'x' } },
        'service_auth.type: must be one of the following values: bearer, basic, noscheme',
      ],
      [
        'oauth on a connector without oauth, missing its urls',
        { oauth: { client_id: 'x' } },
        'oauth.authorize_url: is required; oauth.token_url: is required',
      ],
      [
        'a masked client_secret with no secret stored',
        { oauth: { ...oauth, client_secret: '******' } },
        'oauth.client_secret: is a masked value, but no secret is stored to keep',
      ],
      [
        'a masked service_auth token with no token stored',
        { service_auth: { token: '******' } },
        'service_auth.token: is a masked value, but no secret is stored to keep',
      ],
    ];

    it.each(patchCases)(
      'PATCH with %s answers 400 and changes nothing',
      async (_label, body, message) => {
        const { api } = await org();
        const c = await createConnector(api, { ...valid, excludes: ['a'] });
        const res = await api.update(c.id, body).expect(400);
        expect(res.body).toEqual({ message });
        expect((await api.get(c.id).expect(200)).body.connector).toEqual(c);
      },
    );

    const listCases: Array<[string, Record<string, string>, string]> = [
      ['limit over 100', { limit: '101' }, 'limit: must not be greater than 100'],
      ['a negative limit', { limit: '-1' }, 'limit: must not be less than 0'],
      ['a non-numeric limit', { limit: 'abc' }, 'limit: must be an integer number'],
      ['a fractional limit', { limit: '1.5' }, 'limit: must be an integer number'],
      ['a limit in exponent notation', { limit: '1e1' }, 'limit: must be an integer number'],
      ['a negative offset', { offset: '-1' }, 'offset: must not be less than 0'],
      ['a non-numeric offset', { offset: 'ten' }, 'offset: must be an integer number'],
      ['an unknown parameter', { page: '2' }, 'page: is not a known field'],
    ];

    it.each(listCases)('GET /v1/connectors with %s answers 400', async (_label, query, message) => {
      const { api } = await org();
      const res = await api.list(query).expect(400);
      expect(res.body).toEqual({ message: expect.stringContaining(message) });
      expect(Object.keys(res.body)).toEqual(['message']);
    });

    it('accepts the limit the old Python SDK sends as a float (10.0) and an empty limit as the default', async () => {
      const { api } = await org();
      expect((await api.list({ limit: '5.0' }).expect(200)).body.connectors).toHaveLength(5);
      expect((await api.list({ limit: '' }).expect(200)).body.connectors).toHaveLength(10);
    });

    it("answers a malformed path in the Cohere shape (400), not Fastify's", async () => {
      const { key } = await org();
      const res = await request(t.server)
        .get('/v1/connectors/%E0%A4%A')
        .set('Authorization', `Bearer ${key}`)
        .expect(400);
      expect(Object.keys(res.body)).toEqual(['message']);
    });
  });

  describe('authentication: 401 {"message"}', () => {
    type Call = [string, (api: ReturnType<typeof cohereClient>) => request.Test];
    const calls: Call[] = [
      ['GET list', (api) => api.list()],
      ['POST create', (api) => api.create({ name: 'x', url: 'https://x.example.com/search' })],
      ['GET one', (api) => api.get('github')],
      ['PATCH', (api) => api.update('github', { name: 'x' })],
      ['DELETE', (api) => api.delete('github')],
      ['POST authorize', (api) => api.authorize('github')],
      ['GET authorize', (api) => api.authorize('github', {}, 'GET')],
    ];

    it.each(calls)('%s without a key answers 401 no api key supplied', async (_label, call) => {
      for (const prefix of COHERE_PREFIXES) {
        // An empty key sends no usable credential at all.
        const res = await call(cohereClient(t.server, '', { prefix }));
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ message: 'no api key supplied' });
      }
    });

    it.each(calls)(
      '%s with an unknown key answers 401 invalid api token (Bearer and X-API-TOKEN)',
      async (_label, call) => {
        for (const header of ['bearer', 'x-api-token'] as const) {
          const res = await call(
            cohereClient(t.server, 'gw_not-a-real-key-0123456789', { header }),
          );
          expect(res.status).toBe(401);
          expect(res.body).toEqual({ message: 'invalid api token' });
        }
      },
    );

    it('sends no api key supplied when no header is there at all, or the scheme is not Bearer', async () => {
      expect((await request(t.server).get('/v1/connectors').expect(401)).body).toEqual({
        message: 'no api key supplied',
      });
      expect(
        (
          await request(t.server)
            .get('/v1/connectors')
            .set('Authorization', 'Basic dXNlcjpwYXNz')
            .expect(401)
        ).body,
      ).toEqual({ message: 'no api key supplied' });
    });

    it('accepts the key as Authorization: Bearer and as X-API-TOKEN, for the same organization', async () => {
      const { key, organizationId } = await org();
      const bearer = await cohereClient(t.server, key).list().expect(200);
      const token = await cohereClient(t.server, key, { header: 'x-api-token' }).list().expect(200);
      expect(token.body).toEqual(bearer.body);
      expect(bearer.body.connectors[0].organization_id).toBe(organizationId);
      // the scheme is case-insensitive
      await request(t.server)
        .get('/v1/connectors')
        .set('Authorization', `bearer ${key}`)
        .expect(200);
    });
  });

  describe('not found: 404 {"message": "connector \'<id>\' not found"}', () => {
    it('answers get, patch, delete and authorize (POST and GET) of an unknown id', async () => {
      const { api } = await org();
      const message = { message: "connector 'no-such-connector' not found" };
      expect((await api.get('no-such-connector').expect(404)).body).toEqual(message);
      expect((await api.update('no-such-connector', { name: 'x' }).expect(404)).body).toEqual(
        message,
      );
      expect((await api.delete('no-such-connector').expect(404)).body).toEqual(message);
      expect((await api.authorize('no-such-connector').expect(404)).body).toEqual(message);
      expect((await api.authorize('no-such-connector', {}, 'GET').expect(404)).body).toEqual(
        message,
      );
    });

    it('answers 404 (never a 500) for ids no connector can have', async () => {
      const { api } = await org();
      for (const id of ['a b', 'a\u0000b', '..', 'x'.repeat(129), 'ünïcode']) {
        const res = await api.get(id);
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ message: `connector '${id}' not found` });
        expect((await api.update(id, { name: 'x' })).status).toBe(404);
        expect((await api.delete(id)).status).toBe(404);
      }
    });

    it('answers an unknown route under /v1/connectors in the Cohere shape', async () => {
      const { key } = await org();
      const res = await request(t.server)
        .get('/v1/connectors/github/unknown')
        .set('Authorization', `Bearer ${key}`);
      expect(res.status).toBe(404);
      expect(Object.keys(res.body)).toEqual(['message']);
    });
  });

  describe('update: PATCH /v1/connectors/:id', () => {
    it('changes only the fields given and keeps the stored secret when client_secret is omitted', async () => {
      const { organizationId, actor, api, keyId } = await org();
      const clientSecret = secrets.make('keep-omitted');
      const c = await createConnector(api, oauthBody(clientSecret));
      const sealedBefore = (await rawRow(organizationId, c.id)).oauth?.clientSecret;

      const res = await api.update(c.id, { name: 'Renamed Wiki' }).expect(200);
      expect(cohereConnectorResponseProblems(res.body)).toEqual([]);
      expect(res.body.connector).toEqual({
        ...c,
        name: 'Renamed Wiki',
        updated_at: res.body.connector.updated_at,
      });
      expect(Date.parse(res.body.connector.updated_at)).toBeGreaterThan(
        Date.parse(c.updated_at as string),
      );
      expect(res.body.connector.created_at).toBe(c.created_at);
      expect(res.body.connector.id).toBe(c.id);

      const row = await rawRow(organizationId, c.id);
      expect(row.oauth?.clientSecret).toBe(sealedBefore);
      expect(row.updated_by).toBe(keyId);
      expect((await openSecrets(actor, c.id)).oauthClientSecret).toBe(clientSecret);
      expect((await api.get(c.id).expect(200)).body).toEqual(res.body);
    });

    it('keeps the stored secret when the mask ****** is sent back', async () => {
      const { actor, api } = await org();
      const clientSecret = secrets.make('keep-masked');
      const c = await createConnector(api, oauthBody(clientSecret));
      const shown = (await api.get(c.id).expect(200)).body.connector;
      // What a client does: send back what it was shown, with one change.
      const {
        id: _id,
        organization_id: _o,
        created_at: _c,
        updated_at: _u,
        auth_type: _a,
        description: _d,
        ...rest
      } = shown;
      const res = await api.update(c.id, { ...rest, name: 'Round trip' }).expect(200);
      expect(res.body.connector.oauth).toEqual(c.oauth);
      expect((await openSecrets(actor, c.id)).oauthClientSecret).toBe(clientSecret);

      await api.update(c.id, { oauth: { client_secret: '******' } }).expect(200);
      expect((await openSecrets(actor, c.id)).oauthClientSecret).toBe(clientSecret);
    });

    it('replaces the secret when a new client_secret is given, and still shows only the mask', async () => {
      const { organizationId, actor, api } = await org();
      const first = secrets.make('replaced-old');
      const second = secrets.make('replaced-new');
      const c = await createConnector(api, oauthBody(first));
      const sealedBefore = (await rawRow(organizationId, c.id)).oauth?.clientSecret;

      const res = await api.update(c.id, { oauth: { client_secret: second } }).expect(200);
      expect(res.body.connector.oauth).toEqual({ ...(c.oauth as Body), client_secret: '******' });
      const sealedAfter = (await rawRow(organizationId, c.id)).oauth?.clientSecret;
      expect(sealedAfter).toMatch(SEALED_VALUE);
      expect(sealedAfter).not.toBe(sealedBefore);
      expect((await openSecrets(actor, c.id)).oauthClientSecret).toBe(second);
    });

    it('merges a partial oauth with the stored one', async () => {
      const { actor, api } = await org();
      const clientSecret = secrets.make('partial-oauth');
      const c = await createConnector(api, oauthBody(clientSecret));
      const res = await api
        .update(c.id, { oauth: { scope: 'read write', client_id: 'new-client' } })
        .expect(200);
      expect(res.body.connector.oauth).toEqual({
        client_id: 'new-client',
        client_secret: '******',
        authorize_url: 'https://auth.example.com/oauth/authorize',
        token_url: 'https://auth.example.com/oauth/token',
        scope: 'read write',
      });
      expect(res.body.connector.auth_type).toBe('oauth');
      const moved = await api
        .update(c.id, { oauth: { token_url: 'https://auth.example.com/v2/token' } })
        .expect(200);
      expect(moved.body.connector.oauth).toEqual({
        ...res.body.connector.oauth,
        token_url: 'https://auth.example.com/v2/token',
      });
      expect((await openSecrets(actor, c.id)).oauthClientSecret).toBe(clientSecret);
    });

    it('replaces excludes with the list given (not appended), and [] empties it', async () => {
      const { api } = await org();
      const c = await createConnector(api, {
        name: 'E',
        url: 'https://e.example.com/search',
        excludes: ['a', 'b'],
      });
      expect(
        (await api.update(c.id, { excludes: ['c'] }).expect(200)).body.connector.excludes,
      ).toEqual(['c']);
      expect(
        (await api.update(c.id, { excludes: [] }).expect(200)).body.connector.excludes,
      ).toEqual([]);
      expect((await api.get(c.id).expect(200)).body.connector.excludes).toEqual([]);
    });

    it('switches an oauth connector to service_auth when service_auth is set (and drops the oauth secret)', async () => {
      const { organizationId, actor, api } = await org();
      const c = await createConnector(api, oauthBody(secrets.make('switched-away')));
      const token = secrets.make('switched-to');
      const res = await api.update(c.id, { service_auth: { type: 'basic', token } }).expect(200);
      expect(cohereConnectorResponseProblems(res.body)).toEqual([]);
      expect(res.body.connector.auth_type).toBe('service_auth');
      expect(res.body.connector).not.toHaveProperty('oauth');
      const row = await rawRow(organizationId, c.id);
      expect(row.oauth).toBeNull();
      expect(row.service_auth_type).toBe('basic');
      expect(row.service_auth_token).toMatch(SEALED_VALUE);
      expect(await openSecrets(actor, c.id)).toMatchObject({
        oauthClientSecret: null,
        serviceAuthToken: token,
      });

      // and back to oauth: the service token goes
      const back = await api
        .update(c.id, {
          oauth: {
            authorize_url: 'https://a.example.com/authorize',
            token_url: 'https://a.example.com/token',
          },
        })
        .expect(200);
      expect(back.body.connector.auth_type).toBe('oauth');
      expect(back.body.connector.oauth).toEqual({
        authorize_url: 'https://a.example.com/authorize',
        token_url: 'https://a.example.com/token',
      });
      expect(await openSecrets(actor, c.id)).toMatchObject({
        oauthClientSecret: null,
        serviceAuthToken: null,
      });
    });

    it('keeps the service token when the mask is sent, replaces it when a new one is sent, and can change only the type', async () => {
      const { actor, api } = await org();
      const first = secrets.make('svc-first');
      const c = await createConnector(api, {
        name: 'S',
        url: 'https://s.example.com/search',
        service_auth: { type: 'bearer', token: first },
      });
      await api.update(c.id, { service_auth: { type: 'basic', token: '******' } }).expect(200);
      expect((await openSecrets(actor, c.id)).serviceAuthToken).toBe(first);
      const second = secrets.make('svc-second');
      await api.update(c.id, { service_auth: { token: second } }).expect(200);
      expect((await openSecrets(actor, c.id)).serviceAuthToken).toBe(second);
    });

    it('updates booleans, description and url, and treats the SDK nulls as "not given"', async () => {
      const { api } = await org();
      const c = await createConnector(api, { ...oauthBody(secrets.make('booleans')) });
      const res = await api
        .update(c.id, {
          active: true,
          continue_on_failure: false,
          description: 'New text',
          url: 'https://wiki2.example.com/search',
        })
        .expect(200);
      expect(res.body.connector).toMatchObject({
        active: true,
        continue_on_failure: false,
        description: 'New text',
        url: 'https://wiki2.example.com/search',
      });
      const nulls = await api
        .update(c.id, {
          name: null,
          url: null,
          excludes: null,
          oauth: null,
          service_auth: null,
          active: null,
          continue_on_failure: null,
        })
        .expect(200);
      expect({ ...nulls.body.connector, updated_at: null }).toEqual({
        ...res.body.connector,
        updated_at: null,
      });
      const empty = await api.update(c.id, {}).expect(200);
      expect({ ...empty.body.connector, updated_at: null }).toEqual({
        ...res.body.connector,
        updated_at: null,
      });
    });

    it('can update a built-in connector', async () => {
      const { api } = await org();
      const res = await api.update('github', { active: false, excludes: ['body'] }).expect(200);
      expect(res.body.connector).toMatchObject({
        id: 'github',
        name: 'GitHub',
        active: false,
        excludes: ['body'],
      });
    });
  });

  describe('delete: DELETE /v1/connectors/:id', () => {
    it('answers 200 {} and the connector is gone: get, patch, delete again and authorize answer 404', async () => {
      const { organizationId, api } = await org();
      const c = await createConnector(api, oauthBody(secrets.make('deleted')));
      const res = await api.delete(c.id).expect(200);
      expect(res.body).toEqual({});
      expect(res.text).toBe('{}');
      const message = { message: `connector '${c.id}' not found` };
      expect((await api.get(c.id).expect(404)).body).toEqual(message);
      expect((await api.update(c.id, { name: 'x' }).expect(404)).body).toEqual(message);
      expect((await api.delete(c.id).expect(404)).body).toEqual(message);
      expect((await api.authorize(c.id).expect(404)).body).toEqual(message);
      expect((await api.list().expect(200)).body.total_count).toBe(10);
      expect(
        await t.sql('SELECT 1 FROM connectors WHERE organization_id = $1 AND id = $2', [
          organizationId,
          c.id,
        ]),
      ).toEqual([]);
    });

    it('refuses to delete a built-in connector: 403 and it stays', async () => {
      const { api } = await org();
      expect((await api.delete('github').expect(403)).body).toEqual({
        message: 'builtin connector cannot be deleted',
      });
      await api.get('github').expect(200);
    });
  });

  describe('organization isolation', () => {
    it("another organization's connector answers 404 to get, patch, delete and authorize, both ways, and lists never mix", async () => {
      const a = await org('iso-a');
      const b = await org('iso-b');
      const ca = await createConnector(a.api, oauthBody(secrets.make('iso-a')));
      const cb = await createConnector(b.api, oauthBody(secrets.make('iso-b')));

      for (const [me, theirs] of [
        [a, cb],
        [b, ca],
      ] as const) {
        const message = { message: `connector '${theirs.id}' not found` };
        expect((await me.api.get(theirs.id).expect(404)).body).toEqual(message);
        expect((await me.api.update(theirs.id, { name: 'stolen' }).expect(404)).body).toEqual(
          message,
        );
        expect((await me.api.delete(theirs.id).expect(404)).body).toEqual(message);
        expect((await me.api.authorize(theirs.id).expect(404)).body).toEqual(message);
        expect((await me.api.authorize(theirs.id, {}, 'GET').expect(404)).body).toEqual(message);
        const list = (await me.api.list({ limit: 100 }).expect(200)).body;
        expect(list.total_count).toBe(11);
        expect(list.connectors.map((c: Body) => c.id)).not.toContain(theirs.id);
        expect(new Set(list.connectors.map((c: Body) => c.organization_id))).toEqual(
          new Set([me.organizationId]),
        );
      }
      // Nothing the other organization tried changed anything.
      expect((await a.api.get(ca.id).expect(200)).body.connector).toEqual(ca);
      expect((await b.api.get(cb.id).expect(200)).body.connector).toEqual(cb);
    });

    it("keeps each organization's built-ins apart: changing one's github leaves the other's alone", async () => {
      const a = await org('iso-a');
      const b = await org('iso-b');
      await a.api.update('github', { name: 'A hub' }).expect(200);
      expect((await b.api.get('github').expect(200)).body.connector.name).toBe('GitHub');
      expect((await b.api.get('github').expect(200)).body.connector.organization_id).toBe(
        b.organizationId,
      );
    });
  });

  describe('mount points: /v1/connectors and /cohere/v1/connectors', () => {
    it.each(COHERE_PREFIXES)('serves every route under %s', async (prefix) => {
      const { key, organizationId } = await org();
      const api = cohereClient(t.server, key, { prefix });
      const c = await createConnector(api, oauthBody(secrets.make('mount')));
      expect(c.organization_id).toBe(organizationId);
      const list = (await api.list({ limit: 1 }).expect(200)).body;
      expect(list).toEqual({ connectors: [c], total_count: 11 });
      expect((await api.get(c.id).expect(200)).body).toEqual({ connector: c });
      expect((await api.update(c.id, { name: 'Moved' }).expect(200)).body.connector.name).toBe(
        'Moved',
      );
      const redirect = (await api.authorize(c.id).expect(200)).body.redirect_url as string;
      expect(redirect.startsWith('https://auth.example.com/oauth/authorize?')).toBe(true);
      expect((await api.authorize(c.id, {}, 'GET').expect(200)).body.redirect_url).toEqual(
        expect.any(String),
      );
      expect((await api.delete(c.id).expect(200)).body).toEqual({});
      expect((await api.get(c.id).expect(404)).body).toEqual({
        message: `connector '${c.id}' not found`,
      });
    });

    it('shows the same store at both mount points', async () => {
      const { key } = await org();
      const root = cohereClient(t.server, key);
      const prefixed = cohereClient(t.server, key, { prefix: '/cohere/v1/connectors' });
      const c1 = await createConnector(prefixed, {
        name: 'From prefix',
        url: 'https://p.example.com/search',
      });
      const c2 = await createConnector(root, {
        name: 'From root',
        url: 'https://r.example.com/search',
      });
      expect((await root.get(c1.id).expect(200)).body.connector).toEqual(c1);
      expect((await prefixed.get(c2.id).expect(200)).body.connector).toEqual(c2);
      expect((await root.list().expect(200)).body).toEqual(
        (await prefixed.list().expect(200)).body,
      );
    });

    it('does not answer the root PUT /v1/connectors/:id with a Cohere success (it is not a Cohere route)', async () => {
      const { key, api } = await org();
      const c = await createConnector(api, { name: 'Put', url: 'https://put.example.com/search' });
      const res = await request(t.server)
        .put(`/v1/connectors/${c.id}`)
        .set('Authorization', `Bearer ${key}`)
        .send({ name: 'Put by Cohere?' });
      expect(res.body).not.toHaveProperty('connector');
      // Under /cohere, PUT is simply not a route of the dialect: a Cohere 404.
      const prefixed = await request(t.server)
        .put(`/cohere/v1/connectors/${c.id}`)
        .set('Authorization', `Bearer ${key}`)
        .send({ name: 'x' });
      expect(prefixed.status).toBe(404);
      expect(Object.keys(prefixed.body)).toEqual(['message']);
    });
  });

  describe('request ids', () => {
    it('returns the X-Request-Id the client sent on Cohere successes and errors, at both mount points', async () => {
      const { key } = await org();
      for (const prefix of COHERE_PREFIXES) {
        const cases: Array<[number, request.Test]> = [
          [200, request(t.server).get(prefix).set('Authorization', `Bearer ${key}`)],
          [401, request(t.server).get(prefix)],
          [404, request(t.server).get(`${prefix}/missing`).set('Authorization', `Bearer ${key}`)],
          [
            400,
            request(t.server)
              .post(prefix)
              .set('Authorization', `Bearer ${key}`)
              .set('Content-Type', 'application/json')
              .send('{'),
          ],
          [
            400,
            request(t.server).post(prefix).set('Authorization', `Bearer ${key}`).send({ name: 1 }),
          ],
        ];
        for (const [i, [status, call]] of cases.entries()) {
          const id = `cohere-${status}-${i}-${prefix.length}`;
          const res = await call.set('X-Request-Id', id);
          expect(res.status).toBe(status);
          expect(res.headers['x-request-id']).toBe(id);
        }
      }
    });

    it('makes a UUID when the client sent none or an unusable one', async () => {
      const { api } = await org();
      const none = await api.list().expect(200);
      expect(none.headers['x-request-id']).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      );
      const bad = await api.list().set('X-Request-Id', 'has spaces and <html>');
      expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      const long = await api.list().set('X-Request-Id', 'x'.repeat(129));
      expect(long.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('internal faults: 500', () => {
    it('answers a real fault with 500 {"message":"internal server error"} and nothing of the internals', async () => {
      const { api } = await org();
      const service = t.app.get(ConnectorsService);
      const fault = new Error(
        'relation "connectors" does not exist (postgres://postgres@db:5432/prod)',
      );
      const spy = jest.spyOn(service, 'get').mockRejectedValueOnce(fault);
      try {
        const res = await api.get('github').set('X-Request-Id', 'fault-1');
        expect(res.status).toBe(500);
        expect(res.body).toEqual({ message: 'internal server error' });
        expect(res.text).not.toMatch(/relation|postgres|stack|at /);
        expect(res.headers['x-request-id']).toBe('fault-1');
      } finally {
        spy.mockRestore();
      }
      const thrown = jest.spyOn(service, 'list').mockImplementationOnce(() => {
        throw new TypeError("Cannot read properties of undefined (reading 'secret')");
      });
      try {
        const res = await api.list();
        expect(res.status).toBe(500);
        expect(res.body).toEqual({ message: 'internal server error' });
      } finally {
        thrown.mockRestore();
      }
      // And the app is fine afterwards.
      await api.get('github').expect(200);
    });
  });

  describe('oversized bodies: 413', () => {
    let small: TestApp;
    beforeAll(async () => {
      small = await startTestApp({ bodyLimit: 4096 });
    });
    afterAll(() => small.close());

    it('answers 413 {"message"} for a create or an update over the body limit, with or without a key', async () => {
      const o = await small.newOrganization('big');
      const api = cohereClient(small.server, o.key);
      const big = {
        name: 'Big',
        url: 'https://big.example.com/search',
        description: 'x'.repeat(5000),
      };
      const expected = { message: 'request body is too large' };
      const created = await api.create(big).set('X-Request-Id', 'too-big');
      expect(created.status).toBe(413);
      expect(created.body).toEqual(expected);
      expect(created.headers['x-request-id']).toBe('too-big');
      expect((await api.update('github', big)).body).toEqual(expected);
      const anonymous = await request(small.server).post('/cohere/v1/connectors').send(big);
      expect(anonymous.status).toBe(413);
      expect(anonymous.body).toEqual(expected);
      // Just under the limit is fine.
      await api.create({ ...big, description: 'x'.repeat(3000) }).expect(200);
    });
  });

  // Last: everything above has run and every body was recorded.
  describe('no secret in clear', () => {
    it('no response body of this suite and no raw row of the schema holds a clear secret', async () => {
      expect(secrets.values.length).toBeGreaterThan(10);
      expect(responses.bodies.length).toBeGreaterThan(100);
      expectNoClearSecrets(responses.bodies, secrets.values);
      await expectNoClearSecretsInRows(t, secrets.values);
    });

    it('every stored secret of this suite is a gw1. sealed value', async () => {
      const rows = await t.sql<{ secret: string }>(
        `SELECT oauth->>'clientSecret' AS secret FROM connectors
         WHERE organization_id = ANY($1) AND oauth->>'clientSecret' IS NOT NULL
         UNION ALL SELECT service_auth_token FROM connectors
         WHERE organization_id = ANY($1) AND service_auth_token IS NOT NULL`,
        [organizations],
      );
      expect(rows.length).toBeGreaterThan(5);
      for (const { secret } of rows) expect(secret).toMatch(SEALED_VALUE);
    });

    it('the checks themselves catch a clear secret', async () => {
      const leak = secrets.make('canary');
      expect(() =>
        expectNoClearSecrets([{ connector: { oauth: { client_secret: leak } } }], [leak]),
      ).toThrow();
      const { organizationId } = await org('canary');
      await t.sql(
        `UPDATE connectors SET description = $2 WHERE organization_id = $1 AND id = 'github'`,
        [organizationId, `leaked ${leak}`],
      );
      await expect(expectNoClearSecretsInRows(t, [leak])).rejects.toThrow(
        /connectors\.description/,
      );
      await t.sql(`DELETE FROM organizations WHERE id = $1`, [organizationId]);
    });
  });
});
