import type { FastifyRequest } from 'fastify';
import type { Actor } from '../connectors/domain/connector.input';
import { routeLabelsOf } from '../http/route-labels';

/** Where a request came in, as the audit trail records it beside the acting key. */
export type RequestContext = Pick<Actor, 'dialect' | 'method' | 'route' | 'requestId'>;

/**
 * The dialect that owns the path, the method, the route pattern and the request id, for the
 * audit trail. The API key guard adds them to the actor it makes, so the domain only ever sees
 * them as plain text; the dialect and pattern were worked out once per route
 * (src/http/route-labels.ts), so this costs one property read per request.
 */
export function requestContextOf(request: FastifyRequest): RequestContext {
  const labels = routeLabelsOf(request.raw);
  const route = request.routeOptions.url ?? labels?.route ?? request.url.split('?', 1)[0];
  return {
    dialect: labels && labels.dialect !== 'none' ? labels.dialect : undefined,
    method: request.method,
    route,
    requestId: String(request.id),
  };
}
