import { Module } from '@nestjs/common';
import type { DialectDefinition } from '../../http/dialect';
import { CohereExceptionFilter } from './cohere-exception.filter';
import { CohereOAuthCallbackController } from './cohere-oauth-callback.controller';
import { CohereConnectorsController } from './cohere.controller';

@Module({ controllers: [CohereConnectorsController, CohereOAuthCallbackController] })
export class CohereModule {}

export const cohereDialect: DialectDefinition = {
  name: 'cohere',
  title: 'Cohere v1 connectors',
  description:
    'The Cohere API v1 connectors routes, as the official cohere-ai SDKs call them. Mounted at /v1/connectors and /cohere/v1/connectors. Secrets are encrypted at rest and shown only masked.',
  module: CohereModule,
  filter: new CohereExceptionFilter(),
  // The root PUT /v1/connectors/:id belongs to the generic dialect.
  owns: (method, path) =>
    path.startsWith('/cohere/') || (path.startsWith('/v1/connectors') && method !== 'PUT'),
};
