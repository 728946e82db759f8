import {
  applyDecorators,
  type CallHandler,
  ConflictException,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
  UnprocessableEntityException,
  UseInterceptors,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, from, mergeMap, type Observable, of } from 'rxjs';
import { RequestValidationError } from '../http/request-validation';
import { IDEMPOTENCY_HEADER, parseIdempotencyKey, RequestFingerprinter } from './idempotency-key';
import { IdempotencyStore } from './idempotency.store';

/** Sent with a replayed response, as Stripe and the draft's implementations do. */
export const REPLAYED_HEADER = 'idempotent-replayed';

/**
 * `Idempotency-Key` on a create: the same key with the same body answers the first response again
 * (with `Idempotent-Replayed: true`) and makes nothing; another body under the key is a 422; the
 * key while its first request still runs, a 409. Keys belong to the API key that sent them. Runs
 * after the API key guard, before validation: a request that fails frees its key for a retry.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly store: IdempotencyStore,
    @Inject(RequestFingerprinter) private readonly fingerprinter: RequestFingerprinter,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const parsed = parseIdempotencyKey(request.headers[IDEMPOTENCY_HEADER]);
    if (parsed.kind === 'absent' || !request.actor) return next.handle();
    if (parsed.kind === 'invalid') {
      throw new RequestValidationError([
        { field: 'Idempotency-Key', reason: 'must be one value of 1 to 255 printable characters' },
      ]);
    }
    const { apiKeyId } = request.actor;
    const { key } = parsed;
    const route = request.routeOptions.url ?? request.url.split('?')[0] ?? '';
    const fingerprint = this.fingerprinter.fingerprint(request.method, route, request.body);

    const begun = await this.store.begin(apiKeyId, key, fingerprint);
    switch (begun.kind) {
      case 'replay':
        void http.getResponse<FastifyReply>().header(REPLAYED_HEADER, 'true');
        return of(begun.response.body);
      case 'mismatch':
        throw new UnprocessableEntityException(
          'Idempotency-Key was already used with another request: send a new key',
        );
      case 'in_flight':
        throw new ConflictException(
          'a request with this Idempotency-Key is still in progress: retry later',
        );
      case 'started':
        break;
    }
    const status =
      (Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) as number | undefined) ??
      (request.method === 'POST' ? 201 : 200);
    return next.handle().pipe(
      mergeMap((body: unknown) =>
        from(this.store.complete(apiKeyId, key, fingerprint, { status, body }).then(() => body)),
      ),
      catchError((error: unknown) =>
        from(
          this.store.release(apiKeyId, key, fingerprint).then(
            () => Promise.reject(error as Error),
            () => Promise.reject(error as Error),
          ),
        ),
      ),
    );
  }
}

/** Marks a create route as taking `Idempotency-Key`. */
export const Idempotent = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Makes the create safe to retry: within 24 h the same key with the same body answers the first response again (`Idempotent-Replayed: true`) without creating anything; with another body, 422; while the first request still runs, 409. Scoped to the API key.',
    }),
  );
