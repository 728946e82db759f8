import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import type { ArgumentsHost } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Logger, PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { RuntimeConfig } from './config/runtime';
import { DIALECTS } from './dialects';
import { DialectRoutingFilter } from './http/dialect-routing.filter';
import { registerJsonBodyParser } from './http/json-body';
import { loggerParams } from './http/logging';
import { requestIdFor } from './http/request-id';
import { buildOpenApiDocuments, setupSwaggerUi } from './openapi/openapi-documents';
import { installRouteLabels } from './http/route-labels';
import { createLogger, type Logger as PinoInstance } from './logging/logger';
import { installMetrics } from './metrics/metrics.http';
import { MetricsService } from './metrics/metrics.service';

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
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) =>
      routing.catch(error, hostFor(request, reply)),
    bodyLimit: config.bodyLimit,
    genReqId: (req: IncomingMessage) => requestIdFor(req),
    requestIdHeader: false,
    // The default `{"statusCode":...}` errors of Fastify are replaced by each dialect's shape.
    return503OnClosing: true,
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

/** The request and reply of a Fastify callback, as the ArgumentsHost an exception filter takes. */
function hostFor(request: FastifyRequest, reply: FastifyReply): ArgumentsHost {
  const args = [request, reply];
  return {
    getArgs: <T extends unknown[]>() => args as T,
    getArgByIndex: <T>(index: number) => args[index] as T,
    getType: <T extends string>() => 'http' as T,
    switchToHttp: () => ({
      getRequest: <T>() => request as T,
      getResponse: <T>() => reply as T,
      getNext: <T>() => undefined as T,
    }),
    switchToRpc: () => {
      throw new Error('not an RPC context');
    },
    switchToWs: () => {
      throw new Error('not a WebSocket context');
    },
  };
}

/** Swagger UI at /docs with one OpenAPI document per dialect (/docs/<dialect>.json). */
function setupSwagger(app: NestFastifyApplication): void {
  setupSwaggerUi(app, buildOpenApiDocuments(app, DIALECTS));
}
