import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The exact number of connectors an organization's lists show (Cohere `total_count`, generic
 * `hasMore`), read in constant time whatever the organization's size.
 *
 * A connector is *listed* when the organization made it, or when it is a built-in that an API key
 * has changed (`updated_by` set: the built-ins are inserted with none, every update through any
 * dialect records its key). `connector_counts` holds that number per organization, split over 16
 * shards chosen by the writing backend (`pg_backend_pid() % 16`), so that concurrent inserts into
 * one organization do not queue on one counter row; the total is the sum of at most 16 rows read by
 * primary key.
 *
 * Triggers keep it in the same transaction as the write, whoever writes (the gateway, the CLI, a
 * bulk `INSERT ... SELECT`): statement-level on INSERT and DELETE (one counter update per statement
 * and organization, through the transition tables), row-level on UPDATE only when a row's
 * visibility changes (the `WHEN` clause is evaluated without calling the function, so an ordinary
 * update costs nothing here). The table is locked while the counts are first filled in, so no
 * write slips between the count and the triggers.
 */
export class ConnectorCounts1795420000000 implements MigrationInterface {
  name = 'ConnectorCounts1795420000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`LOCK TABLE "connectors" IN SHARE ROW EXCLUSIVE MODE`);
    await queryRunner.query(`
            CREATE TABLE "connector_counts" (
                "organization_id" text NOT NULL,
                "shard" smallint NOT NULL,
                "listed" bigint NOT NULL,
                CONSTRAINT "PK_connector_counts" PRIMARY KEY ("organization_id", "shard")
            )
        `);
    await queryRunner.query(`
            CREATE FUNCTION connector_counts_add(organization_ids text[], deltas bigint[])
            RETURNS void LANGUAGE sql
            SET search_path FROM CURRENT
            AS $fn$
                INSERT INTO connector_counts (organization_id, shard, listed)
                SELECT d.organization_id, pg_backend_pid() % 16, d.delta
                FROM unnest(organization_ids, deltas) AS d(organization_id, delta)
                WHERE d.delta <> 0
                ORDER BY d.organization_id
                ON CONFLICT (organization_id, shard)
                DO UPDATE SET listed = connector_counts.listed + EXCLUDED.listed
            $fn$
        `);
    await queryRunner.query(`
            CREATE FUNCTION connector_counts_on_insert() RETURNS trigger LANGUAGE plpgsql
            SET search_path FROM CURRENT
            AS $fn$
            BEGIN
                PERFORM connector_counts_add(array_agg(organization_id), array_agg(n))
                FROM (SELECT organization_id, count(*) AS n FROM inserted
                      WHERE NOT builtin OR updated_by IS NOT NULL
                      GROUP BY organization_id) AS g;
                RETURN NULL;
            END
            $fn$
        `);
    await queryRunner.query(`
            CREATE FUNCTION connector_counts_on_delete() RETURNS trigger LANGUAGE plpgsql
            SET search_path FROM CURRENT
            AS $fn$
            BEGIN
                PERFORM connector_counts_add(array_agg(organization_id), array_agg(-n))
                FROM (SELECT organization_id, count(*) AS n FROM deleted
                      WHERE NOT builtin OR updated_by IS NOT NULL
                      GROUP BY organization_id) AS g;
                RETURN NULL;
            END
            $fn$
        `);
    await queryRunner.query(`
            CREATE FUNCTION connector_counts_on_update() RETURNS trigger LANGUAGE plpgsql
            SET search_path FROM CURRENT
            AS $fn$
            BEGIN
                IF NOT OLD.builtin OR OLD.updated_by IS NOT NULL THEN
                    PERFORM connector_counts_add(ARRAY[OLD.organization_id], ARRAY[-1::bigint]);
                END IF;
                IF NOT NEW.builtin OR NEW.updated_by IS NOT NULL THEN
                    PERFORM connector_counts_add(ARRAY[NEW.organization_id], ARRAY[1::bigint]);
                END IF;
                RETURN NULL;
            END
            $fn$
        `);
    await queryRunner.query(`
            CREATE TRIGGER "connector_counts_insert" AFTER INSERT ON "connectors"
            REFERENCING NEW TABLE AS inserted
            FOR EACH STATEMENT EXECUTE FUNCTION connector_counts_on_insert()
        `);
    await queryRunner.query(`
            CREATE TRIGGER "connector_counts_delete" AFTER DELETE ON "connectors"
            REFERENCING OLD TABLE AS deleted
            FOR EACH STATEMENT EXECUTE FUNCTION connector_counts_on_delete()
        `);
    await queryRunner.query(`
            CREATE TRIGGER "connector_counts_update" AFTER UPDATE ON "connectors"
            FOR EACH ROW
            WHEN (OLD.organization_id IS DISTINCT FROM NEW.organization_id
                  OR (NOT OLD.builtin OR OLD.updated_by IS NOT NULL)
                     IS DISTINCT FROM (NOT NEW.builtin OR NEW.updated_by IS NOT NULL))
            EXECUTE FUNCTION connector_counts_on_update()
        `);
    await queryRunner.query(`
            INSERT INTO "connector_counts" ("organization_id", "shard", "listed")
            SELECT "organization_id", 0, count(*) FROM "connectors"
            WHERE NOT "builtin" OR "updated_by" IS NOT NULL
            GROUP BY "organization_id"
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "connector_counts_update" ON "connectors"`);
    await queryRunner.query(`DROP TRIGGER "connector_counts_delete" ON "connectors"`);
    await queryRunner.query(`DROP TRIGGER "connector_counts_insert" ON "connectors"`);
    await queryRunner.query(`DROP FUNCTION connector_counts_on_update()`);
    await queryRunner.query(`DROP FUNCTION connector_counts_on_delete()`);
    await queryRunner.query(`DROP FUNCTION connector_counts_on_insert()`);
    await queryRunner.query(`DROP FUNCTION connector_counts_add(text[], bigint[])`);
    await queryRunner.query(`DROP TABLE "connector_counts"`);
  }
}
