import { generateKey, parseKey, SecretCipher } from './cipher';
import { describeKeys, SEALED_SOURCES } from './sealed-store';

describe('the sealed store', () => {
  const k1 = parseKey(generateKey());
  const k2 = parseKey(generateKey());
  const cipher = new SecretCipher(k2, [k1]);

  it('names every key in use or configured: current, previous or unknown', () => {
    const keys = describeKeys(
      cipher,
      new Map([
        [k2.id, 5],
        ['deadbeef', 2],
      ]),
    );
    expect(keys).toEqual([
      { keyId: k2.id, values: 5, state: 'current' },
      { keyId: k1.id, values: 0, state: 'previous' },
      { keyId: 'deadbeef', values: 2, state: 'unknown' },
    ]);
  });

  it('lists every sealed column, each with the context its values are sealed with', () => {
    const row = {
      organization_id: 'acme',
      id: 'drive',
      connector_id: 'drive',
      api_key_id: 'key_1',
    };
    expect(
      SEALED_SOURCES.map((s) => [
        `${s.table}.${s.column}${s.field ? `.${s.field}` : ''}`,
        s.context(row),
      ]),
    ).toEqual([
      ['connectors.url', 'connector:acme/drive#url'],
      ['connectors.config', 'connector:acme/drive#config'],
      ['connectors.oauth.clientSecret', 'connector:acme/drive#oauth'],
      ['connectors.service_auth_token', 'connector:acme/drive#service_auth'],
      ['oauth_grants.access_token', 'connector:acme/drive#oauth_grant/key_1/access'],
      ['oauth_grants.refresh_token', 'connector:acme/drive#oauth_grant/key_1/refresh'],
      ['oauth_flows.code_verifier', 'connector:acme/drive#oauth_flow/key_1'],
    ]);
  });
});
