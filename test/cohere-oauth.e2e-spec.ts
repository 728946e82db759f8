import { OAuthStateSigner } from '../src/oauth/oauth-state';
import { startTestApp, TEST_ENCRYPTION_KEY, type TestApp } from './app';
import { cohereClient, COHERE_PREFIXES, createConnector, type Body } from './cohere-client';
import {
  expectNoClearSecrets,
  expectNoClearSecretsInRows,
  recordResponses,
  type ResponseRecorder,
  SecretWatch,
} from './secrets';

const CALLBACK = 'https://gateway.test/v1/connectors/oauth/token';

/**
 * POST (and GET) /v1/connectors/:id/oauth/authorize: the redirect to the data source's
 * authorization server that starts the RFC 6749 authorization code grant.
 */
describe('Cohere v1 OAuth authorize', () => {
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

  async function setup(oauth: Body = {}) {
    const o = await t.newOrganization('oauth');
    const api = cohereClient(t.server, o.key);
    const connector = await createConnector(api, {
      name: 'Drive',
      url: 'https://drive.example.com/search',
      oauth: {
        client_id: 'drive-client',
        client_secret: secrets.make('oauth-client-secret'),
        authorize_url: 'https://accounts.example.com/o/oauth2/auth',
        token_url: 'https://accounts.example.com/o/oauth2/token',
        scope: 'drive.readonly email',
        ...oauth,
      },
    });
    return { ...o, api, connector };
  }

  it.each(['POST', 'GET'] as const)(
    '%s answers {redirect_url}: the authorize_url with response_type=code, client_id, scope, redirect_uri and a signed state',
    async (method) => {
      const { api, connector, organizationId } = await setup();
      const before = Math.floor(Date.now() / 1000);
      const res = await api
        .authorize(
          connector.id,
          { after_token_redirect: 'https://app.example.com/done?x=1' },
          method,
        )
        .expect(200);
      expect(Object.keys(res.body)).toEqual(['redirect_url']);

      const url = new URL(res.body.redirect_url);
      expect(`${url.origin}${url.pathname}`).toBe('https://accounts.example.com/o/oauth2/auth');
      expect([...url.searchParams.keys()].sort()).toEqual(
        ['client_id', 'redirect_uri', 'response_type', 'scope', 'state'].sort(),
      );
      expect(url.searchParams.get('response_type')).toBe('code');
      expect(url.searchParams.get('client_id')).toBe('drive-client');
      expect(url.searchParams.get('scope')).toBe('drive.readonly email');
      expect(url.searchParams.get('redirect_uri')).toBe(CALLBACK);

      const state = t.app.get(OAuthStateSigner).verify(url.searchParams.get('state')!);
      expect(state).toEqual({
        org: organizationId,
        cid: connector.id,
        redirect: 'https://app.example.com/done?x=1',
        exp: expect.any(Number),
        nonce: expect.any(String),
      });
      expect(state!.exp).toBeGreaterThanOrEqual(before + 600);
      expect(state!.exp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 600);
    },
  );

  it('signs the state with a key derived from the encryption key: it verifies there and nowhere else, and not once altered', async () => {
    const { api, connector } = await setup();
    const state = new URL(
      (await api.authorize(connector.id).expect(200)).body.redirect_url,
    ).searchParams.get('state')!;
    const same = new OAuthStateSigner(Buffer.from(TEST_ENCRYPTION_KEY, 'base64'));
    expect(same.verify(state)).toMatchObject({ cid: connector.id, redirect: null });
    const other = new OAuthStateSigner(Buffer.alloc(32, 7));
    expect(other.verify(state)).toBeNull();
    const [body, mac] = state.split('.');
    const forged = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(body ?? '', 'base64url').toString()),
        org: 'someone-else',
      }),
    ).toString('base64url');
    expect(same.verify(`${forged}.${mac}`)).toBeNull();
    // expired ten minutes later
    expect(same.verify(state, Date.now() + 601_000)).toBeNull();
  });

  it('makes a new state (nonce) on every call', async () => {
    const { api, connector } = await setup();
    const states = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const url = new URL((await api.authorize(connector.id).expect(200)).body.redirect_url);
      states.add(url.searchParams.get('state')!);
    }
    expect(states.size).toBe(3);
  });

  it('keeps the query the authorize_url already has, and leaves out client_id and scope when none is stored', async () => {
    const { api, connector } = await setup({
      client_id: undefined,
      scope: undefined,
      authorize_url: 'https://login.example.com/authorize?prompt=consent&access_type=offline',
    });
    const url = new URL((await api.authorize(connector.id).expect(200)).body.redirect_url);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      prompt: 'consent',
      access_type: 'offline',
      response_type: 'code',
      redirect_uri: CALLBACK,
      state: expect.any(String),
    });
  });

  it('follows a PATCH of the oauth settings', async () => {
    const { api, connector } = await setup();
    await api
      .update(connector.id, {
        oauth: { client_id: 'new-client', authorize_url: 'https://new.example.com/auth' },
      })
      .expect(200);
    const url = new URL((await api.authorize(connector.id).expect(200)).body.redirect_url);
    expect(`${url.origin}${url.pathname}`).toBe('https://new.example.com/auth');
    expect(url.searchParams.get('client_id')).toBe('new-client');
    expect(url.searchParams.get('scope')).toBe('drive.readonly email');
  });

  it.each(COHERE_PREFIXES)('answers under %s with the same callback', async (prefix) => {
    const { key, connector } = await setup();
    const res = await cohereClient(t.server, key, { prefix }).authorize(connector.id).expect(200);
    expect(new URL(res.body.redirect_url).searchParams.get('redirect_uri')).toBe(CALLBACK);
  });

  it('answers 400 for a connector without oauth (a built-in, a service_auth one)', async () => {
    const { api } = await setup();
    for (const method of ['POST', 'GET'] as const) {
      expect((await api.authorize('github', {}, method).expect(400)).body).toEqual({
        message: "connector 'github' has no oauth configuration",
      });
    }
    const svc = await createConnector(api, {
      name: 'Svc',
      url: 'https://svc.example.com/search',
      service_auth: { type: 'bearer', token: secrets.make('svc-token') },
    });
    expect((await api.authorize(svc.id).expect(400)).body).toEqual({
      message: `connector '${svc.id}' has no oauth configuration`,
    });
  });

  it('answers 400 for an after_token_redirect that is not an absolute http(s) URL', async () => {
    const { api, connector } = await setup();
    for (const redirect of [
      'javascript:alert(1)',
      'not a url',
      '/relative/path',
      'ftp://files.example.com/',
    ]) {
      for (const method of ['POST', 'GET'] as const) {
        const res = await api.authorize(connector.id, { after_token_redirect: redirect }, method);
        expect(res.status).toBe(400);
        expect(res.body).toEqual({
          message: 'after_token_redirect: must be an absolute http(s) URL',
        });
      }
    }
  });

  it('answers 400 for an unknown query parameter, 404 for an unknown connector, 401 without a key', async () => {
    const { api, connector } = await setup();
    expect(
      (await api.authorize(connector.id, { redirect: 'https://x.example.com' }).expect(400)).body,
    ).toEqual({
      message: 'redirect: is not a known field',
    });
    expect((await api.authorize('missing').expect(404)).body).toEqual({
      message: "connector 'missing' not found",
    });
    expect((await cohereClient(t.server, '').authorize(connector.id).expect(401)).body).toEqual({
      message: 'no api key supplied',
    });
  });

  it('puts no client secret in any response of this suite nor in any raw row', async () => {
    expect(responses.bodies.filter((r) => r.body.includes('redirect_url')).length).toBeGreaterThan(
      5,
    );
    expectNoClearSecrets(responses.bodies, secrets.values);
    await expectNoClearSecretsInRows(t, secrets.values);
  });
});
