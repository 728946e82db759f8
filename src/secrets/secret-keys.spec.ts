import { isMask } from './mask';
import { isSecretKey } from './secret-keys';

describe('isSecretKey', () => {
  it.each([
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
    'PASSWORD',
    'Api-Key',
    'github_token',
    'dbPassword',
    'x-api-key',
    'clientSecret',
  ])('%s is secret', (key) => expect(isSecretKey(key)).toBe(true));

  it.each([
    'repos',
    'name',
    'token_url',
    'url',
    'username',
    'tokens_count',
    'secretary_name',
    'key',
  ])('%s is not secret', (key) => expect(isSecretKey(key)).toBe(false));
});

describe('isMask', () => {
  it.each(['***', '******', '**********'])('%s is a mask', (v) => expect(isMask(v)).toBe(true));
  it.each(['**', '*a*', '', 'secret', null, 3])('%p is not a mask', (v) =>
    expect(isMask(v)).toBe(false),
  );
});
