import { codeChallenge, stateDigest } from '../src/oauth/pkce';
import type { Sealed } from '../src/secrets/cipher';
import { startTestApp, type TestApp } from './app';
import { cohereClient, COHERE_PREFIXES, createConnector, type Body } from './cohere-client';
import {
  expectNoClearSecrets,
  expectNoClearSecretsInRows,
  recordResponses,
  type ResponseRecorder,
  SEALED_VALUE,
  SecretWatch,
} from './secrets';

const CALLBACK = 'https://gateway.test/v1/connectors/oauth/token';

interface FlowRow {
  organization_id: string;
  connector_id: string;
  api_key_id: string;
  after_token_redirect: string | null;
  code_verifier: Sealed;
  expires_at: Date;
}

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
    '%s answers {redirect_url}: the authorize_url with response_type=code, client_id, scope, redirect_uri, a single-use state and a PKCE S256 challenge',
    async (method) => {
      const { api, connector, organizationId, keyId } = await setup();
      const before = Date.now();
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
        [
          'client_id',
          'code_challenge',
          'code_challenge_method',
          'redirect_uri',
          'response_type',
          'scope',
          'state',
        ].sort(),
      );
      expect(url.searchParams.get('response_type')).toBe('code');
      expect(url.searchParams.get('client_id')).toBe('drive-client');
      expect(url.searchParams.get('scope')).toBe('drive.readonly email');
      expect(url.searchParams.get('redirect_uri')).toBe(CALLBACK);
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      const state = url.searchParams.get('state')!;
      expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);

      // The flow is remembered under the state's digest, bound to the organization, connector,
      // API key and after_token_redirect, for ten minutes; the verifier is sealed, and the
      // challenge sent is its S256.
      const [flow] = await t.sql<FlowRow>('SELECT * FROM oauth_flows WHERE id = $1', [
        stateDigest(state),
      ]);
      expect(flow).toMatchObject({
        organization_id: organizationId,
        connector_id: connector.id,
        api_key_id: keyId,
        after_token_redirect: 'https://app.example.com/done?x=1',
      });
      expect(JSON.stringify(flow)).not.toContain(state);
      expect(flow.code_verifier).toMatch(SEALED_VALUE);
      const verifier = t.cipher.open(
        flow.code_verifier,
        `connector:${organizationId}/${connector.id}#oauth_flow/${keyId}`,
      );
      expect(url.searchParams.get('code_challenge')).toBe(codeChallenge(verifier));
      expect(res.body.redirect_url).not.toContain(verifier);
      const expires = new Date(flow.expires_at).getTime();
      expect(expires).toBeGreaterThanOrEqual(before + 600_000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 600_000);
    },
  );

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
      code_challenge: expect.any(String),
      code_challenge_method: 'S256',
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
