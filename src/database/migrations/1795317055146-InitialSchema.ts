import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1795317055146 implements MigrationInterface {
  name = 'InitialSchema1795317055146';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "organizations" (
                "id" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_6b031fcd0863e3f6b44230163f9" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE TABLE "api_keys" (
                "id" text NOT NULL,
                "organization_id" text NOT NULL,
                "label" text NOT NULL,
                "key_hash" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "revoked_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "api_keys_org_idx" ON "api_keys" ("organization_id")
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "api_keys_hash_key" ON "api_keys" ("key_hash")
        `);
    await queryRunner.query(`
            CREATE TABLE "connectors" (
                "organization_id" text NOT NULL,
                "id" text NOT NULL,
                "seq" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "name" text NOT NULL,
                "description" text,
                "url" text,
                "active" boolean NOT NULL DEFAULT true,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "created_by" text,
                "updated_by" text,
                "config" jsonb,
                "builtin" boolean NOT NULL DEFAULT false,
                "excludes" text array,
                "continue_on_failure" boolean NOT NULL DEFAULT false,
                "oauth" jsonb,
                "service_auth_type" text,
                "service_auth_token" text,
                "oauth_grant" jsonb,
                "category" text,
                "icon" text,
                "tags" text array,
                "path_hierarchy" boolean NOT NULL DEFAULT false,
                "assets" jsonb,
                "oauth_connect_implemented" boolean NOT NULL DEFAULT false,
                "processor" jsonb,
                "type" text,
                "provider" text,
                CONSTRAINT "PK_748c22a4adee6dc826b6c316ee0" PRIMARY KEY ("organization_id", "id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "connectors_org_created_idx" ON "connectors" ("organization_id", "created_at", "seq")
        `);
    // Added by hand: the entities declare no relations, the schema still guards ownership.
    await queryRunner.query(`
            ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_organization_fk"
            FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE
        `);
    await queryRunner.query(`
            ALTER TABLE "connectors" ADD CONSTRAINT "connectors_organization_fk"
            FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "connectors" DROP CONSTRAINT "connectors_organization_fk"`,
    );
    await queryRunner.query(`ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_organization_fk"`);
    await queryRunner.query(`
            DROP INDEX "connectors_org_created_idx"
        `);
    await queryRunner.query(`
            DROP TABLE "connectors"
        `);
    await queryRunner.query(`
            DROP INDEX "api_keys_hash_key"
        `);
    await queryRunner.query(`
            DROP INDEX "api_keys_org_idx"
        `);
    await queryRunner.query(`
            DROP TABLE "api_keys"
        `);
    await queryRunner.query(`
            DROP TABLE "organizations"
        `);
  }
}
