import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { routeLabelsOf } from '../http/route-labels';
import type { MetricsService } from './metrics.service';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Records every answered request (after the answer is sent, from Fastify's own timing) and serves
 * `GET /metrics` as a plain Fastify route: outside Nest's guards, so it needs no API key and is
 * never rate limited. With `METRICS_TOKEN` set it needs `Authorization: Bearer <token>`.
 */
export function installMetrics(
  fastify: FastifyInstance,
  metrics: MetricsService,
  token: string | null,
): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const labels = routeLabelsOf(request.raw);
    metrics.observeRequest(
      labels?.dialect ?? 'none',
      labels?.route ?? 'unmatched',
      request.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
  const expected = token === null ? null : digest(`Bearer ${token}`);
  fastify.get('/metrics', async (request, reply) => {
    if (expected) {
      const given = request.headers.authorization;
      if (!given || !timingSafeEqual(digest(given), expected)) {
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="metrics"')
          .send({ message: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>' });
      }
    }
    const { contentType, body } = await metrics.exposition();
    return reply.header('content-type', contentType).send(body);
  });
}
