import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Conditional writes and the audit trail (issue 11): a version per connector (1 for every
 * existing one), and `audit_events`, one row per change, indexed for a connector's history
 * (organization, connector, time), the organization's export (organization, time) and the purge.
 */
export class ConnectorVersionsAndAudit1795450000000 implements MigrationInterface {
  name = 'ConnectorVersionsAndAudit1795450000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "connectors" ADD "version" integer NOT NULL DEFAULT 1 CHECK ("version" > 0)`,
    );
    await queryRunner.query(`
            CREATE TABLE "audit_events" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "occurred_at" timestamptz NOT NULL,
                "organization_id" text NOT NULL,
                "api_key_id" text,
                "dialect" text,
                "method" text,
                "route" text,
                "request_id" text,
                "action" text NOT NULL,
                "connector_id" text NOT NULL,
                "version" integer,
                "changes" jsonb NOT NULL,
                CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "audit_events_org_connector_time_idx"
                ON "audit_events" ("organization_id", "connector_id", "occurred_at", "id")
        `);
    await queryRunner.query(`
            CREATE INDEX "audit_events_org_time_idx"
                ON "audit_events" ("organization_id", "occurred_at", "id")
        `);
    await queryRunner.query(`
            CREATE INDEX "audit_events_time_idx" ON "audit_events" ("occurred_at")
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "audit_events"`);
    await queryRunner.query(`ALTER TABLE "connectors" DROP COLUMN "version"`);
  }
}
