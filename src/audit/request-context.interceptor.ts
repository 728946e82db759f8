import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { DIALECTS } from '../dialects';
import { routeLabelsOf } from '../http/route-labels';

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
        // The dialect was worked out once per route pattern (src/http/route-labels.ts).
        const labels = routeLabelsOf(request.raw);
        const matched = labels !== undefined && labels.route !== 'unmatched';
        const path = matched ? labels.route : (request.url.split('?')[0] ?? '');
        const dialect = matched
          ? labels.dialect === 'none'
            ? undefined
            : labels.dialect
          : DIALECTS.find((d) => d.owns(request.method, path))?.name;
        request.actor = {
          ...request.actor,
          dialect,
          method: request.method,
          route: request.routeOptions.url ?? path,
          requestId: String(request.id),
        };
      }
    }
    return next.handle();
  }
}
