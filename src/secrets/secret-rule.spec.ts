import { isMask } from './mask';
import { isSecretKey, isSecretValue, splitUrlPassword, urlPasswordOwner } from './secret-rule';

/**
 * Every entry of the rule both ways: names (or values) it must take for secrets, and a near miss
 * it must leave alone. The list is the one documented in docs/architecture.md ("Secrets").
 */
const NAME_RULE: Array<{ entry: string; secret: string[]; plain: string[] }> = [
  {
    entry: 'password, passwd, passphrase, pwd, pass',
    secret: [
      'password',
      'PASSWORD',
      'dbPassword',
      'db_password_2',
      'passwords',
      'passwd',
      'passphrase',
      'pwd',
      'pass',
    ],
    plain: ['password_policy', 'passenger', 'compass'],
  },
  {
    entry: 'secret',
    secret: [
      'secret',
      'client_secret',
      'clientSecret',
      'secrets',
      'vault_secret_id',
      'aws_secret_access_key',
    ],
    plain: ['secret_name', 'secretary_name'],
  },
  {
    entry: 'token',
    secret: [
      'token',
      'access_token',
      'refresh_token',
      'github_token',
      'GitHub-Token',
      'bot_token',
      'tokenValue',
      'tokens',
    ],
    plain: [
      'token_url',
      'tokenUri',
      'token_endpoint',
      'token_type',
      'tokens_count',
      'token_expires_in',
    ],
  },
  {
    entry: 'key (alone)',
    secret: ['key', 'KEY'],
    plain: ['key_id', 'keyboard'],
  },
  {
    entry: '*_key and *key',
    secret: [
      'api_key',
      'apikey',
      'Api-Key',
      'x-api-key',
      'ssh_key',
      'master_key',
      'hmac_key',
      'license_key',
      'masterkey',
      'secret_key',
      'access_key',
      'signing_key',
      'api_keys',
      'encryptionKey',
    ],
    plain: [
      'primary_key',
      'foreign_key',
      'sort_key',
      'partition_key',
      'public_key',
      'routing_key',
      'idempotency_key',
      'monkey',
      'api_key_header',
    ],
  },
  {
    entry: 'jwt',
    secret: ['jwt', 'JWT', 'jwt_token', 'service_jwt'],
    plain: ['jwt_algorithm', 'jwt_issuer'],
  },
  {
    entry: '*webhook* (its URL is the secret)',
    secret: ['webhook', 'webhook_url', 'slackWebhookUrl', 'webhook_uri'],
    plain: ['webhook_name', 'webhook_enabled'],
  },
  {
    entry: '*header* carrying authorization',
    secret: ['auth_header', 'authorization_header', 'AuthHeader', 'auth_headers'],
    plain: ['header', 'content_type_header', 'header_name'],
  },
  {
    entry: 'authorization, auth, cookie',
    secret: ['authorization', 'Authorization', 'auth', 'session_cookie'],
    plain: ['author', 'authority_name'],
  },
  {
    entry: 'service_account*',
    secret: ['service_account', 'service_account_json', 'serviceAccountKey'],
    plain: ['service_account_email', 'service_name'],
  },
  {
    entry: '*credential*',
    secret: ['credential', 'credentials', 'gcp_credentials_json'],
    plain: ['credential_type', 'credentials_file'],
  },
  {
    entry: '*private*',
    secret: ['private', 'private_key', 'privateKeyPem', 'private_data'],
    plain: ['is_private', 'include_private', 'privacy'],
  },
  {
    entry: '*cert*, *pem*, keystore (key material)',
    secret: ['cert', 'client_cert', 'tls_certificate', 'clientCertPem', 'pem', 'keystore'],
    plain: ['cert_path', 'pem_file', 'concert', 'certified'],
  },
  {
    entry: 'pin, otp, dsn, sas, connection_string',
    secret: ['pin', 'otp', 'dsn', 'sas', 'connection_string', 'connectionString'],
    plain: ['pinned', 'spin', 'connection_timeout'],
  },
  {
    entry: 'flags about a secret are not secrets',
    secret: ['token'],
    plain: ['has_token', 'use_password', 'enable_webhook'],
  },
  {
    entry: 'ordinary keys',
    secret: [],
    plain: ['repos', 'name', 'url', 'username', 'host', 'channel', 'repository'],
  },
];

describe('the secret rule by name', () => {
  describe.each(NAME_RULE)('$entry', ({ secret, plain }) => {
    if (secret.length)
      it.each(secret)('%s is secret', (key) => expect(isSecretKey(key)).toBe(true));
    it.each(plain)('%s is not secret', (key) => expect(isSecretKey(key)).toBe(false));
  });
});

const VALUE_RULE: Array<{ entry: string; secret: string[]; plain: string[] }> = [
  {
    entry: 'GitHub tokens ghp_/gho_/github_pat_',
    secret: [
      'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8',
      'gho_' + 'A'.repeat(36),
      'github_pat_' + '11ABCDEFG0_' + 'x'.repeat(40),
    ],
    plain: ['ghp_short', 'ghx_' + 'a'.repeat(36), 'see ghp_' + 'a'.repeat(36)],
  },
  {
    entry: 'GitLab tokens glpat-',
    secret: ['glpat-' + 'Ab3_'.repeat(5)],
    plain: ['glpat-short'],
  },
  {
    entry: 'Slack tokens xox[abp]-',
    secret: [
      'xoxb-' + '1234567890-1234567890-abcdefABCDEF',
      'xoxp-' + '1'.repeat(12) + '-abc',
      'xoxa-' + '2'.repeat(20),
    ],
    plain: ['xoxz-' + '1'.repeat(20), 'xoxb-'],
  },
  {
    entry: 'AWS access key ids AKIA…',
    secret: ['AKIA' + 'IOSFODNN7EXAMPLE', 'ASIA' + 'ABCDEFGHIJKLMNOP'],
    plain: ['AKIA' + 'iosfodnn7example', 'AKIA' + 'SHORT0000000'],
  },
  {
    entry: 'Stripe sk_live_/sk_test_',
    secret: ['sk_live_' + '4eC39HqLyjWDarjtT1zdp7dc', 'sk_test_' + '4eC39HqLyjWDarjtT1zdp7dc'],
    plain: ['pk_live_' + '4eC39HqLyjWDarjtT1zdp7dc', 'sk_demo_' + '4eC39HqLyjWDarjtT1zdp7dc'],
  },
  {
    entry: 'Google API keys AIza…',
    secret: ['AIza' + 'SyA-1234567890abcdefghijklmnopqrstu'],
    plain: ['AIza' + 'tooShort'],
  },
  {
    entry: 'PEM private keys',
    secret: [
      '-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----',
    ],
    plain: [
      '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
      '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----',
    ],
  },
  {
    entry: 'JWTs eyJ….….…',
    secret: [
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    ],
    plain: ['eyJhbGciOiJIUzI1NiJ9', 'eyJhbGciOiJIUzI1NiJ9.short'],
  },
  {
    entry: 'Slack and Discord webhook URLs',
    secret: [
      'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX',
      'https://discord.com/api/webhooks/123456789/abcdefABCDEF',
      'https://discordapp.com/api/webhooks/123456789/abcdefABCDEF',
    ],
    plain: [
      'https://hooks.slack.com.example.org/services/x',
      'https://discord.com/api/users/123456789',
    ],
  },
  {
    entry: 'Authorization header values',
    secret: ['Bearer abcdefgh12345678', 'Basic dXNlcjpwYXNzd29yZA=='],
    plain: ['Bearer', 'Bearer tokens are used here', 'Basic authentication', 'Bearer abc12345'],
  },
  {
    entry: 'ordinary values',
    secret: [],
    plain: ['infinilabs/coco-server', 'https://github.com/org/repo', 'a'.repeat(100)],
  },
];

describe('the secret rule by value', () => {
  describe.each(VALUE_RULE)('$entry', ({ secret, plain }) => {
    if (secret.length) it.each(secret)('%s is secret', (v) => expect(isSecretValue(v)).toBe(true));
    it.each(plain)('%s is not secret', (v) => expect(isSecretValue(v)).toBe(false));
  });

  it('is not taken in by values that are not strings', () => {
    for (const v of [null, 42, true, {}, []]) expect(isSecretValue(v)).toBe(false);
  });
});

describe('passwords in URL userinfo', () => {
  it.each([
    ['https://user:pa55@host.example/x', 'https://user:', 'pa55', '@host.example/x'],
    ['postgres://app:p%40ss@db:5432/app?ssl=1', 'postgres://app:', 'p%40ss', '@db:5432/app?ssl=1'],
    ['https://u:p@ss@host/', 'https://u:', 'p@ss', '@host/'],
    ['redis://:only-password@cache:6379', 'redis://:', 'only-password', '@cache:6379'],
    ['https://user:******@host/x', 'https://user:', '******', '@host/x'],
  ])('%s has a password', (url, before, password, after) =>
    expect(splitUrlPassword(url)).toEqual({ before, password, after }),
  );

  it.each([
    'https://user@host/x',
    'https://user:@host/x',
    'https://host:8443/x',
    'https://host/path:with@at',
    'mailto:user:x@host',
    'not a url',
  ])('%s has none', (url) => expect(splitUrlPassword(url)).toBeNull());

  it('names who the password is for: user and host, not the path', () => {
    const owner = (u: string) => urlPasswordOwner(splitUrlPassword(u)!);
    expect(owner('https://u:a@H.example/x')).toBe(owner('https://u:b@h.example/y?z'));
    expect(owner('https://u:a@h.example/x')).not.toBe(owner('https://u:a@evil.example/x'));
    expect(owner('https://u:a@h.example/x')).not.toBe(owner('https://v:a@h.example/x'));
    expect(owner('https://u:a@h.example/x')).not.toBe(owner('http://u:a@h.example/x'));
  });

  it('is linear on hostile input', () => {
    const started = Date.now();
    splitUrlPassword(`https://u:${'@'.repeat(50_000)}x`);
    splitUrlPassword(`https://u:${'a:'.repeat(25_000)}`);
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('isMask', () => {
  it.each(['***', '******', '**********'])('%s is a mask', (v) => expect(isMask(v)).toBe(true));
  it.each(['**', '*a*', '', 'secret', null, 3])('%p is not a mask', (v) =>
    expect(isMask(v)).toBe(false),
  );
});
