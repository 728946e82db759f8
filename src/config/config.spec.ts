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
});
