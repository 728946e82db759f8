import type { DataSourceOptions } from 'typeorm';
import { ApiKeyEntity, OrganizationEntity } from '../auth/auth.entities';
import { AuditEventEntity } from '../audit/persistence/audit.entity';
import { ConnectorEntity } from '../connectors/persistence/connector.entity';
import { MIGRATIONS } from './migrations';

export const ENTITIES = [OrganizationEntity, ApiKeyEntity, ConnectorEntity, AuditEventEntity];

/** One definition of the database for the app, the migration CLI and the tests. */
export function typeOrmOptions(url: string, schema?: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    // The schema is owned by the committed migrations, never by entity metadata.
    synchronize: false,
    migrationsRun: false,
    logging: false,
    ...(schema ? { schema } : {}),
    extra: {
      max: 10,
      idleTimeoutMillis: 30_000,
      ...(schema ? { options: `-c search_path=${schema},public` } : {}),
    },
  };
}
