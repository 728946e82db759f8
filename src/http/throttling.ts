import { type ExecutionContext, Global, Injectable, Module } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerModule,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { apiKeyFrom } from '../auth/api-key.guard';
import { ApiKeysService } from '../auth/api-keys.service';
import { APP_CONFIG, type RuntimeConfig } from '../config/runtime';
import { GatewayThrottlerStorage } from './rate-limit-store';

const MINUTE = 60_000;

/** Paths never limited (with or without a query string): probes, docs, metrics scrapes. */
export function isUnlimitedPath(url: string): boolean {
  const path = url.split('?', 1)[0] ?? '';
  return /^\/(health|docs|metrics)(\/|\.|$)/.test(path);
}

/**
 * One budget per API key per minute, whatever the route, mount or dialect: the throttler's key
 * is the tracker alone (the library's default adds the controller and handler). A request without
 * a valid key counts against its client address instead, so made-up keys share one budget.
 */
@Injectable()
export class GatewayThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly keys: ApiKeysService,
  ) {
    super(options, storage, reflector);
  }

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(
      isUnlimitedPath(context.switchToHttp().getRequest<FastifyRequest>().url),
    );
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const request = req as unknown as FastifyRequest;
    const key = apiKeyFrom(request.headers);
    // Cached by the service: the key guard that runs next finds it there.
    const actor = key ? await this.keys.resolve(key) : null;
    return actor ? `key:${actor.apiKeyId}` : `ip:${request.ip}`;
  }

  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    name: string,
  ): string {
    return `${name}:${tracker}`;
  }

  /** Every 429 says when to come back and what the budget is, whichever limit was hit. */
  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    reply.headers({
      'retry-after': String(detail.timeToBlockExpire),
      'x-ratelimit-limit': String(detail.limit),
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(detail.timeToBlockExpire),
    });
    return super.throwThrottlingException(context, detail);
  }
}

/** Where the windows are kept: Redis (REDIS_URL) or this process. Health reads it too. */
@Global()
@Module({
  providers: [
    {
      provide: GatewayThrottlerStorage,
      inject: [APP_CONFIG],
      useFactory: (config: RuntimeConfig) =>
        new GatewayThrottlerStorage(
          config.rateLimitPerMinute > 0 ? config.redisUrl : null,
          config.redisKeyPrefix,
        ),
    },
  ],
  exports: [GatewayThrottlerStorage],
})
class RateLimitStorageModule {}

/**
 * Rate limits: `RATE_LIMIT_PER_MINUTE` requests per API key (or per address without a valid
 * key) in a fixed window of one minute that opens at the first request. Past it, a 429 in the
 * dialect's error shape with `Retry-After` and `X-RateLimit-*`.
 */
@Module({
  imports: [
    RateLimitStorageModule,
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, GatewayThrottlerStorage],
      useFactory: (config: RuntimeConfig, storage: GatewayThrottlerStorage) => ({
        // 'default' gives the standard header names (Retry-After, X-RateLimit-Limit, ...).
        throttlers: [{ name: 'default', ttl: MINUTE, limit: config.rateLimitPerMinute }],
        storage,
        skipIf: () => config.rateLimitPerMinute === 0,
        errorMessage: 'too many requests',
      }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: GatewayThrottlerGuard }],
})
export class ThrottlingModule {}
