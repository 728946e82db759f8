import request from 'supertest';
import { ConnectorsService } from '../src/connectors/connectors.service';
import { SecretCipherError } from '../src/secrets/cipher';
import { startTestApp, type TestApp } from './app';
import { cohereClient } from './cohere-client';
import { SEALED_VALUE, SecretWatch } from './secrets';

/**
 * A sealed value is bound to its organization, its connector and its field (the AEAD context):
 * one copied, as it sits in a real stored row, to another organization, another connector or
 * another field does not open there. The values are taken from the raw rows and the opening goes
 * through the service, so a context built without the organization or the connector fails here.
 */
describe('sealed values are bound to their organization, connector and field', () => {
  let t: TestApp;
  const secrets = new SecretWatch();

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  interface Row {
    oauth: { clientSecret: string } | null;
    service_auth_token: string | null;
    config: { api_token?: string } | null;
  }
  const row = async (org: string, id: string) => {
    const [r] = await t.sql<Row>(
      'SELECT oauth, service_auth_token, config FROM connectors WHERE organization_id = $1 AND id = $2',
      [org, id],
    );
    if (!r) throw new Error(`no row ${org}/${id}`);
    return r;
  };
  const open = (org: { organizationId: string; keyId: string }, id: string) =>
    t.app
      .get(ConnectorsService)
      .openSecrets({ organizationId: org.organizationId, apiKeyId: org.keyId }, id);
  const setClientSecret = (org: string, id: string, sealed: string) =>
    t.sql(
      `UPDATE connectors SET oauth = jsonb_set(oauth, '{clientSecret}', to_jsonb($3::text))
       WHERE organization_id = $1 AND id = $2`,
      [org, id, sealed],
    );

  /**
   * One organization whose connectors hold every kind of secret. The built-in catalog gives every
   * organization the same connector ids, so a value can move to "the same connector" elsewhere.
   */
  async function organization(prefix: string) {
    const o = await t.newOrganization(prefix);
    const api = cohereClient(t.server, o.key);
    const oauth = (id: 'google_drive' | 'notion') =>
      api
        .update(id, {
          oauth: {
            client_id: 'client',
            client_secret: secrets.make(`client-secret-${id}`),
            authorize_url: 'https://auth.example.com/authorize',
            token_url: 'https://auth.example.com/token',
          },
        })
        .expect(200);
    await oauth('google_drive');
    await oauth('notion');
    await api
      .update('jira', { service_auth: { type: 'bearer', token: secrets.make('service-token') } })
      .expect(200);
    await request(t.server)
      .post('/connector/')
      .set('X-API-TOKEN', o.key)
      .send({ id: 'cfg', name: 'cfg', config: { api_token: secrets.make('cfg') } })
      .expect(200);
    return o;
  }

  it('opens each value where it was sealed (the control for the refusals below)', async () => {
    const a = await organization('bind-a');
    const r = await row(a.organizationId, 'google_drive');
    expect(r.oauth?.clientSecret).toMatch(SEALED_VALUE);
    expect((await open(a, 'google_drive')).oauthClientSecret).toMatch(
      /^client-secret-google_drive-/,
    );
    expect((await open(a, 'jira')).serviceAuthToken).toMatch(/^service-token-/);
    expect((await open(a, 'cfg')).config).toEqual({ api_token: expect.stringMatching(/^cfg-/) });
  });

  it('refuses a client secret copied to the connector of the same id in another organization', async () => {
    const a = await organization('bind-org-a');
    const b = await organization('bind-org-b');
    const sealed = (await row(a.organizationId, 'google_drive')).oauth!.clientSecret;
    await setClientSecret(b.organizationId, 'google_drive', sealed);
    expect((await row(b.organizationId, 'google_drive')).oauth?.clientSecret).toBe(sealed);
    await expect(open(b, 'google_drive')).rejects.toThrow(SecretCipherError);
    // ... and the original still opens where it belongs.
    expect((await open(a, 'google_drive')).oauthClientSecret).toMatch(
      /^client-secret-google_drive-/,
    );
  });

  it('refuses a client secret copied to another connector of the same organization', async () => {
    const a = await organization('bind-conn');
    const sealed = (await row(a.organizationId, 'google_drive')).oauth!.clientSecret;
    await setClientSecret(a.organizationId, 'notion', sealed);
    await expect(open(a, 'notion')).rejects.toThrow(SecretCipherError);
  });

  it('refuses a value copied to another field of the same connector', async () => {
    const a = await organization('bind-field');
    // the OAuth client secret as the service token of the same connector
    const drive = await row(a.organizationId, 'google_drive');
    await t.sql(
      `UPDATE connectors SET service_auth_type = 'bearer', service_auth_token = $3
       WHERE organization_id = $1 AND id = $2`,
      [a.organizationId, 'google_drive', drive.oauth!.clientSecret],
    );
    await expect(open(a, 'google_drive')).rejects.toThrow(SecretCipherError);
    // a config secret as the client secret of the same connector
    const cfg = await row(a.organizationId, 'cfg');
    expect(cfg.config?.api_token).toMatch(SEALED_VALUE);
    await t.sql(`UPDATE connectors SET oauth = $3::jsonb WHERE organization_id = $1 AND id = $2`, [
      a.organizationId,
      'cfg',
      JSON.stringify({
        clientId: 'c',
        clientSecret: cfg.config!.api_token,
        authorizeUrl: 'https://auth.example.com/authorize',
        tokenUrl: 'https://auth.example.com/token',
        scope: null,
      }),
    ]);
    await expect(open(a, 'cfg')).rejects.toThrow(SecretCipherError);
    // the service token into the config of the same connector
    const svc = await row(a.organizationId, 'jira');
    await t.sql(
      `UPDATE connectors SET config = jsonb_build_object('api_token', $3::text)
       WHERE organization_id = $1 AND id = $2`,
      [a.organizationId, 'jira', svc.service_auth_token],
    );
    await expect(open(a, 'jira')).rejects.toThrow(SecretCipherError);
  });
});
