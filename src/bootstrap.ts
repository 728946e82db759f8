import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { RuntimeConfig } from './config/runtime';
import { DIALECTS } from './dialects';
import { DialectRoutingFilter } from './http/dialect-routing.filter';
import { requestIdFor } from './http/request-id';

/** Builds the whole application (used by main.ts and by the tests): Fastify, filters, Swagger. */
export async function createApp(
  config: RuntimeConfig,
  options: { logs?: boolean } = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimit,
    genReqId: (req: IncomingMessage) => requestIdFor(req),
    requestIdHeader: false,
    // The default `{"statusCode":...}` errors of Fastify are replaced by each dialect's shape.
    return503OnClosing: true,
    trustProxy: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  if (options.logs === false) app.useLogger(false);
  else app.useLogger(app.get(Logger));
  app.useGlobalFilters(new DialectRoutingFilter(DIALECTS));
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
