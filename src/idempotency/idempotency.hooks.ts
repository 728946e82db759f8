import {
  applyDecorators,
  ConflictException,
  type HttpException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actorOf, apiKeyFrom } from '../auth/api-key.guard';
import type { ApiKeysService } from '../auth/api-keys.service';
import { RequestValidationError } from '../http/request-validation';
import {
  IDEMPOTENCY_HEADER,
  parseIdempotencyKey,
  type RequestFingerprinter,
} from './idempotency-key';
import type { IdempotencyStore } from './idempotency.store';

/** Sent with a replayed response, as Stripe and the draft's implementations do. */
export const REPLAYED_HEADER = 'idempotent-replayed';

/** The Fastify route config that marks a create route (`@Idempotent()`). */
interface IdempotentRoute {
  idempotent?: boolean;
}

/** The key a request claimed, until its answer settles it. */
interface Claim {
  apiKeyId: string;
  key: string;
  fingerprint: string;
}
const CLAIM = Symbol('idempotencyClaim');
type Claiming = FastifyRequest & { [CLAIM]?: Claim };

/** Marks a create route as taking `Idempotency-Key`. */
export const Idempotent = (): MethodDecorator =>
  applyDecorators(
    RouteConfig({ idempotent: true } satisfies IdempotentRoute),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Makes the create safe to retry: within 24 h the same key with the same body answers the first response again (`Idempotent-Replayed: true`) without creating anything; with another body, 422; while the first request still runs, 409. Scoped to the API key.',
    }),
  );

/**
 * `Idempotency-Key` on a create: the same key with the same body answers the first response again
 * (with `Idempotent-Replayed: true`) and makes nothing; another body under the key is a 422; the
 * key while its first request still runs, a 409. Keys belong to the API key that sent them.
 *
 * Two Fastify hooks on the routes marked `@Idempotent()`, so a create without the header costs one
 * property read and a header lookup. `preHandler` claims the key before Nest's pipeline (a request
 * without a valid API key is left to the key guard's 401) and answers a replay itself; `onSend`
 * settles the claim before the answer leaves: a success is recorded as the key's response, a
 * failure frees the key for a retry. Errors take the dialect's shape (the global filter).
 */
export function installIdempotency(
  fastify: FastifyInstance,
  store: IdempotencyStore,
  fingerprinter: RequestFingerprinter,
  keys: ApiKeysService,
): void {
  /** True when the hook answered the request itself (a replay). */
  const claim = async (request: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    const parsed = parseIdempotencyKey(request.headers[IDEMPOTENCY_HEADER]);
    if (parsed.kind === 'absent') return false;
    const apiKey = apiKeyFrom(request.headers);
    const actor = apiKey ? await actorOf(keys, request, apiKey) : null;
    if (!actor) return false;
    if (parsed.kind === 'invalid') {
      throw new RequestValidationError([
        { field: 'Idempotency-Key', reason: 'must be one value of 1 to 255 printable characters' },
      ]);
    }
    const { apiKeyId } = actor;
    const { key } = parsed;
    const route = request.routeOptions.url ?? request.url.split('?')[0] ?? '';
    const fingerprint = fingerprinter.fingerprint(request.method, route, request.body);
    const begun = await store.begin(apiKeyId, key, fingerprint);
    switch (begun.kind) {
      case 'replay':
        void reply
          .code(begun.response.status)
          .header(REPLAYED_HEADER, 'true')
          .send(begun.response.body);
        return true;
      case 'mismatch':
        throw new UnprocessableEntityException(
          'Idempotency-Key was already used with another request: send a new key',
        );
      case 'in_flight':
        throw new ConflictException(
          'a request with this Idempotency-Key is still in progress: retry later',
        );
      case 'started':
        (request as Claiming)[CLAIM] = { apiKeyId, key, fingerprint };
        return false;
    }
  };

  fastify.addHook('preHandler', (request, reply, done) => {
    if (!(request.routeOptions.config as IdempotentRoute).idempotent) return done();
    if (request.headers[IDEMPOTENCY_HEADER] === undefined) return done();
    claim(request, reply).then(
      (answered) => {
        if (!answered) done();
      },
      (error: HttpException | Error) => done(error),
    );
  });

  fastify.addHook('onSend', (request, reply, payload, done) => {
    const claimed = (request as Claiming)[CLAIM];
    if (!claimed) return done(null, payload);
    (request as Claiming)[CLAIM] = undefined;
    const { apiKeyId, key, fingerprint } = claimed;
    const release = () => store.release(apiKeyId, key, fingerprint);
    if (reply.statusCode >= 400) {
      // Nothing was made: the key is free for a retry. The answer goes out whatever happens here.
      release().then(
        () => done(null, payload),
        () => done(null, payload),
      );
      return;
    }
    const body: unknown = typeof payload === 'string' ? JSON.parse(payload) : null;
    store.complete(apiKeyId, key, fingerprint, { status: reply.statusCode, body }).then(
      () => done(null, payload),
      // Not recorded: the key is freed and the client told, as for any failed request.
      (error: Error) =>
        release().then(
          () => done(error),
          () => done(error),
        ),
    );
  });
}
