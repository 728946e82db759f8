import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OAuth tokens belong to the API key that obtained them, not to the connector: one grant per
 * (organization, connector, API key) replaces the per-connector `oauth_grant` column (which no
 * code path ever filled). `oauth_flows` holds the authorization requests in progress, keyed by the
 * SHA-256 of their `state`, with the PKCE verifier sealed; a callback consumes its row once.
 */
export class OAuthGrants1795410000000 implements MigrationInterface {
  name = 'OAuthGrants1795410000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "oauth_flows" (
                "id" text NOT NULL,
                "organization_id" text NOT NULL,
                "connector_id" text NOT NULL,
                "api_key_id" text NOT NULL,
                "after_token_redirect" text,
                "settings_digest" text NOT NULL,
                "code_verifier" text NOT NULL,
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "oauth_flows_pkey" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(
      `CREATE INDEX "oauth_flows_expires_idx" ON "oauth_flows" ("expires_at")`,
    );
    await queryRunner.query(`
            CREATE TABLE "oauth_grants" (
                "organization_id" text NOT NULL,
                "connector_id" text NOT NULL,
                "api_key_id" text NOT NULL,
                "status" text NOT NULL,
                "access_token" text,
                "refresh_token" text,
                "token_type" text,
                "scope" text,
                "expires_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "oauth_grants_pkey" PRIMARY KEY ("organization_id", "connector_id", "api_key_id"),
                CONSTRAINT "oauth_grants_status_check" CHECK ("status" IN ('valid', 'expired')),
                CONSTRAINT "oauth_grants_connector_fkey" FOREIGN KEY ("organization_id", "connector_id")
                    REFERENCES "connectors" ("organization_id", "id") ON DELETE CASCADE,
                CONSTRAINT "oauth_grants_api_key_fkey" FOREIGN KEY ("api_key_id")
                    REFERENCES "api_keys" ("id") ON DELETE CASCADE
            )
        `);
    await queryRunner.query(
      `CREATE INDEX "oauth_grants_api_key_idx" ON "oauth_grants" ("api_key_id")`,
    );
    await queryRunner.query(`ALTER TABLE "connectors" DROP COLUMN "oauth_grant"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "connectors" ADD "oauth_grant" jsonb`);
    await queryRunner.query(`DROP TABLE "oauth_grants"`);
    await queryRunner.query(`DROP TABLE "oauth_flows"`);
  }
}
