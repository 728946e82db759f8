import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { DIALECTS } from '../dialects';

/**
 * Tells the acting key where its request came in, for the audit trail: the dialect that owns the
 * path, the method, the route pattern and the request id. Runs after the API key guard (which
 * made the actor), before the handler; the domain only ever sees these as plain text.
 */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const request = context.switchToHttp().getRequest<FastifyRequest>();
      if (request.actor) {
        const path = request.url.split('?')[0] ?? '';
        request.actor = {
          ...request.actor,
          dialect: DIALECTS.find((d) => d.owns(request.method, path))?.name,
          method: request.method,
          route: request.routeOptions.url ?? path,
          requestId: String(request.id),
        };
      }
    }
    return next.handle();
  }
}
