import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { DialectDefinition } from './dialect';

/** What a request line and the HTTP metrics say about the route a request took. */
export interface RouteLabels {
  /** The dialect that owns the path (`cohere`, `coco`, `generic`), or `none` (/health, /docs...). */
  dialect: string;
  /** The route pattern (`/v1/connectors/:id`), never the raw path; `unmatched` for a 404. */
  route: string;
  /** Probes, docs and metrics: never rate limited (`isUnlimitedPath`). */
  unlimited: boolean;
  /** Health checks and metric scrapes: frequent and saying nothing, so no request line. */
  quiet: boolean;
}

/** Paths never limited (with or without a query string): probes, docs, metrics scrapes. */
export function isUnlimitedPath(url: string): boolean {
  const path = url.split('?', 1)[0] ?? '';
  return /^\/(health|docs|metrics)(\/|\.|$)/.test(path);
}

const QUIET_ROUTES = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

const LABELS = Symbol('routeLabels');
type Labelled = IncomingMessage & { [LABELS]?: RouteLabels };

/**
 * Labels every request with its route pattern and dialect as it arrives (one map lookup per
 * request: the labels of a route are worked out once), for the request's log line, its metrics
 * and its rate limit.
 * Only patterns are used, so a label never carries an id, a query string or anything a client
 * chose, and the number of label values stays bounded.
 */
export function installRouteLabels(fastify: FastifyInstance, dialects: DialectDefinition[]): void {
  const known = new Map<string, RouteLabels>();
  const dialectOf = (method: string, path: string) =>
    dialects.find((d) => d.owns(method, path))?.name ?? 'none';
  fastify.addHook('onRequest', (request, _reply, done) => {
    const pattern = request.routeOptions.url;
    let labels: RouteLabels | undefined;
    if (pattern === undefined) {
      const path = request.url.split('?', 1)[0] ?? '/';
      labels = {
        dialect: dialectOf(request.method, path),
        route: 'unmatched',
        unlimited: false,
        quiet: false,
      };
    } else {
      const key = `${request.method} ${pattern}`;
      labels = known.get(key);
      if (!labels) {
        labels = {
          dialect: dialectOf(request.method, pattern),
          route: pattern,
          unlimited: isUnlimitedPath(pattern),
          quiet: QUIET_ROUTES.has(pattern),
        };
        known.set(key, labels);
      }
    }
    (request.raw as Labelled)[LABELS] = labels;
    done();
  });
}

/** The labels `installRouteLabels` gave this request, if it saw it. */
export function routeLabelsOf(req: IncomingMessage): RouteLabels | undefined {
  return (req as Labelled)[LABELS];
}
