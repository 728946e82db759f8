import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  Injectable,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { requestContextOf } from '../audit/request-context';
import type { Actor } from '../connectors/domain/connector.input';
import { ApiKeysService } from './api-keys.service';
import { InvalidApiKeyError, MissingApiKeyError } from './auth.errors';

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
}

const RESOLVED = Symbol('resolvedApiKey');
type Resolving = FastifyRequest & {
  [RESOLVED]?: { key: string; actor: Actor | null | Promise<Actor | null> };
};

/**
 * The actor of the request's API key (null for a key that is not valid), resolved once per
 * request whoever asks first (the rate limiter counts per key, the Idempotency-Key hook scopes
 * its key to it, then the key guard admits it): a key seen in the last 30 s is answered at once,
 * without a promise or a query.
 */
export function actorOf(
  keys: ApiKeysService,
  request: FastifyRequest,
  key: string,
): Actor | null | Promise<Actor | null> {
  const resolving = request as Resolving;
  const known = resolving[RESOLVED];
  if (known?.key === key) return known.actor;
  const cached = keys.cached(key);
  const actor = cached !== undefined ? cached : keys.resolve(key);
  resolving[RESOLVED] = { key, actor };
  return actor;
}

/** The key from `Authorization: Bearer <key>` or `X-API-TOKEN: <key>`. */
export function apiKeyFrom(headers: FastifyRequest['headers']): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    // Anything after "Bearer " is the key: a malformed one is an invalid key, not a missing one.
    const match = /^Bearer\s+(.+?)\s*$/i.exec(auth);
    if (match?.[1]) return match[1];
  }
  const token = headers['x-api-token'];
  const value = Array.isArray(token) ? token[0] : token;
  return value && value.trim() ? value.trim() : null;
}

/** Every dialect route: the API key names the organization the request acts for. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly keys: ApiKeysService) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const key = apiKeyFrom(request.headers);
    if (!key) throw new MissingApiKeyError();
    const actor = actorOf(this.keys, request, key);
    return actor instanceof Promise
      ? actor.then((resolved) => admit(request, resolved))
      : admit(request, actor);
  }
}

/** The key's actor, with where the request came in (for the audit trail). */
function admit(request: FastifyRequest, actor: Actor | null): true {
  if (!actor) throw new InvalidApiKeyError();
  request.actor = { ...actor, ...requestContextOf(request) };
  return true;
}

export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<FastifyRequest>().actor;
  if (!actor) throw new MissingApiKeyError();
  return actor;
});
