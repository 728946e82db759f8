import { Cohere, CohereClient, CohereError } from 'cohere-ai';
import { ConnectorsService } from '../src/connectors/connectors.service';
import { stateDigest } from '../src/oauth/pkce';
import { startTestApp, type TestApp } from './app';
import {
  expectNoClearSecrets,
  expectNoClearSecretsInRows,
  recordResponses,
  type ResponseRecorder,
  SecretWatch,
} from './secrets';

/**
 * The official TypeScript SDK (`cohere-ai`), unchanged, pointed at a gateway listening on a real
 * port: what a Cohere customer's code does is what this test does.
 */
describe('Cohere v1 through the official cohere-ai SDK', () => {
  let t: TestApp;
  let baseUrl: string;
  let responses: ResponseRecorder;
  let warn: jest.SpyInstance;
  const secrets = new SecretWatch();

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = await t.app.getUrl();
    responses = recordResponses(t.server);
  });
  beforeEach(() => {
    // The SDK warns ("Failed to validate") when a response does not match its schema.
    warn = jest.spyOn(console, 'warn');
  });
  afterEach(() => {
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });
  afterAll(async () => {
    try {
      responses.stop();
    } finally {
      await t.close();
    }
  });

  /** No retries: an error must surface at once, as the SDK's typed error. */
  const sdk = (token: string, root = baseUrl) =>
    new CohereClient({
      token,
      environment: root,
      maxRetries: 0,
      timeoutInSeconds: 20,
      clientName: 'e2e',
    });

  async function caught(promise: Promise<unknown>): Promise<CohereError> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof CohereError) return error;
      throw error;
    }
    throw new Error('expected the SDK call to fail');
  }

  it('creates with OAuth, lists, gets, updates, authorizes and deletes; a 404 is a Cohere.NotFoundError', async () => {
    const { key, keyId, organizationId } = await t.newOrganization('sdk');
    const client = sdk(key);
    const clientSecret = secrets.make('sdk-client-secret');

    const created = await client.connectors.create({
      name: 'SDK Wiki',
      url: 'https://wiki.example.com/search',
      description: 'made by the SDK',
      excludes: ['internal'],
      active: true,
      continueOnFailure: false,
      oauth: {
        clientId: 'sdk-client',
        clientSecret,
        authorizeUrl: 'https://auth.example.com/authorize',
        tokenUrl: 'https://auth.example.com/token',
        scope: 'read',
      },
    });
    const c = created.connector;
    expect(c).toEqual({
      id: expect.stringMatching(/^sdk-wiki-[a-z0-9]{6}$/),
      organizationId,
      name: 'SDK Wiki',
      description: 'made by the SDK',
      url: 'https://wiki.example.com/search',
      createdAt: expect.any(Date),
      updatedAt: expect.any(Date),
      excludes: ['internal'],
      authType: 'oauth',
      oauth: {
        clientId: 'sdk-client',
        clientSecret: '******',
        authorizeUrl: 'https://auth.example.com/authorize',
        tokenUrl: 'https://auth.example.com/token',
        scope: 'read',
      },
      active: true,
      continueOnFailure: false,
    });
    expect(Number.isNaN(c.createdAt.getTime())).toBe(false);
    const actor = { organizationId, apiKeyId: keyId };
    expect((await t.app.get(ConnectorsService).openSecrets(actor, c.id)).oauthClientSecret).toBe(
      clientSecret,
    );

    const list = await client.connectors.list();
    expect(list.totalCount).toBe(11);
    expect(list.connectors).toHaveLength(11);
    expect(list.connectors[0]).toEqual(c);
    const page = await client.connectors.list({ limit: 5, offset: 10 });
    expect(page.totalCount).toBe(11);
    expect(page.connectors).toHaveLength(1);

    expect((await client.connectors.get(c.id)).connector).toEqual(c);

    const updated = await client.connectors.update(c.id, {
      name: 'SDK Wiki 2',
      active: false,
      excludes: ['x'],
    });
    expect(updated.connector).toEqual({
      ...c,
      name: 'SDK Wiki 2',
      active: false,
      excludes: ['x'],
      updatedAt: expect.any(Date),
    });
    expect(updated.connector.updatedAt.getTime()).toBeGreaterThan(c.updatedAt.getTime());
    // `name: undefined` goes out as null, and `update(id)` as {}: nothing changes.
    const unchanged = await client.connectors.update(c.id, { name: undefined, url: undefined });
    expect({ ...unchanged.connector, updatedAt: null }).toEqual({
      ...updated.connector,
      updatedAt: null,
    });
    expect({ ...(await client.connectors.update(c.id)).connector, updatedAt: null }).toEqual({
      ...updated.connector,
      updatedAt: null,
    });
    expect((await t.app.get(ConnectorsService).openSecrets(actor, c.id)).oauthClientSecret).toBe(
      clientSecret,
    );

    const authorized = await client.connectors.oAuthAuthorize(c.id, {
      afterTokenRedirect: 'https://app.example.com/connected',
    });
    const redirect = new URL(authorized.redirectUrl!);
    expect(`${redirect.origin}${redirect.pathname}`).toBe('https://auth.example.com/authorize');
    expect(redirect.searchParams.get('response_type')).toBe('code');
    expect(redirect.searchParams.get('client_id')).toBe('sdk-client');
    expect(redirect.searchParams.get('scope')).toBe('read');
    expect(redirect.searchParams.get('redirect_uri')).toBe(
      'https://gateway.test/v1/connectors/oauth/token',
    );
    const [flow] = await t.sql(
      'SELECT organization_id, connector_id, after_token_redirect FROM oauth_flows WHERE id = $1',
      [stateDigest(redirect.searchParams.get('state')!)],
    );
    expect(flow).toEqual({
      organization_id: organizationId,
      connector_id: c.id,
      after_token_redirect: 'https://app.example.com/connected',
    });

    const deleted = await client.connectors.delete(c.id).withRawResponse();
    expect(deleted.data).toEqual({});
    expect(deleted.rawResponse.status).toBe(200);

    const missing = await caught(client.connectors.get(c.id));
    expect(missing).toBeInstanceOf(Cohere.NotFoundError);
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toEqual({ message: `connector '${c.id}' not found` });
  });

  it('creates with service_auth: the token is never returned', async () => {
    const { key } = await t.newOrganization('sdk');
    const token = secrets.make('sdk-service-token');
    const res = await sdk(key).connectors.create({
      name: 'Svc',
      url: 'https://svc.example.com/search',
      serviceAuth: { type: 'bearer', token },
    });
    expect(res.connector.authType).toBe('service_auth');
    expect(res.connector.oauth).toBeUndefined();
    expect(JSON.stringify(res)).not.toContain(token);
  });

  it('works the same with the SDK pointed at the /cohere mount', async () => {
    const { key } = await t.newOrganization('sdk');
    const client = sdk(key, `${baseUrl}/cohere`);
    const c = (
      await client.connectors.create({ name: 'Prefixed', url: 'https://p.example.com/search' })
    ).connector;
    expect((await sdk(key).connectors.get(c.id)).connector).toEqual(c);
    expect((await client.connectors.list({ limit: 1 })).connectors.map((x) => x.id)).toEqual([
      c.id,
    ]);
    expect(await client.connectors.delete(c.id)).toEqual({});
    const paths = responses.bodies.map((r) => `${r.method} ${r.url.split('?')[0]}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'POST /cohere/v1/connectors',
        `GET /v1/connectors/${c.id}`,
        'GET /cohere/v1/connectors',
        `DELETE /cohere/v1/connectors/${c.id}`,
      ]),
    );
  });

  it("surfaces every error as the SDK's typed error with the gateway's message", async () => {
    const { key } = await t.newOrganization('sdk');
    const client = sdk(key);

    const unauthorized = await caught(sdk('gw_wrong-key-0123456789').connectors.list());
    expect(unauthorized).toBeInstanceOf(Cohere.UnauthorizedError);
    expect(unauthorized.body).toEqual({ message: 'invalid api token' });

    const both = await caught(
      client.connectors.create({
        name: 'Both',
        url: 'https://b.example.com/search',
        oauth: { authorizeUrl: 'https://a.example.com/a', tokenUrl: 'https://a.example.com/t' },
        serviceAuth: { type: 'bearer', token: secrets.make('both-token') },
      }),
    );
    expect(both).toBeInstanceOf(Cohere.BadRequestError);
    expect(both.body).toEqual({ message: 'oauth: oauth and service_auth cannot both be given' });

    const badUrl = await caught(
      client.connectors.create({ name: 'Bad', url: 'ftp://b.example.com' }),
    );
    expect(badUrl).toBeInstanceOf(Cohere.BadRequestError);
    expect(badUrl.body).toEqual({ message: 'url: must be an absolute http(s) URL' });

    const badLimit = await caught(client.connectors.list({ limit: 101 }));
    expect(badLimit).toBeInstanceOf(Cohere.BadRequestError);
    expect(badLimit.body).toEqual({ message: 'limit: must not be greater than 100' });

    const builtin = await caught(client.connectors.delete('github'));
    expect(builtin).toBeInstanceOf(Cohere.ForbiddenError);
    expect(builtin.body).toEqual({ message: 'builtin connector cannot be deleted' });

    const noOAuth = await caught(client.connectors.oAuthAuthorize('github'));
    expect(noOAuth).toBeInstanceOf(Cohere.BadRequestError);
    expect(noOAuth.body).toEqual({ message: "connector 'github' has no oauth configuration" });

    // Thunks, not promises: a call started early could reject before anything awaits it.
    for (const call of [
      () => client.connectors.update('nope', { name: 'x' }),
      () => client.connectors.delete('nope'),
      () => client.connectors.oAuthAuthorize('nope'),
    ]) {
      const error = await caught(call());
      expect(error).toBeInstanceOf(Cohere.NotFoundError);
      expect(error.body).toEqual({ message: "connector 'nope' not found" });
    }
  });

  it('puts no clear secret in any response the SDK received, nor in any raw row', async () => {
    expect(responses.bodies.length).toBeGreaterThan(15);
    expectNoClearSecrets(responses.bodies, secrets.values);
    await expectNoClearSecretsInRows(t, secrets.values);
  });
});
