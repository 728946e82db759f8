import { Global, HttpException, HttpStatus, Module } from '@nestjs/common';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';
import { actorOf, apiKeyFrom } from '../auth/api-key.guard';
import type { ApiKeysService } from '../auth/api-keys.service';
import { APP_CONFIG, type RuntimeConfig } from '../config/runtime';
import type { Actor } from '../connectors/domain/connector.input';
import { RateLimitStore, type WindowCount } from './rate-limit-store';
import { routeLabelsOf } from './route-labels';

const MINUTE = 60_000;

/** Over the budget: a 429 in the dialect's error shape (with `Retry-After`, set beforehand). */
export class RateLimitedError extends HttpException {
  constructor() {
    super('too many requests', HttpStatus.TOO_MANY_REQUESTS);
  }
}

/** Where the windows are kept: Redis (REDIS_URL) or this process. Health reads it too. */
@Global()
@Module({
  providers: [
    {
      provide: RateLimitStore,
      inject: [APP_CONFIG],
      useFactory: (config: RuntimeConfig) =>
        new RateLimitStore(
          config.rateLimitPerMinute > 0 ? config.redisUrl : null,
          config.redisKeyPrefix,
        ),
    },
  ],
  exports: [RateLimitStore],
})
export class RateLimitModule {}

/**
 * Rate limits: `RATE_LIMIT_PER_MINUTE` requests per API key (or per client address, for a request
 * without a valid key, so made-up keys share one budget) in a fixed window of one minute that
 * opens at the first request: one budget per key whatever the route, mount or dialect. Every
 * answer of a limited route carries `X-RateLimit-Limit`, `-Remaining` and `-Reset`; past the
 * budget, a 429 in the dialect's error shape with `Retry-After`. Probes, docs and metrics are never
 * limited, and a path no route matches is answered 404 without counting.
 *
 * A Fastify `onRequest` hook, before Nest's pipeline: a key seen in the last 30 s and a window kept
 * in this process are answered without a promise (with Redis, one round trip per request).
 */
export function installRateLimits(
  fastify: FastifyInstance,
  store: RateLimitStore,
  keys: ApiKeysService,
  limit: number,
): void {
  if (limit <= 0) return;
  const limitText = String(limit);

  const answer = (reply: FastifyReply, count: WindowCount, done: HookHandlerDoneFunction) => {
    const reset = String(Math.max(1, Math.ceil(count.resetInMs / 1000)));
    reply.header('x-ratelimit-limit', limitText);
    reply.header('x-ratelimit-remaining', String(Math.max(0, limit - count.hits)));
    reply.header('x-ratelimit-reset', reset);
    if (count.hits <= limit) return done();
    reply.header('retry-after', reset);
    done(new RateLimitedError());
  };

  const countFor = (
    request: FastifyRequest,
    reply: FastifyReply,
    actor: Actor | null,
    done: HookHandlerDoneFunction,
  ) => {
    // The same key names as before this was a hook (`default:<tracker>`), so a rolling deploy
    // shares its windows in Redis.
    const tracker = actor ? `default:key:${actor.apiKeyId}` : `default:ip:${request.ip}`;
    const count = store.hit(tracker, MINUTE);
    if (count instanceof Promise) count.then((c) => answer(reply, c, done), done);
    else answer(reply, count, done);
  };

  fastify.addHook('onRequest', (request, reply, done) => {
    // Worked out once per route (src/http/route-labels.ts): a 404 or an unlimited route.
    const labels = routeLabelsOf(request.raw);
    if (!labels || labels.route === 'unmatched' || labels.unlimited) return done();
    const key = apiKeyFrom(request.headers);
    // Resolved once for the request: the key guard that runs later finds it.
    const actor = key ? actorOf(keys, request, key) : null;
    if (actor instanceof Promise) actor.then((a) => countFor(request, reply, a, done), done);
    else countFor(request, reply, actor, done);
  });
}
