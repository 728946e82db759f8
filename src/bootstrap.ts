import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Logger, PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { RuntimeConfig } from './config/runtime';
import { DIALECTS } from './dialects';
import { clientErrorHandler, DialectRoutingFilter } from './http/dialect-routing.filter';
import { registerJsonBodyParser } from './http/json-body';
import { loggerParams } from './http/logging';
import { requestIdFor } from './http/request-id';
import { buildOpenApiDocuments, setupSwaggerUi } from './openapi/openapi-documents';
import { installRouteLabels } from './http/route-labels';
import { createLogger, type Logger as PinoInstance } from './logging/logger';
import { installMetrics } from './metrics/metrics.http';
import { MetricsService } from './metrics/metrics.service';
import { GracefulShutdown, hostFor, registerShutdown } from './http/shutdown';

/**
 * Builds the whole application (used by main.ts and by the tests): Fastify, filters, Swagger,
 * metrics. `logger` is the process's pino logger (main.ts); tests may give a stream instead.
 */
export async function createApp(
  config: RuntimeConfig,
  options: { logs?: boolean; logStream?: NodeJS.WritableStream; logger?: PinoInstance } = {},
): Promise<NestFastifyApplication> {
  const logging = loggerParams(
    options.logger ??
      createLogger({ level: config.logLevel, format: config.logFormat, stream: options.logStream }),
  );
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
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, logging),
    adapter,
    {
      // Nest's logs while the application is made (and, should that fail, the reason) go to the
      // same pino logger as everything else, never to Nest's coloured console.
      logger: options.logs === false ? false : new Logger(new PinoLogger(logging), logging),
      bufferLogs: true,
      // Fastify's own JSON parser only: a form or other body is a 415, not a connector.
      bodyParser: false,
      abortOnError: false,
    },
  );
  if (options.logs === false) app.useLogger(false);
  else app.useLogger(app.get(Logger));
  app.useGlobalFilters(routing);
  registerJsonBodyParser(app.getHttpAdapter().getInstance(), config.bodyLimit);
  const shutdown = new GracefulShutdown((exception, host) => routing.catch(exception, host));
  shutdown.install(app.getHttpAdapter().getInstance());
  registerShutdown(app, shutdown);
  installRouteLabels(app.getHttpAdapter().getInstance(), DIALECTS);
  installMetrics(app.getHttpAdapter().getInstance(), app.get(MetricsService), config.metricsToken);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (request, reply) => {
      reply.header('x-request-id', request.id);
    });
  setupSwagger(app);
  try {
    await app.init();
  } catch (error) {
    // A start refused at init (e.g. a missing encryption key) leaves no pool or server behind.
    await app.close().catch(() => undefined);
    throw error;
  }
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** Swagger UI at /docs with one OpenAPI document per dialect (/docs/<dialect>.json). */
function setupSwagger(app: NestFastifyApplication): void {
  setupSwaggerUi(app, buildOpenApiDocuments(app, DIALECTS));
}
