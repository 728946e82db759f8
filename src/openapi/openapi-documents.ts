import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { DialectDefinition } from '../http/dialect';

/** One dialect's OpenAPI document. */
export interface DialectDocument {
  dialect: DialectDefinition;
  document: OpenAPIObject;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** `authorizeWithGet` -> `authorize_with_get`. */
const snake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/**
 * A readable operation id: `<dialect>_<resource>_<method>`, e.g. `cohere_connectors_list`,
 * `coco_connector_create`. A route answered at a second mount (Nest's id ends in `[1]`) gets the
 * mount's kind: `_prefixed` under the dialect's own prefix (/cohere/v1/connectors), `_root` at the
 * root (the generic dialect's PUT /v1/connectors/{id}).
 */
export function operationId(dialect: string, path: string, nestId: string): string {
  const match = /^[^_]+_(.+?)(?:\[(\d+)\])?$/.exec(nestId);
  if (!match) throw new Error(`unexpected operation id ${nestId}`);
  const [, method = nestId, alias] = match;
  const segments = path.split('/').filter((s) => s !== '' && !s.startsWith('{'));
  const prefixed = segments[0] === dialect;
  const resource = segments.find((s, i) => !(i === 0 && prefixed) && !/^v\d+$/.test(s));
  // `connector-types` -> `connector_types`: ids are snake_case throughout.
  const base = [dialect, resource?.replace(/-/g, '_'), snake(method)].filter(Boolean).join('_');
  if (alias === undefined || alias === '0') return base;
  return `${base}_${prefixed ? 'prefixed' : 'root'}`;
}

/**
 * The OpenAPI document of every dialect, as /docs/<dialect>.json serves it and
 * `npm run openapi` commits it under openapi/. Both security schemes the gateway accepts are
 * declared (an API key as `Authorization: Bearer <key>` or as `X-API-TOKEN: <key>`); keys are
 * opaque, so no bearer format is claimed.
 */
export function buildOpenApiDocuments(
  app: INestApplication,
  dialects: DialectDefinition[],
): DialectDocument[] {
  return dialects.map((dialect) => {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle(dialect.title)
        .setDescription(dialect.description)
        .setVersion('1')
        .addBearerAuth(
          { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer <key>`' },
          'bearer',
        )
        .addApiKey(
          {
            type: 'apiKey',
            in: 'header',
            name: 'X-API-TOKEN',
            description: 'The same API key in the `X-API-TOKEN` header (as Coco clients send it)',
          },
          'X-API-TOKEN',
        )
        .build(),
      { include: [dialect.module] },
    );
    // DocumentBuilder adds `bearerFormat: JWT` to every bearer scheme; API keys are opaque.
    const bearer = document.components?.securitySchemes?.bearer;
    if (bearer && 'bearerFormat' in bearer) delete bearer.bearerFormat;
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of METHODS) {
        const operation = item[method];
        if (operation?.operationId) {
          operation.operationId = operationId(dialect.name, path, operation.operationId);
        }
      }
    }
    return { dialect, document };
  });
}

/** Swagger UI at /docs with one definition per dialect, each served at /docs/<dialect>.json. */
export function setupSwaggerUi(app: INestApplication, documents: DialectDocument[]): void {
  const urls = documents.map(({ dialect }) => ({
    name: dialect.title,
    url: `/docs/${dialect.name}.json`,
  }));
  for (const { dialect, document } of documents) {
    SwaggerModule.setup(`docs/${dialect.name}`, app, document, {
      ui: false,
      raw: ['json'],
      jsonDocumentUrl: `docs/${dialect.name}.json`,
    });
  }
  const first = documents[0];
  if (!first) return;
  SwaggerModule.setup('docs', app, first.document, {
    explorer: true,
    raw: false,
    swaggerOptions: {
      urls,
      'urls.primaryName': urls[0]?.name,
      // The key typed into "Authorize" survives a reload and a switch of definition.
      persistAuthorization: true,
    },
    customSiteTitle: 'Connector gateway API',
  });
}
