import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency keys (src/idempotency): one row per (API key, key), claimed by the first request,
 * holding its response once it succeeded; `expires_at` serves the purge.
 */
export class IdempotencyKeys1795440000000 implements MigrationInterface {
  name = 'IdempotencyKeys1795440000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "idempotency_keys" (
                "api_key_id" text NOT NULL,
                "key" text NOT NULL,
                "fingerprint" text NOT NULL,
                "state" text NOT NULL CHECK ("state" IN ('in_flight', 'done')),
                "response_status" integer,
                "response_body" jsonb,
                "created_at" timestamptz NOT NULL DEFAULT now(),
                "locked_until" timestamptz NOT NULL,
                "expires_at" timestamptz NOT NULL,
                CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("api_key_id", "key")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "idempotency_keys_expires_idx" ON "idempotency_keys" ("expires_at")
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "idempotency_keys"`);
  }
}
