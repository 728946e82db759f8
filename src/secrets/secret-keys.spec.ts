import { isMask } from './mask';
import { isSecretKey } from './secret-keys';

describe('isSecretKey', () => {
  it.each([
    // the list
    'password',
    'token',
    'secret',
    'access_token',
    'refresh_token',
    'client_secret',
    'api_key',
    'apikey',
    'private_key',
    'credentials',
    // case and separators
    'PASSWORD',
    'Api-Key',
    'github_token',
    'GitHub-Token',
    'dbPassword',
    'x-api-key',
    'clientSecret',
    // secret words anywhere, plurals, and common names the endings rule would miss
    'secret_key',
    'aws_secret_access_key',
    'access_key',
    'passwords',
    'tokens',
    'api_keys',
    'secrets',
    'authorization',
    'passphrase',
    'pwd',
    'signing_key',
    'privateKeyPem',
    'session_cookie',
    'db_password_2',
    'bot_token',
    'tokenValue',
    'credential',
    'vault_secret_id',
  ])('%s is secret', (key) => expect(isSecretKey(key)).toBe(true));

  it.each([
    'repos',
    'name',
    'url',
    'username',
    'key',
    'host',
    'channel',
    // describe a secret without holding it
    'token_url',
    'tokenUri',
    'token_endpoint',
    'token_type',
    'tokens_count',
    'secret_name',
    'secretary_name',
    'password_policy',
    'token_expires_in',
    'api_key_header',
  ])('%s is not secret', (key) => expect(isSecretKey(key)).toBe(false));
});

describe('isMask', () => {
  it.each(['***', '******', '**********'])('%s is a mask', (v) => expect(isMask(v)).toBe(true));
  it.each(['**', '*a*', '', 'secret', null, 3])('%p is not a mask', (v) =>
    expect(isMask(v)).toBe(false),
  );
});
