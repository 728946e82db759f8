import type { DataSourceOptions } from 'typeorm';
import { ApiKeyEntity, OrganizationEntity } from '../auth/auth.entities';
import { AuditEventEntity } from '../audit/persistence/audit.entity';
import { ConnectorEntity } from '../connectors/persistence/connector.entity';
import { MIGRATIONS } from './migrations';

export const ENTITIES = [OrganizationEntity, ApiKeyEntity, ConnectorEntity, AuditEventEntity];

/** The pool and the limits put on every session of the gateway. */
export interface DatabaseLimits {
  poolSize: number;
  /** PostgreSQL's statement_timeout, set when each connection opens (0: none). */
  statementTimeoutMs: number;
  /** PostgreSQL's lock_timeout, set when each connection opens (0: none). */
  lockTimeoutMs: number;
  /** The longest wait for a pool connection, or for a new connection to open. */
  acquireTimeoutMs: number;
}

/**
 * One definition of the database for the app, the migration CLI and the tests. With `limits`, a
 * statement that runs too long or waits too long on a row lock is cancelled by PostgreSQL itself
 * (57014, 55P03), and a request that finds no connection in time fails fast: each becomes a 503
 * (src/http/unavailable.ts), and the connection goes back to the pool for other tenants.
 */
export function typeOrmOptions(
  url: string,
  schema?: string,
  limits?: DatabaseLimits,
): DataSourceOptions {
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
      max: limits?.poolSize ?? 10,
      idleTimeoutMillis: 30_000,
      ...(schema ? { options: `-c search_path=${schema},public` } : {}),
      // node-postgres sends these as startup parameters of every connection it opens.
      ...(limits
        ? {
            connectionTimeoutMillis: limits.acquireTimeoutMs,
            ...(limits.statementTimeoutMs ? { statement_timeout: limits.statementTimeoutMs } : {}),
            ...(limits.lockTimeoutMs ? { lock_timeout: limits.lockTimeoutMs } : {}),
          }
        : {}),
    },
  };
}
