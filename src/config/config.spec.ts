import { ConfigError, loadConfig } from './config';

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
    [{ SHUTDOWN_TIMEOUT: 'soon' }, /SHUTDOWN_TIMEOUT must be an integer/],
  ])('refuses runtime setting %p, naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
