import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import request from 'supertest';
import * as auditSql from '../src/audit/persistence/typeorm-audit-trail';
import { auditHasherFor } from '../src/audit/audit.module';
import { jsonPathStep } from '../src/audit/connector-diff';
import { ApiKeysService } from '../src/auth/api-keys.service';
import { ConnectorNotAuthorizedError } from '../src/connectors/domain/connector.errors';
import { OAuthService } from '../src/oauth/oauth.service';
import { codeChallenge } from '../src/oauth/pkce';
import type { Sealed } from '../src/secrets/cipher';
import { startTestApp, type TestApp } from './app';
import { cohereClient, createConnector, type Body } from './cohere-client';
import {
  closedPortUrl,
  OAuthTestServer,
  type OidcClient,
  silentServer,
} from './oauth/oauth-server';
import { authorizeInBrowser, browseToCallback, callGateway } from './oauth/user-agent';
import {
  expectNoClearSecrets,
  expectNoClearSecretsInRows,
  recordResponses,
  type ResponseRecorder,
  SEALED_VALUE,
  SecretWatch,
} from './secrets';

const CALLBACK = 'https://gateway.test/v1/connectors/oauth/token';
/** Short enough for the slow-provider test, long enough for a real exchange on a busy machine. */
const TOKEN_TIMEOUT_MS = 3000;
/** Access tokens of `gw-short` live 120 s: due for refresh (within 60 s) once the clock moves 90 s. */
const SHORT_TTL = 120;
const MOVE_INTO_LEEWAY_MS = 90_000;

/** An `oauth_grants` row as stored. */
interface GrantRow {
  api_key_id: string;
  status: string;
  /** Sealed; null once the grant expired (the tests check which before opening). */
  access_token: Sealed;
  refresh_token: Sealed;
  token_type: string | null;
  expires_at: Date;
}

const secrets = new SecretWatch();
const client = (id: string, auth: OidcClient['token_endpoint_auth_method']): OidcClient => ({
  client_id: id,
  client_secret: secrets.make(`${id}-secret`),
  redirect_uris: [CALLBACK],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: auth,
});
const BASIC = client('gw-basic', 'client_secret_basic');
const POST = client('gw-post', 'client_secret_post');
const SHORT = client('gw-short', 'client_secret_basic');

/**
 * The OAuth 2.0 authorization code flow with PKCE end to end: the gateway against a real
 * authorization server (oidc-provider, refresh-token rotation on, PKCE required) and a scripted
 * user agent that follows its redirects with cookies.
 */
describe('OAuth authorization code flow (gateway as the client)', () => {
  let t: TestApp;
  let oauth: OAuthTestServer;
  let responses: ResponseRecorder;
  const logLines: string[] = [];
  /** Every state and code a callback carried, for the log scan. */
  const flowValues: string[] = [];

  beforeAll(async () => {
    oauth = await OAuthTestServer.start([BASIC, POST, SHORT], { 'gw-short': SHORT_TTL });
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => logLines.push(...chunk.toString('utf8').split('\n')));
    t = await startTestApp(
      { outboundAllowPrivate: true, logLevel: 'trace', oauthTokenTimeoutMs: TOKEN_TIMEOUT_MS },
      { logStream },
    );
    responses = recordResponses(t.server);
  });

  afterAll(async () => {
    responses?.stop();
    jest.restoreAllMocks();
    try {
      await t?.close();
    } finally {
      await oauth?.stop();
    }
  });

  afterEach(() => jest.restoreAllMocks());

  async function setup(c: OidcClient = BASIC, oauthSettings: Body = {}) {
    const org = await t.newOrganization('oauth-flow');
    const other = await t.app.get(ApiKeysService).issue(org.organizationId, 'second key');
    const api = cohereClient(t.server, org.key);
    const connector = await createConnector(api, {
      name: 'Drive',
      url: 'https://drive.example.com/search',
      oauth: {
        client_id: c.client_id,
        client_secret: c.client_secret,
        authorize_url: oauth.authorizeUrl,
        token_url: oauth.tokenUrl,
        scope: 'drive.read',
        ...oauthSettings,
      },
    });
    return {
      ...org,
      api,
      connector: connector as { id: string },
      other: { key: other.key, keyId: other.id },
      actor: { organizationId: org.organizationId, apiKeyId: org.keyId },
    };
  }

  async function browse(url: string) {
    const result = await authorizeInBrowser(t.server, url);
    remember(result.callbackUrl);
    return result;
  }

  function remember(callbackUrl: URL) {
    for (const k of ['code', 'state']) {
      const v = callbackUrl.searchParams.get(k);
      if (v) flowValues.push(v);
    }
  }

  const grants = (organizationId: string, connectorId: string) =>
    t.sql<GrantRow>(
      'SELECT * FROM oauth_grants WHERE organization_id = $1 AND connector_id = $2 ORDER BY api_key_id',
      [organizationId, connectorId],
    );

  const grantContext = (org: string, cid: string, keyId: string, which: string) =>
    `connector:${org}/${cid}#oauth_grant/${keyId}/${which}`;

  /** Runs `fn` with the gateway's clock (Date.now) moved forward. */
  function moveClock(ms: number) {
    const real = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => real() + ms);
  }

  describe('from each entry point', () => {
    it('Cohere POST: authorizes, exchanges the code with PKCE and Basic client auth, stores the grant sealed for the calling key, redirects to after_token_redirect', async () => {
      const { api, connector, organizationId, keyId, other } = await setup();
      const res = await api
        .authorize(connector.id, { after_token_redirect: 'https://app.example.com/done?x=1' })
        .expect(200);
      const authUrl = new URL(res.body.redirect_url);
      const before = oauth.calls.length;

      const done = await browse(res.body.redirect_url);
      expect(done.status).toBe(302);
      const back = new URL(done.location!);
      expect(`${back.origin}${back.pathname}`).toBe('https://app.example.com/done');
      expect(Object.fromEntries(back.searchParams)).toEqual({
        x: '1',
        status: 'success',
        connector_id: connector.id,
      });

      // One code exchange, as RFC 6749 §4.1.3 + RFC 7636 ask.
      const calls = oauth.calls.slice(before);
      expect(calls).toHaveLength(1);
      const [exchange] = calls;
      expect(exchange).toMatchObject({
        grantType: 'authorization_code',
        basic: true,
        secretInBody: false,
        status: 200,
      });
      expect(exchange.params.redirect_uri).toBe(CALLBACK);
      expect(exchange.params.code).toBe(done.callbackUrl.searchParams.get('code'));
      expect(codeChallenge(exchange.params.code_verifier)).toBe(
        authUrl.searchParams.get('code_challenge'),
      );
      expect(authUrl.toString()).not.toContain(exchange.params.code_verifier);

      // Stored sealed, bound to the organization, connector and key.
      const [grant] = await grants(organizationId, connector.id);
      expect(grant).toMatchObject({ api_key_id: keyId, status: 'valid', token_type: 'Bearer' });
      expect(grant.access_token).toMatch(SEALED_VALUE);
      expect(grant.refresh_token).toMatch(SEALED_VALUE);
      expect(
        t.cipher.open(
          grant.access_token,
          grantContext(organizationId, connector.id, keyId, 'access'),
        ),
      ).toBe(exchange.response!.access_token);
      expect(new Date(grant.expires_at).getTime()).toBeGreaterThan(Date.now() + 3_000_000);

      // auth_status is the caller's: valid for this key, absent (Cohere) / null (generic) for another.
      expect((await api.get(connector.id).expect(200)).body.connector.auth_status).toBe('valid');
      const otherView = (await cohereClient(t.server, other.key).get(connector.id).expect(200)).body
        .connector;
      expect(otherView).not.toHaveProperty('auth_status');
      const generic = (key: string) =>
        request(t.server)
          .get(`/generic/v1/connectors/${connector.id}`)
          .set('Authorization', `Bearer ${key}`)
          .expect(200);
      expect((await generic(other.key)).body.data.authStatus).toBeNull();
      const list = await cohereClient(t.server, other.key).list({ limit: '100' }).expect(200);
      const mine = (await api.list({ limit: '100' }).expect(200)).body.connectors;
      expect(mine.find((c: Body) => c.id === connector.id).auth_status).toBe('valid');
      expect(list.body.connectors.find((c: Body) => c.id === connector.id)).not.toHaveProperty(
        'auth_status',
      );
    });

    it('Cohere GET under /cohere/v1 without after_token_redirect: a small HTML page says the connector is connected', async () => {
      const { key, connector, organizationId } = await setup();
      const res = await cohereClient(t.server, key, { prefix: '/cohere/v1/connectors' })
        .authorize(connector.id, {}, 'GET')
        .expect(200);
      const done = await browse(res.body.redirect_url);
      expect(done.status).toBe(200);
      expect(done.body).toContain(`The connector ${connector.id} is connected.`);
      expect(await grants(organizationId, connector.id)).toHaveLength(1);
    });

    it('the callback also answers under /cohere', async () => {
      const { api, connector, organizationId } = await setup();
      const res = await api.authorize(connector.id).expect(200);
      const url = await browseToCallback(res.body.redirect_url);
      remember(url);
      const done = await request(t.server).get(`/cohere${url.pathname}${url.search}`);
      expect(done.status).toBe(200);
      expect(await grants(organizationId, connector.id)).toHaveLength(1);
    });

    it('generic POST: the envelope with data.redirectUrl; authStatus valid afterwards', async () => {
      const { key, connector } = await setup();
      const res = await request(t.server)
        .post(`/generic/v1/connectors/${connector.id}/oauth/authorize`)
        .set('Authorization', `Bearer ${key}`)
        .expect(200);
      expect(res.body).toEqual({
        code: 200,
        data: { redirectUrl: expect.stringContaining(oauth.authorizeUrl) },
        message: 'success',
        requestId: expect.any(String),
      });
      expect((await browse(res.body.data.redirectUrl)).status).toBe(200);
      const view = await request(t.server)
        .get(`/generic/v1/connectors/${connector.id}`)
        .set('Authorization', `Bearer ${key}`)
        .expect(200);
      expect(view.body.data.authStatus).toBe('valid');
    });

    it.each(['/connector', '/coco/connector'])(
      'Coco GET %s/:id/oauth_connect: 302 to the authorization URL',
      async (prefix) => {
        const { key, api, connector } = await setup();
        const res = await request(t.server)
          .get(`${prefix}/${connector.id}/oauth_connect`)
          .set('X-API-TOKEN', key)
          .expect(302);
        const location = new URL(res.headers.location);
        expect(`${location.origin}${location.pathname}`).toBe(oauth.authorizeUrl);
        expect(location.searchParams.get('code_challenge_method')).toBe('S256');
        expect(location.searchParams.get('redirect_uri')).toBe(CALLBACK);
        expect((await browse(location.toString())).status).toBe(200);
        expect((await api.get(connector.id).expect(200)).body.connector.auth_status).toBe('valid');
      },
    );
  });

  it('retries once with client_secret_post when the server answers Basic with 401 invalid_client', async () => {
    const { api, connector, organizationId } = await setup(POST);
    const res = await api.authorize(connector.id).expect(200);
    const before = oauth.calls.length;
    expect((await browse(res.body.redirect_url)).status).toBe(200);
    const calls = oauth.calls.slice(before);
    expect(calls.map((c) => [c.basic, c.secretInBody, c.status])).toEqual([
      [true, false, 401],
      [false, true, 200],
    ]);
    expect(calls[0].response).toMatchObject({ error: 'invalid_client' });
    expect(await grants(organizationId, connector.id)).toHaveLength(1);
  });

  describe('a state that is not one the gateway handed out: 400, nothing stored, nothing sent', () => {
    it('replayed', async () => {
      const { api, connector, organizationId } = await setup();
      const res = await api.authorize(connector.id).expect(200);
      const first = await browse(res.body.redirect_url);
      expect(first.status).toBe(200);
      await t.sql('DELETE FROM oauth_grants WHERE organization_id = $1', [organizationId]);
      const before = oauth.calls.length;
      const replay = await callGateway(t.server, first.callbackUrl);
      expect(replay.status).toBe(400);
      expect(replay.body).toContain('invalid, has expired or was already used');
      expect(oauth.calls.length).toBe(before);
      expect(await grants(organizationId, connector.id)).toHaveLength(0);
    });

    it('forged or altered (and the genuine one still works afterwards)', async () => {
      const { api, connector, organizationId } = await setup();
      const res = await api.authorize(connector.id).expect(200);
      const url = await browseToCallback(res.body.redirect_url);
      remember(url);
      const state = url.searchParams.get('state')!;
      const before = oauth.calls.length;
      const variants = [
        `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`,
        'forged-state',
        '',
      ];
      for (const forged of variants) {
        const bad = new URL(url);
        bad.searchParams.set('state', forged);
        const answer = await callGateway(t.server, bad);
        expect(answer.status).toBe(400);
        expect(answer.body).toContain('<!doctype html>');
      }
      const noState = new URL(url);
      noState.searchParams.delete('state');
      expect((await callGateway(t.server, noState)).status).toBe(400);
      expect(oauth.calls.length).toBe(before);
      expect(await grants(organizationId, connector.id)).toHaveLength(0);
      expect((await callGateway(t.server, url)).status).toBe(200);
      expect(await grants(organizationId, connector.id)).toHaveLength(1);
    });

    it('expired (ten minutes later)', async () => {
      const { api, connector, organizationId } = await setup();
      const res = await api.authorize(connector.id).expect(200);
      const url = await browseToCallback(res.body.redirect_url);
      remember(url);
      const before = oauth.calls.length;
      moveClock(10 * 60_000 + 1000);
      expect((await callGateway(t.server, url)).status).toBe(400);
      jest.restoreAllMocks();
      expect(oauth.calls.length).toBe(before);
      expect(await grants(organizationId, connector.id)).toHaveLength(0);
    });
  });

  it('error=access_denied: nothing stored, nothing sent; 302 with status=error&error=access_denied, or an HTML page', async () => {
    const { api, connector, organizationId } = await setup();
    const before = oauth.calls.length;
    await oauth.denyNext();
    const res = await api
      .authorize(connector.id, { after_token_redirect: 'https://app.example.com/done' })
      .expect(200);
    const done = await browse(res.body.redirect_url);
    expect(done.callbackUrl.searchParams.get('error')).toBe('access_denied');
    expect(done.status).toBe(302);
    expect(Object.fromEntries(new URL(done.location!).searchParams)).toEqual({
      status: 'error',
      connector_id: connector.id,
      error: 'access_denied',
    });

    await oauth.denyNext();
    const page = await browse((await api.authorize(connector.id).expect(200)).body.redirect_url);
    expect(page.status).toBe(400);
    expect(page.body).toContain('access_denied');
    expect(oauth.calls.length).toBe(before);
    expect(await grants(organizationId, connector.id)).toHaveLength(0);
    expect((await api.get(connector.id).expect(200)).body.connector).not.toHaveProperty(
      'auth_status',
    );
  });

  it('settings changed between start and callback: the code is not sent anywhere, error=connector_changed', async () => {
    const { api, connector, organizationId } = await setup();
    const res = await api
      .authorize(connector.id, { after_token_redirect: 'https://app.example.com/done' })
      .expect(200);
    const url = await browseToCallback(res.body.redirect_url);
    remember(url);
    await api
      .update(connector.id, {
        oauth: {
          token_url: 'https://elsewhere.example.com/token',
          client_secret: BASIC.client_secret,
        },
      })
      .expect(200);
    const before = oauth.calls.length;
    const done = await callGateway(t.server, url);
    expect(new URL(done.location!).searchParams.get('error')).toBe('connector_changed');
    expect(oauth.calls.length).toBe(before);
    expect(await grants(organizationId, connector.id)).toHaveLength(0);
  });

  it('token endpoint down (closed port): nothing stored, error=token_endpoint_unreachable', async () => {
    const { api, connector, organizationId } = await setup(BASIC, {
      token_url: await closedPortUrl(),
    });
    const res = await api
      .authorize(connector.id, { after_token_redirect: 'https://app.example.com/done' })
      .expect(200);
    const done = await browse(res.body.redirect_url);
    expect(done.status).toBe(302);
    expect(Object.fromEntries(new URL(done.location!).searchParams)).toEqual({
      status: 'error',
      connector_id: connector.id,
      error: 'token_endpoint_unreachable',
    });
    expect(await grants(organizationId, connector.id)).toHaveLength(0);
  });

  it('token endpoint slow: the request times out, nothing stored, error=token_endpoint_timeout', async () => {
    const slow = await silentServer();
    try {
      const { api, connector, organizationId } = await setup(BASIC, { token_url: slow.url });
      const res = await api
        .authorize(connector.id, { after_token_redirect: 'https://app.example.com/done' })
        .expect(200);
      const url = await browseToCallback(res.body.redirect_url);
      remember(url);
      const started = Date.now();
      const done = await callGateway(t.server, url);
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(TOKEN_TIMEOUT_MS - 100);
      expect(took).toBeLessThan(TOKEN_TIMEOUT_MS + 5000);
      expect(new URL(done.location!).searchParams.get('error')).toBe('token_endpoint_timeout');
      expect(await grants(organizationId, connector.id)).toHaveLength(0);
    } finally {
      await slow.close();
    }
  });

  describe('refresh', () => {
    async function connected(c: OidcClient = SHORT) {
      const s = await setup(c);
      const res = await s.api.authorize(s.connector.id).expect(200);
      expect((await browse(res.body.redirect_url)).status).toBe(200);
      return s;
    }

    it('a token far from expiry is used as it is: no refresh request', async () => {
      const { actor, connector } = await connected(BASIC);
      const before = oauth.refreshCalls().length;
      const service = t.app.get(OAuthService);
      const a = await service.accessToken(actor, connector.id);
      const b = await service.accessToken(actor, connector.id);
      expect(a).toEqual(b);
      expect(a.tokenType).toBe('Bearer');
      expect(oauth.refreshCalls().length).toBe(before);
    });

    it('a token expiring within 60 s is refreshed before use; the rotated refresh token replaces the stored one', async () => {
      const { actor, connector, organizationId, keyId } = await connected();
      const [stored] = await grants(organizationId, connector.id);
      const ctx = (w: string) => grantContext(organizationId, connector.id, keyId, w);
      const oldRefresh = t.cipher.open(stored.refresh_token, ctx('refresh'));
      const oldAccess = t.cipher.open(stored.access_token, ctx('access'));
      const expiresAt = new Date(stored.expires_at).getTime();
      const before = oauth.refreshCalls().length;

      moveClock(MOVE_INTO_LEEWAY_MS);
      expect(Date.now()).toBeLessThan(expiresAt); // before expiry, inside the 60 s leeway
      const token = await t.app.get(OAuthService).accessToken(actor, connector.id);

      const refreshes = oauth.refreshCalls().slice(before);
      expect(refreshes).toHaveLength(1);
      expect(refreshes[0]).toMatchObject({ basic: true, secretInBody: false, status: 200 });
      expect(refreshes[0].params.refresh_token).toBe(oldRefresh);
      const answer = refreshes[0].response!;
      expect(token.token).toBe(answer.access_token);
      expect(token.token).not.toBe(oldAccess);
      expect(answer.refresh_token).toEqual(expect.any(String));
      expect(answer.refresh_token).not.toBe(oldRefresh);

      const [next] = await grants(organizationId, connector.id);
      expect(t.cipher.open(next.refresh_token, ctx('refresh'))).toBe(answer.refresh_token);
      expect(new Date(next.expires_at).getTime()).toBeGreaterThan(expiresAt);
      // Fresh again: the next use does not refresh.
      await t.app.get(OAuthService).accessToken(actor, connector.id);
      expect(oauth.refreshCalls().length).toBe(before + 1);
      // A refresh is the gateway's upkeep, not a change: the trail holds the grant alone.
      const trail = await t.sql<{ action: string }>(
        `SELECT action FROM audit_events WHERE organization_id = $1 AND connector_id = $2
         ORDER BY id`,
        [organizationId, connector.id],
      );
      expect(trail.map((e) => e.action)).toEqual(['create', 'oauth_grant']);
    });

    it('concurrent uses of an expiring grant on two replicas make exactly one refresh request', async () => {
      const { actor, connector } = await connected();
      const replica = await startTestApp({
        outboundAllowPrivate: true,
        oauthTokenTimeoutMs: TOKEN_TIMEOUT_MS,
      });
      try {
        const before = oauth.refreshCalls().length;
        moveClock(MOVE_INTO_LEEWAY_MS);
        const services = [t.app.get(OAuthService), replica.app.get(OAuthService)];
        const tokens = await Promise.all(
          Array.from({ length: 6 }, (_, i) => services[i % 2].accessToken(actor, connector.id)),
        );
        const refreshes = oauth.refreshCalls().slice(before);
        expect(refreshes).toHaveLength(1);
        expect(new Set(tokens.map((x) => x.token))).toEqual(
          new Set([refreshes[0].response!.access_token]),
        );
      } finally {
        jest.restoreAllMocks();
        await replica.close();
      }
    });

    it('invalid_grant marks the grant expired and drops its tokens', async () => {
      const { actor, connector, organizationId, api } = await connected();
      const [stored] = await grants(organizationId, connector.id);
      const refresh = t.cipher.open(
        stored.refresh_token,
        grantContext(organizationId, connector.id, actor.apiKeyId, 'refresh'),
      );
      await oauth.revoke(refresh, SHORT);
      const before = oauth.refreshCalls().length;
      moveClock(MOVE_INTO_LEEWAY_MS);
      await expect(t.app.get(OAuthService).accessToken(actor, connector.id)).rejects.toThrow(
        ConnectorNotAuthorizedError,
      );
      const refreshes = oauth.refreshCalls().slice(before);
      expect(refreshes).toHaveLength(1);
      expect(refreshes[0].response).toMatchObject({ error: 'invalid_grant' });
      const [after] = await grants(organizationId, connector.id);
      expect(after).toMatchObject({ status: 'expired', access_token: null, refresh_token: null });
      jest.restoreAllMocks();
      expect((await api.get(connector.id).expect(200)).body.connector.auth_status).toBe('expired');
      // No second attempt: an expired grant is not refreshed again.
      await expect(t.app.get(OAuthService).accessToken(actor, connector.id)).rejects.toThrow(
        /authorize again/,
      );
      expect(oauth.refreshCalls().length).toBe(before + 1);
    });
  });

  it('counts code exchanges and refreshes by outcome in oauth_token_requests_total (/metrics)', async () => {
    const counter = async (kind: string, outcome: string) => {
      const res = await request(t.server).get('/metrics').expect(200);
      const line = new RegExp(
        `^oauth_token_requests_total\\{kind="${kind}",outcome="${outcome}"\\} (\\d+)$`,
        'm',
      ).exec(res.text);
      return line ? Number(line[1]) : 0;
    };
    const counts = async () => ({
      exchangeOk: await counter('exchange', 'ok'),
      refreshOk: await counter('refresh', 'ok'),
      refreshRefused: await counter('refresh', 'refused'),
    });
    const before = await counts();
    // a code exchange that works
    const s = await setup(SHORT);
    const res = await s.api.authorize(s.connector.id).expect(200);
    expect((await browse(res.body.redirect_url)).status).toBe(200);
    expect(await counts()).toEqual({ ...before, exchangeOk: before.exchangeOk + 1 });
    // a refresh that works
    moveClock(MOVE_INTO_LEEWAY_MS);
    await t.app.get(OAuthService).accessToken(s.actor, s.connector.id);
    jest.restoreAllMocks();
    expect(await counts()).toEqual({
      ...before,
      exchangeOk: before.exchangeOk + 1,
      refreshOk: before.refreshOk + 1,
    });
    // a refresh the server refuses (invalid_grant)
    const [stored] = await grants(s.organizationId, s.connector.id);
    await oauth.revoke(
      t.cipher.open(
        stored.refresh_token,
        grantContext(s.organizationId, s.connector.id, s.keyId, 'refresh'),
      ),
      SHORT,
    );
    moveClock(2 * MOVE_INTO_LEEWAY_MS);
    await expect(t.app.get(OAuthService).accessToken(s.actor, s.connector.id)).rejects.toThrow(
      ConnectorNotAuthorizedError,
    );
    jest.restoreAllMocks();
    expect(await counts()).toEqual({
      exchangeOk: before.exchangeOk + 1,
      refreshOk: before.refreshOk + 1,
      refreshRefused: before.refreshRefused + 1,
    });
  });

  describe('calling the connector with the grant (search route)', () => {
    /** A connector server that records the Authorization header of every call. */
    let upstream: Server;
    const seen: string[] = [];
    let rejectNext = 0;
    let searchUrl = '';

    beforeAll(async () => {
      upstream = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          seen.push(req.headers.authorization ?? '');
          res.writeHead(rejectNext > 0 ? 401 : 200, { 'content-type': 'application/json' });
          if (rejectNext > 0) {
            rejectNext--;
            return res.end('{"error":"invalid_token"}');
          }
          res.end(JSON.stringify({ results: [{ title: 'Q3', text: 'Revenue grew' }] }));
        });
      });
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      searchUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/search`;
    });
    afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

    async function connectedConnector(c: OidcClient) {
      const s = await setup(c);
      await s.api.update(s.connector.id, { url: searchUrl }).expect(200);
      const res = await s.api.authorize(s.connector.id).expect(200);
      expect((await browse(res.body.redirect_url)).status).toBe(200);
      return s;
    }

    const search = (key: string, id: string, prefix = '/v1/connectors') =>
      request(t.server)
        .post(`${prefix}/${id}/search`)
        .set('Authorization', `Bearer ${key}`)
        .send({ query: 'revenue' });

    const lastAccessToken = () =>
      [...oauth.calls].reverse().find((c) => c.response?.access_token)!.response!
        .access_token as string;

    it('sends Bearer <the calling key’s access token>; a key without a grant gets a 401 telling it to authorize', async () => {
      const { key, connector, other } = await connectedConnector(BASIC);
      const token = lastAccessToken();
      seen.length = 0;
      const res = await search(key, connector.id).expect(200);
      expect(res.body).toEqual({ results: [{ title: 'Q3', text: 'Revenue grew' }] });
      expect(seen).toEqual([`Bearer ${token}`]);

      seen.length = 0;
      const denied = await search(other.key, connector.id).expect(401);
      expect(denied.body.message).toContain('authorize first');
      const generic = await search(other.key, connector.id, '/generic/v1/connectors').expect(401);
      expect(generic.body).toMatchObject({
        code: 401,
        message: expect.stringContaining('authorize'),
      });
      expect(seen).toEqual([]);
    });

    it('two concurrent searches on an expiring grant make one refresh request, and both call with the new token', async () => {
      const { key, connector } = await connectedConnector(SHORT);
      const before = oauth.refreshCalls().length;
      seen.length = 0;
      moveClock(MOVE_INTO_LEEWAY_MS);
      const [a, b] = await Promise.all([
        search(key, connector.id),
        search(key, connector.id, '/cohere/v1/connectors'),
      ]);
      jest.restoreAllMocks();
      expect([a.status, b.status]).toEqual([200, 200]);
      const refreshes = oauth.refreshCalls().slice(before);
      expect(refreshes).toHaveLength(1);
      const fresh = refreshes[0].response!.access_token as string;
      expect(seen).toEqual([`Bearer ${fresh}`, `Bearer ${fresh}`]);
    });

    it('an upstream 401 triggers one refresh and one retry with the new token', async () => {
      const { key, connector } = await connectedConnector(BASIC);
      const old = lastAccessToken();
      const before = oauth.refreshCalls().length;
      seen.length = 0;
      rejectNext = 1;
      await search(key, connector.id).expect(200);
      const refreshes = oauth.refreshCalls().slice(before);
      expect(refreshes).toHaveLength(1);
      const fresh = refreshes[0].response!.access_token as string;
      expect(fresh).not.toBe(old);
      expect(seen).toEqual([`Bearer ${old}`, `Bearer ${fresh}`]);
    });

    it('a grant refused at refresh (invalid_grant) is a 401 telling to authorize again', async () => {
      const { key, connector, organizationId, actor } = await connectedConnector(SHORT);
      const [stored] = await grants(organizationId, connector.id);
      await oauth.revoke(
        t.cipher.open(
          stored.refresh_token,
          grantContext(organizationId, connector.id, actor.apiKeyId, 'refresh'),
        ),
        SHORT,
      );
      seen.length = 0;
      moveClock(MOVE_INTO_LEEWAY_MS);
      const res = await search(key, connector.id).expect(401);
      expect(res.body.message).toContain('authorize again');
      expect(seen).toEqual([]);
    });
  });

  it('disconnect removes the calling key’s grant, not another key’s', async () => {
    const { key, api, connector, organizationId, other } = await setup();
    for (const k of [key, other.key]) {
      const res = await cohereClient(t.server, k).authorize(connector.id).expect(200);
      expect((await browse(res.body.redirect_url)).status).toBe(200);
    }
    expect(await grants(organizationId, connector.id)).toHaveLength(2);
    const res = await request(t.server)
      .delete(`/generic/v1/connectors/${connector.id}/oauth`)
      .set('Authorization', `Bearer ${key}`)
      .expect(200);
    expect(res.body).toEqual({ code: 200, message: 'success', requestId: expect.any(String) });
    expect((await api.get(connector.id).expect(200)).body.connector).not.toHaveProperty(
      'auth_status',
    );
    expect(
      (await cohereClient(t.server, other.key).get(connector.id).expect(200)).body.connector
        .auth_status,
    ).toBe('valid');
    const missing = await request(t.server)
      .delete('/generic/v1/connectors/no-such-connector/oauth')
      .set('Authorization', `Bearer ${key}`)
      .expect(404);
    expect(missing.body.code).toBe(404);
  });

  it.each([
    ['scope', { scope: 'drive.read mail.read' }],
    ['token_url', { token_url: 'https://other-provider.example.com/token' }],
    ['client_id', { client_id: 'another-client' }],
    ['authorize_url', { authorize_url: 'https://other-provider.example.com/auth' }],
  ])(
    'changing %s drops every grant of the connector; other changes keep them',
    async (_field, change) => {
      const { key, api, connector, organizationId, other } = await setup();
      for (const k of [key, other.key]) {
        const res = await cohereClient(t.server, k).authorize(connector.id).expect(200);
        expect((await browse(res.body.redirect_url)).status).toBe(200);
      }
      await api.update(connector.id, { name: 'Renamed', oauth: { scope: 'drive.read' } });
      expect(await grants(organizationId, connector.id)).toHaveLength(2);
      await api
        .update(connector.id, { oauth: { ...change, client_secret: BASIC.client_secret } })
        .expect(200);
      expect(await grants(organizationId, connector.id)).toHaveLength(0);
      expect((await api.get(connector.id).expect(200)).body.connector).not.toHaveProperty(
        'auth_status',
      );
    },
  );

  describe('audit trail', () => {
    interface AuditRow {
      action: string;
      api_key_id: string;
      dialect: string | null;
      method: string | null;
      route: string | null;
      request_id: string | null;
      version: number | null;
      changes: Array<{
        path: string;
        secret?: string;
        fingerprint?: string;
        old?: unknown;
        new?: unknown;
      }>;
    }
    const entries = (organizationId: string, connectorId: string) =>
      t.sql<AuditRow>(
        `SELECT * FROM audit_events
         WHERE organization_id = $1 AND connector_id = $2 AND action LIKE 'oauth%' ORDER BY id`,
        [organizationId, connectorId],
      );

    /** Authorizes `key` and calls the callback itself, with a request id of its own. */
    async function authorizeWithRequestId(key: string, connectorId: string, requestId: string) {
      const res = await cohereClient(t.server, key).authorize(connectorId).expect(200);
      const callbackUrl = await browseToCallback(res.body.redirect_url);
      remember(callbackUrl);
      const before = oauth.calls.length;
      const done = await request(t.server)
        .get(`${callbackUrl.pathname}${callbackUrl.search}`)
        .set('X-Request-Id', requestId);
      return { done, exchange: oauth.calls.slice(before)[0] };
    }

    it('a completed flow writes one oauth_grant entry for the authorizing key, its tokens only as fingerprints; a disconnect one oauth_disconnect entry', async () => {
      const { key, keyId, other, organizationId, connector } = await setup();
      const hasher = auditHasherFor(t.config);
      const { done, exchange } = await authorizeWithRequestId(key, connector.id, 'callback-req-1');
      expect(done.status).toBe(200);
      const tokens = exchange.response as { access_token: string; refresh_token: string };
      const version = (
        await request(t.server)
          .get(`/generic/v1/connectors/${connector.id}`)
          .set('Authorization', `Bearer ${key}`)
          .expect(200)
      ).body.data.version as number;

      const [grant, ...rest] = await entries(organizationId, connector.id);
      expect(rest).toEqual([]);
      expect(grant).toMatchObject({
        action: 'oauth_grant',
        api_key_id: keyId,
        dialect: 'cohere',
        method: 'GET',
        route: '/v1/connectors/oauth/token',
        request_id: 'callback-req-1',
      });
      expect(grant.version).toBe(version);
      const mine = jsonPathStep('$.oauthGrants', keyId);
      expect(grant.changes).toEqual([
        { path: `${mine}.accessToken`, secret: 'changed', fingerprint: expect.any(String) },
        { path: `${mine}.refreshToken`, secret: 'changed', fingerprint: expect.any(String) },
        { path: `${mine}.status`, new: 'valid' },
        { path: `${mine}.tokenType`, new: 'Bearer' },
        { path: `${mine}.scope`, new: expect.any(String) },
      ]);
      expect(hasher.matches(tokens.access_token, grant.changes[0].fingerprint!)).toBe(true);
      expect(hasher.matches(tokens.refresh_token, grant.changes[1].fingerprint!)).toBe(true);
      expect(hasher.matches(tokens.refresh_token, grant.changes[0].fingerprint!)).toBe(false);
      await expectNoClearSecretsInRows(t, [tokens.access_token, tokens.refresh_token]);

      // The other key's grant is its own entry; refreshes and uses write none.
      expect(
        (await authorizeWithRequestId(other.key, connector.id, 'callback-req-2')).done.status,
      ).toBe(200);
      const both = await entries(organizationId, connector.id);
      expect(both.map((e) => [e.action, e.api_key_id, e.request_id])).toEqual([
        ['oauth_grant', keyId, 'callback-req-1'],
        ['oauth_grant', other.keyId, 'callback-req-2'],
      ]);

      const res = await request(t.server)
        .delete(`/generic/v1/connectors/${connector.id}/oauth`)
        .set('Authorization', `Bearer ${key}`)
        .expect(200);
      const after = await entries(organizationId, connector.id);
      expect(after).toHaveLength(3);
      expect(after[2]).toMatchObject({
        action: 'oauth_disconnect',
        api_key_id: keyId,
        dialect: 'generic',
        method: 'DELETE',
        route: '/generic/v1/connectors/:id/oauth',
        request_id: res.body.requestId,
        changes: [
          { path: `${mine}.accessToken`, secret: 'removed' },
          { path: `${mine}.refreshToken`, secret: 'removed' },
          { path: `${mine}.status`, old: 'valid' },
        ],
      });
      // Nothing to disconnect: no entry.
      await request(t.server)
        .delete(`/generic/v1/connectors/${connector.id}/oauth`)
        .set('Authorization', `Bearer ${key}`)
        .expect(200);
      expect(await entries(organizationId, connector.id)).toHaveLength(3);

      // The trail's own read shows them.
      const history = await request(t.server)
        .get(`/generic/v1/connectors/${connector.id}/history`)
        .set('Authorization', `Bearer ${key}`)
        .expect(200);
      expect((history.body.data.items as Array<{ action: string }>).map((e) => e.action)).toEqual([
        'oauth_disconnect',
        'oauth_grant',
        'oauth_grant',
        'create',
      ]);
    });

    it('the entry is written in the grant’s own transaction: a failure after it leaves neither grant nor entry', async () => {
      const { key, organizationId, connector } = await setup();
      const real = auditSql.writeAuditEntry;
      const spy = jest
        .spyOn(auditSql, 'writeAuditEntry')
        .mockImplementation(async (manager, entry) => {
          await real(manager, entry);
          // The entry is there inside the transaction...
          const [{ n }] = await manager.query<Array<{ n: string }>>(
            `SELECT count(*) AS n FROM audit_events WHERE connector_id = $1 AND action = $2`,
            [entry.connectorId, entry.action],
          );
          expect(n).toBe('1');
          throw new Error('the database went away after the audit entry');
        });
      const { done } = await authorizeWithRequestId(key, connector.id, 'callback-fails');
      expect(spy).toHaveBeenCalledTimes(1);
      expect(done.status).toBeGreaterThanOrEqual(500);
      expect(await grants(organizationId, connector.id)).toEqual([]);
      expect(await entries(organizationId, connector.id)).toEqual([]);

      // The same for a disconnect: the grant stays, no entry.
      spy.mockRestore();
      expect((await authorizeWithRequestId(key, connector.id, 'callback-ok')).done.status).toBe(
        200,
      );
      jest.spyOn(auditSql, 'writeAuditEntry').mockImplementation(async (manager, entry) => {
        await real(manager, entry);
        throw new Error('the database went away after the audit entry');
      });
      await request(t.server)
        .delete(`/generic/v1/connectors/${connector.id}/oauth`)
        .set('Authorization', `Bearer ${key}`)
        .expect(500);
      expect(await grants(organizationId, connector.id)).toHaveLength(1);
      expect((await entries(organizationId, connector.id)).map((e) => e.action)).toEqual([
        'oauth_grant',
      ]);
    });
  });

  it('leaves no token, code, verifier or client secret in any response, any row, and no state either in any log line (LOG_LEVEL=trace)', async () => {
    const tokenValues = oauth.tokenValues();
    expect(tokenValues.length).toBeGreaterThan(20);
    expect(flowValues.length).toBeGreaterThan(20);
    const clear = [...secrets.values, ...tokenValues];
    expect(responses.bodies.length).toBeGreaterThan(50);
    expectNoClearSecrets(responses.bodies, clear);
    await expectNoClearSecretsInRows(t, [...clear, ...flowValues]);
    const logs = logLines.filter(Boolean);
    expect(logs.some((l) => l.includes('/v1/connectors/oauth/token'))).toBe(true);
    expectNoClearSecrets(logs, [...clear, ...flowValues]);
  });
});
