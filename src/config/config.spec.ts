import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, environmentVariables, loadConfig } from './config';

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('loadConfig', () => {
  it('has working defaults: embedded database, port 3000', () => {
    expect(loadConfig({})).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: null,
      dataDir: './data',
      apiKeys: [],
      encryptionKey: null,
      publicUrl: 'http://localhost:3000',
      bodyLimit: 1048576,
      searchTrackTotalHits: 10000,
    });
  });

  it('parses API keys as organization:key pairs', () => {
    expect(
      loadConfig({ GATEWAY_API_KEYS: 'acme:sk_live_1234, globex:sk_live_5678' }).apiKeys,
    ).toEqual([
      { organizationId: 'acme', key: 'sk_live_1234' },
      { organizationId: 'globex', key: 'sk_live_5678' },
    ]);
  });

  it.each([
    [{ PORT: 'abc' }, /PORT must be an integer/],
    [{ PORT: '70000' }, /PORT/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a postgres:\/\/ URL/],
    [
      { DATABASE_URL: 'postgres://h/db' },
      /GATEWAY_ENCRYPTION_KEY is required when DATABASE_URL is set/,
    ],
    [{ GATEWAY_ENCRYPTION_KEY: 'short' }, /GATEWAY_ENCRYPTION_KEY must be 32 random bytes/],
    [{ GATEWAY_API_KEYS: 'no-colon' }, /GATEWAY_API_KEYS must be comma-separated/],
    [{ PUBLIC_URL: 'not a url' }, /PUBLIC_URL must be an absolute/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
  ])('refuses %p, naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('accepts a complete production configuration', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://gw:pw@db:5432/gateway',
      GATEWAY_ENCRYPTION_KEY: KEY,
      PUBLIC_URL: 'https://gateway.example.com/',
      PORT: '8080',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgres://gw:pw@db:5432/gateway',
      encryptionKey: KEY,
      publicUrl: 'https://gateway.example.com',
      port: 8080,
    });
  });

  it('has production defaults for the database, Redis and shutdown', () => {
    expect(loadConfig({})).toMatchObject({
      redisUrl: null,
      redisKeyPrefix: 'gateway:',
      database: {
        poolSize: 10,
        statementTimeoutMs: 5000,
        lockTimeoutMs: 2000,
        acquireTimeoutMs: 3000,
        connectTimeoutSeconds: 60,
        preparedStatements: true,
      },
      shutdownTimeoutSeconds: 10,
    });
  });

  it('reads the database, Redis and shutdown settings', () => {
    expect(
      loadConfig({
        REDIS_URL: 'redis://127.0.0.1:6379/2',
        REDIS_KEY_PREFIX: 'gw-prod:',
        DATABASE_POOL_SIZE: '25',
        DATABASE_STATEMENT_TIMEOUT_MS: '8000',
        DATABASE_LOCK_TIMEOUT_MS: '0',
        DATABASE_ACQUIRE_TIMEOUT_MS: '500',
        DATABASE_CONNECT_TIMEOUT: '5',
        DATABASE_PREPARED_STATEMENTS: 'false',
        SHUTDOWN_TIMEOUT: '3',
      }),
    ).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379/2',
      redisKeyPrefix: 'gw-prod:',
      database: {
        poolSize: 25,
        statementTimeoutMs: 8000,
        lockTimeoutMs: 0,
        acquireTimeoutMs: 500,
        connectTimeoutSeconds: 5,
        preparedStatements: false,
      },
      shutdownTimeoutSeconds: 3,
    });
  });

  it.each([
    [{ REDIS_URL: 'http://cache:6379' }, /REDIS_URL must be a redis:\/\//],
    [{ REDIS_KEY_PREFIX: 'has space' }, /REDIS_KEY_PREFIX/],
    [{ DATABASE_POOL_SIZE: '0' }, /DATABASE_POOL_SIZE/],
    [{ DATABASE_STATEMENT_TIMEOUT_MS: '5s' }, /DATABASE_STATEMENT_TIMEOUT_MS must be an integer/],
    [{ DATABASE_LOCK_TIMEOUT_MS: '-1' }, /DATABASE_LOCK_TIMEOUT_MS/],
    [{ DATABASE_ACQUIRE_TIMEOUT_MS: '0' }, /DATABASE_ACQUIRE_TIMEOUT_MS/],
    [{ DATABASE_CONNECT_TIMEOUT: '1.5' }, /DATABASE_CONNECT_TIMEOUT must be an integer/],
    [{ DATABASE_PREPARED_STATEMENTS: 'yes' }, /DATABASE_PREPARED_STATEMENTS must be true or false/],
    [{ SHUTDOWN_TIMEOUT: 'soon' }, /SHUTDOWN_TIMEOUT must be an integer/],
  ])('refuses runtime setting %p, naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
  it('calls out only to public addresses, within 30 s and 10 MiB, unless configured', () => {
    expect(loadConfig({})).toMatchObject({
      outboundAllowPrivate: false,
      outboundTimeoutMs: 30_000,
      outboundMaxBytes: 10 * 1024 * 1024,
    });
    expect(
      loadConfig({
        GATEWAY_OUTBOUND_ALLOW_PRIVATE: 'true',
        GATEWAY_OUTBOUND_TIMEOUT_MS: '250',
        GATEWAY_OUTBOUND_MAX_BYTES: '2048',
      }),
    ).toMatchObject({ outboundAllowPrivate: true, outboundTimeoutMs: 250, outboundMaxBytes: 2048 });
    expect(loadConfig({ GATEWAY_OUTBOUND_ALLOW_PRIVATE: '0' }).outboundAllowPrivate).toBe(false);
  });

  it.each([
    [
      { GATEWAY_OUTBOUND_ALLOW_PRIVATE: 'yes' },
      /GATEWAY_OUTBOUND_ALLOW_PRIVATE must be true or false/,
    ],
    [{ GATEWAY_OUTBOUND_TIMEOUT_MS: 'soon' }, /GATEWAY_OUTBOUND_TIMEOUT_MS must be an integer/],
    [{ GATEWAY_OUTBOUND_TIMEOUT_MS: '0' }, /GATEWAY_OUTBOUND_TIMEOUT_MS/],
    [{ GATEWAY_OUTBOUND_MAX_BYTES: '1.5' }, /GATEWAY_OUTBOUND_MAX_BYTES must be an integer/],
  ])('refuses the outbound setting %p', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('keeps audit entries 365 days unless AUDIT_RETENTION_DAYS says otherwise', () => {
    expect(loadConfig({}).auditRetentionDays).toBe(365);
    expect(loadConfig({ AUDIT_RETENTION_DAYS: '30' }).auditRetentionDays).toBe(30);
    expect(() => loadConfig({ AUDIT_RETENTION_DAYS: '0' })).toThrow(/AUDIT_RETENTION_DAYS/);
    expect(() => loadConfig({ AUDIT_RETENTION_DAYS: 'forever' })).toThrow(
      /AUDIT_RETENTION_DAYS must be an integer/,
    );
  });
  it('gives an OAuth token request 10 s unless OAUTH_TOKEN_TIMEOUT_MS says otherwise', () => {
    expect(loadConfig({}).oauthTokenTimeoutMs).toBe(10_000);
    expect(loadConfig({ OAUTH_TOKEN_TIMEOUT_MS: '1500' }).oauthTokenTimeoutMs).toBe(1500);
    expect(() => loadConfig({ OAUTH_TOKEN_TIMEOUT_MS: 'soon' })).toThrow(
      /OAUTH_TOKEN_TIMEOUT_MS must be an integer/,
    );
    expect(() => loadConfig({ OAUTH_TOKEN_TIMEOUT_MS: '0' })).toThrow(/OAUTH_TOKEN_TIMEOUT_MS/);
  });

  it('reads LOG_FORMAT and METRICS_TOKEN', () => {
    expect(loadConfig({})).toMatchObject({ logFormat: 'json', metricsToken: null });
    expect(
      loadConfig({ LOG_FORMAT: 'pretty', METRICS_TOKEN: 'scrape-token-0123456789' }),
    ).toMatchObject({ logFormat: 'pretty', metricsToken: 'scrape-token-0123456789' });
  });

  // Every variable's complaint has one shape: `invalid configuration: NAME must ...`, and none
  // repeats the value it refuses (it may be a secret).
  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://user:hunter2@db/x'],
    ['GATEWAY_API_KEYS', 'acme-hunter2'],
    ['GATEWAY_ENCRYPTION_KEY', 'hunter2'],
    ['GATEWAY_PREVIOUS_ENCRYPTION_KEYS', 'hunter2'],
    ['PUBLIC_URL', 'ftp://hunter2'],
    ['LOG_LEVEL', 'hunter2'],
    ['LOG_FORMAT', 'hunter2'],
    ['BODY_LIMIT', '12'],
    ['SEARCH_TRACK_TOTAL_HITS', '0'],
    ['RATE_LIMIT_PER_MINUTE', '-1'],
    ['TRUST_PROXY', 'hunter2'],
    ['METRICS_TOKEN', 'hunter2'],
  ])('words an invalid %s = %p like every other variable', (name, value) => {
    let message = '';
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toMatch(new RegExp(`^invalid configuration: ${name} must `));
    expect(message.split('; ')).toHaveLength(1);
    expect(message).not.toContain('hunter2');
  });

  it('names every invalid variable at once', () => {
    expect(() =>
      loadConfig({ PORT: 'x', LOG_LEVEL: 'loud', DATABASE_URL: 'postgres://h/db' }),
    ).toThrow(
      /^invalid configuration: (?=.*PORT must)(?=.*LOG_LEVEL must)(?=.*GATEWAY_ENCRYPTION_KEY is required)/,
    );
  });
});

describe('the documented configuration', () => {
  const root = join(__dirname, '..', '..');

  it('.env.example lists every variable, each with its default, and README the same', () => {
    const example = readFileSync(join(root, '.env.example'), 'utf8');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const variables = environmentVariables();
    expect(variables).toEqual(expect.arrayContaining(['PORT', 'DATABASE_URL', 'METRICS_TOKEN']));
    for (const name of variables) {
      expect({ name, inExample: new RegExp(`^# ${name}=`, 'm').test(example) }).toEqual({
        name,
        inExample: true,
      });
      expect({ name, inReadme: readme.includes(`| \`${name}\``) }).toEqual({
        name,
        inReadme: true,
      });
    }
    // Every default written there is what loadConfig gives when the variable is unset.
    const defaults = Object.fromEntries(
      [...example.matchAll(/^# ([A-Z_]+)=(.+)$/gm)].map((m) => [m[1], m[2]]),
    );
    expect(loadConfig(defaults)).toEqual(loadConfig({}));
  });
});
