import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One row per change of a connector (src/audit). Never a secret in clear: secret fields appear in
 * `changes` only as fingerprints. Indexed for a connector's history and the organization's export.
 */
@Entity({ name: 'audit_events' })
@Index('audit_events_org_connector_time_idx', ['organizationId', 'connectorId', 'occurredAt', 'id'])
@Index('audit_events_org_time_idx', ['organizationId', 'occurredAt', 'id'])
@Index('audit_events_time_idx', ['occurredAt'])
export class AuditEventEntity {
  @PrimaryColumn({
    type: 'bigint',
    generated: 'identity',
    generatedIdentity: 'ALWAYS',
    insert: false,
    update: false,
  })
  id!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'organization_id', type: 'text' })
  organizationId!: string;

  @Column({ name: 'api_key_id', type: 'text', nullable: true })
  apiKeyId!: string | null;

  @Column({ type: 'text', nullable: true })
  dialect!: string | null;

  @Column({ type: 'text', nullable: true })
  method!: string | null;

  @Column({ type: 'text', nullable: true })
  route!: string | null;

  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId!: string | null;

  @Column({ type: 'text' })
  action!: string;

  @Column({ name: 'connector_id', type: 'text' })
  connectorId!: string;

  @Column({ type: 'integer', nullable: true })
  version!: number | null;

  @Column({ type: 'jsonb' })
  changes!: object[];
}
