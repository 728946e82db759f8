import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  Injectable,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../connectors/domain/connector.input';
import { ApiKeysService } from './api-keys.service';
import { InvalidApiKeyError, MissingApiKeyError } from './auth.errors';

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
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
    // A key seen in the last 30 s is answered at once: no promise, no database.
    const cached = this.keys.cached(key);
    if (cached !== undefined) return admit(request, cached);
    return this.keys.resolve(key).then((actor) => admit(request, actor));
  }
}

function admit(request: FastifyRequest, actor: Actor | null): true {
  if (!actor) throw new InvalidApiKeyError();
  request.actor = actor;
  return true;
}

export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<FastifyRequest>().actor;
  if (!actor) throw new MissingApiKeyError();
  return actor;
});
