import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppModule } from './app.module';
import type { RuntimeConfig } from './config/runtime';
import { DIALECTS } from './dialects';
import { clientErrorHandler, DialectRoutingFilter } from './http/dialect-routing.filter';
import { registerJsonBodyParser } from './http/json-body';
import { RateLimitStore } from './http/rate-limit-store';
import { installRateLimits } from './http/throttling';
import { ApiKeysService } from './auth/api-keys.service';
import { installRequestLogging } from './http/logging';
import { requestIdFor } from './http/request-id';
import { buildOpenApiDocuments, setupSwaggerUi } from './openapi/openapi-documents';
import { installRouteLabels } from './http/route-labels';
import { createLogger, type Logger } from './logging/logger';
import { NestPinoLogger } from './logging/nest-logger';
import { installRequestScope } from './logging/request-scope';
import { installIdempotency } from './idempotency/idempotency.hooks';
import { RequestFingerprinter } from './idempotency/idempotency-key';
import { IdempotencyStore } from './idempotency/idempotency.store';
import { installMetrics } from './metrics/metrics.http';
import { MetricsService } from './metrics/metrics.service';
import { GracefulShutdown, hostFor, registerShutdown } from './http/shutdown';

/**
 * Builds the whole application (used by main.ts and by the tests): Fastify, filters, Swagger,
 * metrics. `logger` is the process's pino logger (main.ts); tests may give a stream instead.
 */
export async function createApp(
  config: RuntimeConfig,
  options: { logs?: boolean; logStream?: NodeJS.WritableStream; logger?: Logger } = {},
): Promise<NestFastifyApplication> {
  const logger =
    options.logger ??
    createLogger({ level: config.logLevel, format: config.logFormat, stream: options.logStream });
  // Nest's logs while the application is made (and, should that fail, the reason) go to the same
  // pino logger as everything else, never to Nest's coloured console.
  const nestLogger = options.logs === false ? false : new NestPinoLogger(logger);
  const routing = new DialectRoutingFilter(DIALECTS);
  const adapter = new FastifyAdapter({
    // Connector ids are up to 128 characters; find-my-way's default refuses params over 100.
    routerOptions: { maxParamLength: 1024 },
    // What Fastify's router refuses by itself (a malformed percent-encoding, an over-long path
    // segment) is answered in the shape of the dialect that owns the path, like any other error.
    // Fastify runs no hook for these: the request id header is set here.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      reply.header('x-request-id', request.id);
      routing.catch(error, hostFor(request, reply));
    },
    // Requests Node's HTTP parser refuses (431 header fields too large, 400 malformed), likewise.
    clientErrorHandler: clientErrorHandler(routing),
    bodyLimit: config.bodyLimit,
    genReqId: (req: IncomingMessage) => requestIdFor(req),
    requestIdHeader: false,
    // Requests arriving while the gateway shuts down are refused by GracefulShutdown, in the
    // dialect's shape rather than Fastify's.
    return503OnClosing: false,
    // Only behind a proxy that sets X-Forwarded-For: otherwise a client could choose its address.
    trustProxy: config.trustProxy,
    // The gateway has no Nest middleware (its request scope and log line are Fastify hooks):
    // no middie hook on every request.
    skipMiddie: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: nestLogger,
    bufferLogs: true,
    // Fastify's own JSON parser only: a form or other body is a 415, not a connector.
    bodyParser: false,
    abortOnError: false,
  });
  app.useLogger(nestLogger);
  app.useGlobalFilters(routing);
  const fastify = app.getHttpAdapter().getInstance();
  // First: every later hook, the handler and what it awaits run in the request's log scope.
  installRequestScope(fastify);
  registerJsonBodyParser(fastify, config.bodyLimit);
  const shutdown = new GracefulShutdown((exception, host) => routing.catch(exception, host));
  shutdown.install(fastify);
  registerShutdown(app, shutdown);
  installRouteLabels(fastify, DIALECTS);
  installRateLimits(
    fastify,
    app.get(RateLimitStore),
    app.get(ApiKeysService),
    config.rateLimitPerMinute,
  );
  installIdempotency(
    fastify,
    app.get(IdempotencyStore),
    app.get(RequestFingerprinter),
    app.get(ApiKeysService),
  );
  installMetrics(fastify, app.get(MetricsService), config.metricsToken);
  installRequestLogging(fastify, logger);
  // A callback hook: it runs on every answer, and a promise each would cost for nothing.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });
  setupSwagger(app);
  try {
    await app.init();
  } catch (error) {
    // A start refused at init (e.g. a missing encryption key) leaves no pool or server behind.
    await app.close().catch(() => undefined);
    throw error;
  }
  await fastify.ready();
  return app;
}

/** Swagger UI at /docs with one OpenAPI document per dialect (/docs/<dialect>.json). */
function setupSwagger(app: NestFastifyApplication): void {
  setupSwaggerUi(app, buildOpenApiDocuments(app, DIALECTS));
}
