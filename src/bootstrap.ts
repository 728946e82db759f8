import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { RuntimeConfig } from './config/runtime';
import { DIALECTS } from './dialects';
import { clientErrorHandler, DialectRoutingFilter } from './http/dialect-routing.filter';
import { registerJsonBodyParser } from './http/json-body';
import { requestIdFor } from './http/request-id';
import { GracefulShutdown, hostFor, registerShutdown } from './http/shutdown';

/** Builds the whole application (used by main.ts and by the tests): Fastify, filters, Swagger. */
export async function createApp(
  config: RuntimeConfig,
  options: { logs?: boolean; logStream?: NodeJS.WritableStream } = {},
): Promise<NestFastifyApplication> {
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
    AppModule.forRoot(config, options.logStream),
    adapter,
    {
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
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (request, reply) => {
      reply.header('x-request-id', request.id);
    });
  setupSwagger(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** Swagger UI at /docs with one OpenAPI document per dialect (/docs/<dialect>.json). */
function setupSwagger(app: NestFastifyApplication): void {
  const urls: Array<{ name: string; url: string }> = [];
  for (const dialect of DIALECTS) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle(dialect.title)
        .setDescription(dialect.description)
        .setVersion('1')
        .addBearerAuth()
        .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-TOKEN' }, 'X-API-TOKEN')
        .build(),
      { include: [dialect.module] },
    );
    SwaggerModule.setup(`docs/${dialect.name}`, app, document, {
      ui: false,
      raw: ['json'],
      jsonDocumentUrl: `docs/${dialect.name}.json`,
    });
    urls.push({ name: dialect.title, url: `/docs/${dialect.name}.json` });
  }
  const first = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('Connector gateway').build(),
    {
      include: DIALECTS.slice(0, 1).map((d) => d.module),
    },
  );
  SwaggerModule.setup('docs', app, first, {
    explorer: true,
    raw: false,
    swaggerOptions: { urls, 'urls.primaryName': urls[0]?.name },
    customSiteTitle: 'Connector gateway API',
  });
}
