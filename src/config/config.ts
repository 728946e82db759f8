import { plainToInstance } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  getMetadataStorage,
  validateSync,
} from 'class-validator';

/** The environment the gateway reads, validated once at start. */
class Environment {
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @IsString()
  HOST?: string;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @IsString()
  DATA_DIR?: string;

  @IsOptional()
  @Matches(
    /^\s*([A-Za-z0-9][A-Za-z0-9._-]{0,63}:[^,:\s]{8,}\s*)(,\s*[A-Za-z0-9][A-Za-z0-9._-]{0,63}:[^,:\s]{8,}\s*)*$/,
    {
      message:
        'GATEWAY_API_KEYS must be comma-separated organization:key pairs, keys of at least 8 characters',
    },
  )
  GATEWAY_API_KEYS?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, {
    message:
      'GATEWAY_ENCRYPTION_KEY must be 32 random bytes encoded as base64 (openssl rand -base64 32)',
  })
  GATEWAY_ENCRYPTION_KEY?: string;

  @IsOptional()
  @Matches(/^([A-Za-z0-9+/]{43}=)(,[A-Za-z0-9+/]{43}=)*$/, {
    message:
      'GATEWAY_PREVIOUS_ENCRYPTION_KEYS must be a comma-separated list of base64 32-byte keys',
  })
  GATEWAY_PREVIOUS_ENCRYPTION_KEYS?: string;

  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    {
      message: 'PUBLIC_URL must be an absolute http(s) URL',
    },
  )
  PUBLIC_URL?: string;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;

  @IsOptional()
  @IsInt()
  @Min(1024)
  BODY_LIMIT?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  SEARCH_TRACK_TOTAL_HITS?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  RATE_LIMIT_PER_MINUTE?: number;

  @IsOptional()
  @IsIn(['true', 'false', '1', '0'], { message: 'TRUST_PROXY must be true or false' })
  TRUST_PROXY?: string;

  @IsOptional()
  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9:._-]{1,64}$/, {
    message: 'REDIS_KEY_PREFIX must be 1 to 64 letters, digits or :._-',
  })
  REDIS_KEY_PREFIX?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  DATABASE_POOL_SIZE?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  DATABASE_STATEMENT_TIMEOUT_MS?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  DATABASE_LOCK_TIMEOUT_MS?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  DATABASE_ACQUIRE_TIMEOUT_MS?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  DATABASE_CONNECT_TIMEOUT?: number;

  @IsOptional()
  @IsIn(['true', 'false', '1', '0'], {
    message: 'DATABASE_PREPARED_STATEMENTS must be true or false',
  })
  DATABASE_PREPARED_STATEMENTS?: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  SHUTDOWN_TIMEOUT?: number;

  @IsOptional()
  @IsIn(['true', 'false', '1', '0'], {
    message: 'GATEWAY_OUTBOUND_ALLOW_PRIVATE must be true or false',
  })
  GATEWAY_OUTBOUND_ALLOW_PRIVATE?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(600_000)
  GATEWAY_OUTBOUND_TIMEOUT_MS?: number;

  @IsOptional()
  @IsInt()
  @Min(1024)
  GATEWAY_OUTBOUND_MAX_BYTES?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(36_500)
  AUDIT_RETENTION_DAYS?: number;

  @IsOptional()
  @IsIn(['json', 'pretty'], { message: 'LOG_FORMAT must be json or pretty' })
  LOG_FORMAT?: string;

  @IsOptional()
  @Matches(/^[\x21-\x7e]{16,}$/, {
    message: 'METRICS_TOKEN must be at least 16 printable characters without spaces',
  })
  METRICS_TOKEN?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(600_000)
  OAUTH_TOKEN_TIMEOUT_MS?: number;
}

export interface AppConfig {
  port: number;
  host: string;
  /** Null: run on the embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  apiKeys: Array<{ organizationId: string; key: string }>;
  /** Base64; required with `databaseUrl`, generated and kept in `dataDir` otherwise. */
  encryptionKey: string | null;
  previousEncryptionKeys: string[];
  /** Where clients reach the gateway; OAuth redirect URIs are built from it. */
  publicUrl: string;
  logLevel: string;
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  /** Coco search counts hits exactly up to this many, then answers `relation: "gte"`. */
  searchTrackTotalHits: number;
  /** Requests per minute per API key (four times that per client address); 0 turns limits off. */
  rateLimitPerMinute: number;
  /** Behind a reverse proxy: take the client address from X-Forwarded-For. */
  trustProxy: boolean;
  /** Set: rate budgets are kept in this Redis, shared by every replica. Null: in the process. */
  redisUrl: string | null;
  /** Prefix of every Redis key the gateway writes. */
  redisKeyPrefix: string;
  database: {
    /** Connections in the pool. */
    poolSize: number;
    /** PostgreSQL's statement_timeout on the gateway's sessions (0: none). */
    statementTimeoutMs: number;
    /** PostgreSQL's lock_timeout on the gateway's sessions (0: none). */
    lockTimeoutMs: number;
    /** How long a request waits for a pool connection (or a new one to open) before its 503. */
    acquireTimeoutMs: number;
    /** At start, how long to keep retrying an unreachable database, in seconds. */
    connectTimeoutSeconds: number;
    /**
     * The hot statements are prepared once per connection (named). Off behind a pooler that
     * shares server sessions between transactions (PgBouncer's transaction mode).
     */
    preparedStatements: boolean;
  };
  /** On SIGTERM, the most the gateway waits for requests in flight, in seconds. */
  shutdownTimeoutSeconds: number;
  /** Let outbound calls reach loopback, private, link-local... addresses (development, tests). */
  outboundAllowPrivate: boolean;
  /** Deadline of one outbound call, connect and whole answer. */
  outboundTimeoutMs: number;
  /** Largest answer body an outbound call reads. */
  outboundMaxBytes: number;
  /** Audit entries older than this many days are purged in the background. */
  auditRetentionDays: number;
  /** `json` (always in production) or `pretty` (pino-pretty, for development). */
  logFormat: 'json' | 'pretty';
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  metricsToken: string | null;
  /** Deadline of one OAuth token request (code exchange, refresh). */
  oauthTokenTimeoutMs: number;
}

export class ConfigError extends Error {}

/** Every variable the gateway reads (the properties of `Environment`), e.g. for `.env.example`. */
export function environmentVariables(): string[] {
  const declared = getMetadataStorage().getTargetValidationMetadatas(Environment, '', true, false);
  return [...new Set(declared.map((m) => m.propertyName))];
}

const NUMERIC = [
  'PORT',
  'BODY_LIMIT',
  'SEARCH_TRACK_TOTAL_HITS',
  'RATE_LIMIT_PER_MINUTE',
  'GATEWAY_OUTBOUND_TIMEOUT_MS',
  'GATEWAY_OUTBOUND_MAX_BYTES',
  'AUDIT_RETENTION_DAYS',
  'OAUTH_TOKEN_TIMEOUT_MS',
  'DATABASE_POOL_SIZE',
  'DATABASE_STATEMENT_TIMEOUT_MS',
  'DATABASE_LOCK_TIMEOUT_MS',
  'DATABASE_ACQUIRE_TIMEOUT_MS',
  'DATABASE_CONNECT_TIMEOUT',
  'SHUTDOWN_TIMEOUT',
] as const;

/**
 * The one validation of the environment (used by @nestjs/config's `validate`, see
 * `src/config/environment.ts`, and by everything that calls `loadConfig`). Every problem is
 * reported, each as one sentence that starts with the variable's name and never repeats its value
 * (it may be a secret): `invalid configuration: PORT must be an integer number; LOG_LEVEL must
 * be one of the following values: ...`.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') raw[k] = v;
  for (const k of NUMERIC) {
    if (typeof raw[k] === 'string' && /^-?\d+$/.test(raw[k].trim())) raw[k] = Number(raw[k]);
  }
  const parsed = plainToInstance(Environment, raw);
  const errors = validateSync(parsed, { whitelist: false });
  // One message per variable: a value that is not a number is told that, not also its range.
  const messages = errors.map((e) => {
    const constraints = e.constraints ?? {};
    return constraints.isInt ?? Object.values(constraints).join('; ');
  });
  const valid = (name: string) => !errors.some((e) => e.property === name);
  if (parsed.DATABASE_URL && valid('DATABASE_URL') && !parsed.GATEWAY_ENCRYPTION_KEY) {
    messages.push(
      'GATEWAY_ENCRYPTION_KEY is required when DATABASE_URL is set (openssl rand -base64 32)',
    );
  }
  if (messages.length) throw new ConfigError(`invalid configuration: ${messages.join('; ')}`);
  const port = parsed.PORT ?? 3000;
  return {
    port,
    host: parsed.HOST ?? '0.0.0.0',
    databaseUrl: parsed.DATABASE_URL ?? null,
    dataDir: parsed.DATA_DIR ?? './data',
    apiKeys: (parsed.GATEWAY_API_KEYS ?? '')
      .split(',')
      .map((pair) => pair.trim())
      .filter(Boolean)
      .map((pair) => {
        const at = pair.indexOf(':');
        return { organizationId: pair.slice(0, at), key: pair.slice(at + 1) };
      }),
    encryptionKey: parsed.GATEWAY_ENCRYPTION_KEY ?? null,
    previousEncryptionKeys: parsed.GATEWAY_PREVIOUS_ENCRYPTION_KEYS?.split(',') ?? [],
    publicUrl: (parsed.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    logLevel: parsed.LOG_LEVEL ?? 'info',
    bodyLimit: parsed.BODY_LIMIT ?? 1024 * 1024,
    searchTrackTotalHits: parsed.SEARCH_TRACK_TOTAL_HITS ?? 10_000,
    rateLimitPerMinute: parsed.RATE_LIMIT_PER_MINUTE ?? 1200,
    trustProxy: parsed.TRUST_PROXY === 'true' || parsed.TRUST_PROXY === '1',
    redisUrl: parsed.REDIS_URL ?? null,
    redisKeyPrefix: parsed.REDIS_KEY_PREFIX ?? 'gateway:',
    database: {
      poolSize: parsed.DATABASE_POOL_SIZE ?? 10,
      statementTimeoutMs: parsed.DATABASE_STATEMENT_TIMEOUT_MS ?? 5000,
      lockTimeoutMs: parsed.DATABASE_LOCK_TIMEOUT_MS ?? 2000,
      acquireTimeoutMs: parsed.DATABASE_ACQUIRE_TIMEOUT_MS ?? 3000,
      connectTimeoutSeconds: parsed.DATABASE_CONNECT_TIMEOUT ?? 60,
      preparedStatements:
        parsed.DATABASE_PREPARED_STATEMENTS !== 'false' &&
        parsed.DATABASE_PREPARED_STATEMENTS !== '0',
    },
    shutdownTimeoutSeconds: parsed.SHUTDOWN_TIMEOUT ?? 10,
    outboundAllowPrivate:
      parsed.GATEWAY_OUTBOUND_ALLOW_PRIVATE === 'true' ||
      parsed.GATEWAY_OUTBOUND_ALLOW_PRIVATE === '1',
    outboundTimeoutMs: parsed.GATEWAY_OUTBOUND_TIMEOUT_MS ?? 30_000,
    outboundMaxBytes: parsed.GATEWAY_OUTBOUND_MAX_BYTES ?? 10 * 1024 * 1024,
    auditRetentionDays: parsed.AUDIT_RETENTION_DAYS ?? 365,
    logFormat: parsed.LOG_FORMAT === 'pretty' ? 'pretty' : 'json',
    metricsToken: parsed.METRICS_TOKEN ?? null,
    oauthTokenTimeoutMs: parsed.OAUTH_TOKEN_TIMEOUT_MS ?? 10_000,
  };
}
