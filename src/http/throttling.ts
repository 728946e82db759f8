import { type ExecutionContext, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { apiKeyFrom } from '../auth/api-key.guard';
import { hashApiKey } from '../auth/api-keys.service';
import { APP_CONFIG, type RuntimeConfig } from '../config/runtime';

const MINUTE = 60_000;

/**
 * Rate limits, per API key and per client address, in a fixed window of one minute. A client past
 * its limit gets a 429 in its dialect's error shape, with `Retry-After`. The address limit (four
 * times the key limit) bounds what one client can try with keys it makes up.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: RuntimeConfig) => ({
        throttlers: [
          {
            // 'default' gives the standard header names (Retry-After, X-RateLimit-Limit, ...).
            name: 'default',
            ttl: MINUTE,
            limit: config.rateLimitPerMinute,
            getTracker: (req: Record<string, unknown>) => {
              const key = apiKeyFrom((req as unknown as FastifyRequest).headers);
              return key ? `key:${hashApiKey(key)}` : `ip:${(req as unknown as FastifyRequest).ip}`;
            },
          },
          {
            name: 'address',
            ttl: MINUTE,
            limit: config.rateLimitPerMinute * 4,
            getTracker: (req: Record<string, unknown>) => (req as unknown as FastifyRequest).ip,
          },
        ],
        skipIf: (context: ExecutionContext) =>
          config.rateLimitPerMinute === 0 ||
          context.switchToHttp().getRequest<FastifyRequest>().url === '/health',
        errorMessage: 'too many requests',
      }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }],
})
export class ThrottlingModule {}
