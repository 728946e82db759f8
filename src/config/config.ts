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
  @IsInt()
  @Min(0)
  SHUTDOWN_TIMEOUT?: number;
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
  };
  /** On SIGTERM, the most the gateway waits for requests in flight, in seconds. */
  shutdownTimeoutSeconds: number;
}

export class ConfigError extends Error {}

const NUMERIC = [
  'PORT',
  'BODY_LIMIT',
  'SEARCH_TRACK_TOTAL_HITS',
  'RATE_LIMIT_PER_MINUTE',
  'DATABASE_POOL_SIZE',
  'DATABASE_STATEMENT_TIMEOUT_MS',
  'DATABASE_LOCK_TIMEOUT_MS',
  'DATABASE_ACQUIRE_TIMEOUT_MS',
  'DATABASE_CONNECT_TIMEOUT',
  'SHUTDOWN_TIMEOUT',
] as const;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') raw[k] = v;
  for (const k of NUMERIC) {
    if (typeof raw[k] === 'string') {
      const n = Number(raw[k]);
      if (!Number.isInteger(n))
        throw new ConfigError(`${k} must be an integer (got '${String(raw[k])}')`);
      raw[k] = n;
    }
  }
  const parsed = plainToInstance(Environment, raw);
  const errors = validateSync(parsed, { whitelist: false });
  if (errors.length) {
    const messages = errors.flatMap((e) =>
      Object.values(e.constraints ?? {}).map((m) => `${e.property}: ${m}`),
    );
    throw new ConfigError(`invalid configuration: ${messages.join('; ')}`);
  }
  if (parsed.DATABASE_URL && !parsed.GATEWAY_ENCRYPTION_KEY) {
    throw new ConfigError(
      'invalid configuration: GATEWAY_ENCRYPTION_KEY is required when DATABASE_URL is set (openssl rand -base64 32)',
    );
  }
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
    },
    shutdownTimeoutSeconds: parsed.SHUTDOWN_TIMEOUT ?? 10,
  };
}
