import { Logger } from '@nestjs/common';
import Redis from 'ioredis';

/** One hit counted in a fixed window: how many so far, and when the window ends. */
export interface WindowCount {
  hits: number;
  resetInMs: number;
}

/**
 * Fixed windows in this process: a window opens at a tracker's first request and lasts `ttl`.
 * One map lookup per hit; windows that ended are swept once a minute, never on the request path.
 */
export class MemoryWindows {
  private readonly windows = new Map<string, { hits: number; resetAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(sweepEveryMs = 60_000) {
    this.sweeper = setInterval(() => this.sweep(), sweepEveryMs);
    this.sweeper.unref();
  }

  hit(key: string, ttlMs: number, now = Date.now()): WindowCount {
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { hits: 0, resetAt: now + ttlMs };
      this.windows.set(key, window);
    }
    window.hits += 1;
    return { hits: window.hits, resetInMs: window.resetAt - now };
  }

  sweep(now = Date.now()): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }

  get size(): number {
    return this.windows.size;
  }

  close(): void {
    clearInterval(this.sweeper);
    this.windows.clear();
  }
}

/** INCR and the window's expiry in one round trip, atomic across replicas. */
const HIT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl}`;

type HitCommand = (key: string, ttlMs: number) => Promise<[number, number]>;

/**
 * The same windows kept in Redis, shared by every replica. Redis unreachable or slow: the hit is
 * counted in this process instead (the gateway keeps serving, limits hold per replica), the outage
 * is logged once when it starts and once when it ends, and health shows Redis down.
 */
export class RedisWindows {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: Redis;
  private up: boolean | null = null;

  constructor(
    url: string,
    prefix: string,
    private readonly fallback: MemoryWindows,
  ) {
    this.redis = new Redis(url, {
      keyPrefix: `${prefix}rl:`,
      // A command while Redis is away fails at once instead of waiting for a reconnection.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 250,
      connectTimeout: 1000,
      retryStrategy: (times) => Math.min(100 * 2 ** times, 2000),
    });
    this.redis.defineCommand('gatewayHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    this.redis.on('error', (error: Error) => this.down(error));
    this.redis.on('ready', () => this.back());
  }

  async hit(key: string, ttlMs: number): Promise<WindowCount> {
    if (this.redis.status !== 'ready') {
      this.down(new Error(`connection ${this.redis.status}`));
      return this.fallback.hit(key, ttlMs);
    }
    try {
      const command = (this.redis as unknown as { gatewayHit: HitCommand }).gatewayHit;
      const [hits, resetInMs] = await command.call(this.redis, key, ttlMs);
      this.back();
      return { hits, resetInMs };
    } catch (error) {
      this.down(error as Error);
      return this.fallback.hit(key, ttlMs);
    }
  }

  /** Whether Redis answers a PING within `timeoutMs`. */
  async ping(timeoutMs: number): Promise<boolean> {
    if (this.redis.status !== 'ready') return false;
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = await Promise.race([
        this.redis.ping(),
        new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs))),
      ]);
      return answer === 'PONG';
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.redis.disconnect();
  }

  private down(error: Error): void {
    if (this.up === false) return;
    this.up = false;
    this.logger.warn(
      `Redis unavailable (${error.message}): rate limits are counted in this process until it is back`,
    );
  }

  private back(): void {
    if (this.up === true) return;
    if (this.up === false) this.logger.log('Redis is back: rate limits are shared again');
    this.up = true;
  }
}

/**
 * Where the rate limits' windows are kept: one fixed window per tracker, in Redis when configured
 * (shared by every replica), else in this process. Health reads whether Redis answers.
 */
export class RateLimitStore {
  readonly memory = new MemoryWindows();
  readonly redis: RedisWindows | null;

  constructor(redisUrl: string | null, prefix: string) {
    this.redis = redisUrl ? new RedisWindows(redisUrl, prefix, this.memory) : null;
  }

  /** Counts one hit: at once in this process, a promise when the window is in Redis. */
  hit(key: string, ttlMs: number): WindowCount | Promise<WindowCount> {
    return this.redis ? this.redis.hit(key, ttlMs) : this.memory.hit(key, ttlMs);
  }

  /** Null without Redis; else whether it answers now. */
  async redisUp(timeoutMs: number): Promise<boolean | null> {
    return this.redis ? this.redis.ping(timeoutMs) : null;
  }

  /** Nest calls it as the application closes. */
  onModuleDestroy(): void {
    this.redis?.close();
    this.memory.close();
  }
}
