import { Module } from '@nestjs/common';
import type { DialectDefinition } from '../../http/dialect';
import { GenericExceptionFilter } from './generic-exception.filter';
import { GenericAuditController } from './generic-audit.controller';
import { GenericConnectorsController } from './generic.controller';
import { GenericConnectorTypesController } from './generic-types.controller';

@Module({
  controllers: [
    GenericConnectorsController,
    GenericConnectorTypesController,
    GenericAuditController,
  ],
})
export class GenericModule {}

/**
 * Complete under /generic/v1/connectors; at the root only PUT /v1/connectors/:id (the other root
 * /v1/connectors routes are Cohere's, and `cohereDialect.owns` leaves PUT to this one).
 */
export function ownsGenericPath(method: string, path: string): boolean {
  return (
    path === '/generic' ||
    path.startsWith('/generic/') ||
    (method.toUpperCase() === 'PUT' && path.startsWith('/v1/connectors'))
  );
}

export const genericDialect: DialectDefinition = {
  name: 'generic',
  title: 'Generic connectors (envelope)',
  description:
    'The generic envelope dialect, as B3OS presents connectors: success `{code, data, message, requestId}`, error `{code, details, message, requestId}`. Mounted complete at /generic/v1/connectors; at the root only PUT /v1/connectors/{id} (the other root routes are Cohere v1). `data` is stored with its secrets encrypted and only ever shown masked, as `maskedData`.',
  module: GenericModule,
  filter: new GenericExceptionFilter(),
  owns: ownsGenericPath,
};
