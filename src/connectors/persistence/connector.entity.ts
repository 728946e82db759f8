import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One row per connector. Secret values never reach this row in clear: `oauth.clientSecret`,
 * `service_auth_token` and every secret leaf of `config` hold sealed strings (OAuth tokens live per API
 * key in `oauth_grants`, see src/oauth).
 */
@Entity({ name: 'connectors' })
@Index('connectors_org_created_idx', ['organizationId', 'createdAt', 'seq'])
export class ConnectorEntity {
  @PrimaryColumn({ name: 'organization_id', type: 'text' })
  organizationId!: string;

  @PrimaryColumn({ type: 'text' })
  id!: string;

  /** Insertion order: breaks ties between connectors created in the same instant. */
  @Column({
    type: 'bigint',
    generated: 'identity',
    generatedIdentity: 'ALWAYS',
    insert: false,
    update: false,
  })
  seq!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'text', nullable: true })
  url!: string | null;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'created_by', type: 'text', nullable: true })
  createdBy!: string | null;

  @Column({ name: 'updated_by', type: 'text', nullable: true })
  updatedBy!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  config!: object | null;

  @Column({ type: 'boolean', default: false })
  builtin!: boolean;

  /** 1 at creation, one more with every write (ETags, If-Match, Coco `_version`). */
  @Column({ type: 'integer', default: 1 })
  version!: number;

  @Column({ type: 'text', array: true, nullable: true })
  excludes!: string[] | null;

  @Column({ name: 'continue_on_failure', type: 'boolean', default: false })
  continueOnFailure!: boolean;

  /** `{clientId, clientSecret (sealed), authorizeUrl, tokenUrl, scope}` */
  @Column({ type: 'jsonb', nullable: true })
  oauth!: object | null;

  @Column({ name: 'service_auth_type', type: 'text', nullable: true })
  serviceAuthType!: string | null;

  @Column({ name: 'service_auth_token', type: 'text', nullable: true })
  serviceAuthToken!: string | null;

  @Column({ type: 'text', nullable: true })
  category!: string | null;

  @Column({ type: 'text', nullable: true })
  icon!: string | null;

  @Column({ type: 'text', array: true, nullable: true })
  tags!: string[] | null;

  @Column({ name: 'path_hierarchy', type: 'boolean', default: false })
  pathHierarchy!: boolean;

  @Column({ type: 'jsonb', nullable: true })
  assets!: object | null;

  @Column({ name: 'oauth_connect_implemented', type: 'boolean', default: false })
  oauthConnectImplemented!: boolean;

  /** `{enabled?, name?}` */
  @Column({ type: 'jsonb', nullable: true })
  processor!: object | null;

  @Column({ type: 'text', nullable: true })
  type!: string | null;

  @Column({ type: 'text', nullable: true })
  provider!: string | null;
}
