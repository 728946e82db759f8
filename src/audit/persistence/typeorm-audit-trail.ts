import type { DataSource, EntityManager } from 'typeorm';
import type { AuditAction, AuditChange, AuditCursor, AuditEntry, AuditRecord } from '../audit';
import { AuditTrail } from '../audit';
import { isValidConnectorId } from '../../connectors/domain/connector.rules';
import { AuditEventEntity } from './audit.entity';

/**
 * The INSERT of one audit entry, for writers that run their own SQL in their own transaction
 * (e.g. the store-wide re-seal): run it with their query function, inside that transaction.
 */
export function auditEntryStatement(entry: AuditEntry): { text: string; values: unknown[] } {
  return {
    text: `INSERT INTO audit_events (occurred_at, organization_id, api_key_id, dialect, method, route,
             request_id, action, connector_id, version, changes)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb)`,
    values: [
      entry.occurredAt,
      entry.organizationId,
      entry.apiKeyId,
      entry.dialect,
      entry.method,
      entry.route,
      entry.requestId,
      entry.action,
      entry.connectorId,
      entry.version,
      JSON.stringify(entry.changes),
    ],
  };
}

/**
 * Writes one audit entry through `manager`: call it inside the transaction of the change it
 * records, so that the entry exists exactly when the change does.
 */
export async function writeAuditEntry(manager: EntityManager, entry: AuditEntry): Promise<void> {
  const { text, values } = auditEntryStatement(entry);
  await manager.query(text, values);
}

function toRecord(row: AuditEventEntity): AuditRecord {
  return {
    id: String(row.id),
    occurredAt: row.occurredAt,
    organizationId: row.organizationId,
    apiKeyId: row.apiKeyId,
    dialect: row.dialect,
    method: row.method,
    route: row.route,
    requestId: row.requestId,
    action: row.action as AuditAction,
    connectorId: row.connectorId,
    version: row.version,
    changes: row.changes as AuditChange[],
  };
}

export class TypeOrmAuditTrail extends AuditTrail {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  private get rows() {
    return this.dataSource.getRepository(AuditEventEntity);
  }

  async history(
    organizationId: string,
    connectorId: string,
    page: { limit: number; offset: number },
  ): Promise<{ items: AuditRecord[]; total: number }> {
    // Entries name connectors by id, and no id has another form: such an id is not looked up,
    // which also keeps characters PostgreSQL refuses (NUL) away from it.
    if (!isValidConnectorId(connectorId)) return { items: [], total: 0 };
    const [rows, total] = await this.rows.findAndCount({
      where: { organizationId, connectorId },
      order: { occurredAt: 'DESC', id: 'DESC' },
      skip: page.offset,
      take: page.limit,
    });
    return { items: rows.map(toRecord), total };
  }

  async export(
    organizationId: string,
    from: { since: Date } | { after: AuditCursor },
    limit: number,
    connectorId?: string,
  ): Promise<AuditRecord[]> {
    const query = this.rows
      .createQueryBuilder('a')
      .where('a.organization_id = :organizationId', { organizationId });
    if (connectorId !== undefined) {
      if (!isValidConnectorId(connectorId)) return [];
      query.andWhere('a.connector_id = :connectorId', { connectorId });
    }
    if ('since' in from) query.andWhere('a.occurred_at >= :since', { since: from.since });
    else {
      query.andWhere('(a.occurred_at, a.id) > (:at, :id)', {
        at: from.after.occurredAt,
        id: from.after.id,
      });
    }
    const rows = await query
      .orderBy('a.occurred_at', 'ASC')
      .addOrderBy('a.id', 'ASC')
      .limit(limit)
      .getMany();
    return rows.map(toRecord);
  }

  async purgeBefore(before: Date, batchSize = 1000): Promise<number> {
    let purged = 0;
    for (;;) {
      // Batched, so a long-neglected table never holds one huge lock.
      const result: [unknown[], number] = await this.dataSource.query(
        `DELETE FROM audit_events WHERE id IN (
           SELECT id FROM audit_events WHERE occurred_at < $1 LIMIT $2)`,
        [before, batchSize],
      );
      const n = result[1];
      purged += n;
      if (n < batchSize) return purged;
    }
  }
}
