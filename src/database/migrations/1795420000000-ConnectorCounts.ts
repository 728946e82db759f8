import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Counts that answer in constant time whatever an organization's size, kept exact:
 *
 * - `connector_counts.listed`: the connectors the organization's lists show (Cohere `total_count`,
 *   generic `hasMore`). A connector is *listed* when the organization made it, or when it is a
 *   built-in that an API key has changed (`updated_by` set: the built-ins are inserted with none,
 *   every update through any dialect records its key).
 * - `connector_counts.total`: all its connectors (Coco's `hits.total` of a search with no query
 *   and no filter).
 * - `connector_category_counts`: its connectors per non-empty category (Coco's category
 *   aggregation with no query and no filter).
 *
 * Each count is split over 16 shards chosen by the writing backend (`pg_backend_pid() % 16`), so
 * that concurrent writes into one organization do not queue on one counter row; a count is the sum
 * of at most 16 rows (per category) read by primary key.
 *
 * Triggers keep them in the same transaction as the write, whoever writes (the gateway, the CLI, a
 * bulk `INSERT ... SELECT`): statement-level on INSERT and DELETE (one counter update per statement,
 * organization and category, through the transition tables), row-level on UPDATE only when a row's
 * visibility, category or organization changes (the `WHEN` clause is evaluated without calling the
 * function, so an ordinary update costs nothing here). The table is locked while the counts are
 * first filled in, so no write slips between the count and the triggers.
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
                "total" bigint NOT NULL,
                CONSTRAINT "PK_connector_counts" PRIMARY KEY ("organization_id", "shard")
            )
        `);
    await queryRunner.query(`
            CREATE TABLE "connector_category_counts" (
                "organization_id" text NOT NULL,
                "category" text NOT NULL,
                "shard" smallint NOT NULL,
                "n" bigint NOT NULL,
                CONSTRAINT "PK_connector_category_counts"
                    PRIMARY KEY ("organization_id", "category", "shard")
            )
        `);
    for (const [event, table, sign] of [
      ['insert', 'inserted', ''],
      ['delete', 'deleted', '-'],
    ] as const) {
      await queryRunner.query(`
            CREATE FUNCTION connector_counts_on_${event}() RETURNS trigger LANGUAGE plpgsql
            SET search_path FROM CURRENT
            AS $fn$
            BEGIN
                INSERT INTO connector_counts AS c (organization_id, shard, listed, total)
                SELECT organization_id, pg_backend_pid() % 16,
                       ${sign}count(*) FILTER (WHERE NOT builtin OR updated_by IS NOT NULL),
                       ${sign}count(*)
                FROM ${table} GROUP BY organization_id ORDER BY organization_id
                ON CONFLICT (organization_id, shard)
                DO UPDATE SET listed = c.listed + EXCLUDED.listed, total = c.total + EXCLUDED.total;
                INSERT INTO connector_category_counts AS c (organization_id, category, shard, n)
                SELECT organization_id, category, pg_backend_pid() % 16, ${sign}count(*)
                FROM ${table} WHERE category <> ''
                GROUP BY organization_id, category ORDER BY organization_id, category
                ON CONFLICT (organization_id, category, shard) DO UPDATE SET n = c.n + EXCLUDED.n;
                RETURN NULL;
            END
            $fn$
        `);
    }
    await queryRunner.query(`
            CREATE FUNCTION connector_counts_on_update() RETURNS trigger LANGUAGE plpgsql
            SET search_path FROM CURRENT
            AS $fn$
            BEGIN
                -- Two statements: one upsert may not touch the same counter row twice.
                INSERT INTO connector_counts AS c (organization_id, shard, listed, total)
                VALUES (OLD.organization_id, pg_backend_pid() % 16,
                        -(NOT OLD.builtin OR OLD.updated_by IS NOT NULL)::int, -1)
                ON CONFLICT (organization_id, shard)
                DO UPDATE SET listed = c.listed + EXCLUDED.listed, total = c.total + EXCLUDED.total;
                INSERT INTO connector_counts AS c (organization_id, shard, listed, total)
                VALUES (NEW.organization_id, pg_backend_pid() % 16,
                        (NOT NEW.builtin OR NEW.updated_by IS NOT NULL)::int, 1)
                ON CONFLICT (organization_id, shard)
                DO UPDATE SET listed = c.listed + EXCLUDED.listed, total = c.total + EXCLUDED.total;
                IF OLD.category <> '' THEN
                    INSERT INTO connector_category_counts AS c (organization_id, category, shard, n)
                    VALUES (OLD.organization_id, OLD.category, pg_backend_pid() % 16, -1)
                    ON CONFLICT (organization_id, category, shard) DO UPDATE SET n = c.n - 1;
                END IF;
                IF NEW.category <> '' THEN
                    INSERT INTO connector_category_counts AS c (organization_id, category, shard, n)
                    VALUES (NEW.organization_id, NEW.category, pg_backend_pid() % 16, 1)
                    ON CONFLICT (organization_id, category, shard) DO UPDATE SET n = c.n + 1;
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
                  OR OLD.category IS DISTINCT FROM NEW.category
                  OR (NOT OLD.builtin OR OLD.updated_by IS NOT NULL)
                     IS DISTINCT FROM (NOT NEW.builtin OR NEW.updated_by IS NOT NULL))
            EXECUTE FUNCTION connector_counts_on_update()
        `);
    await queryRunner.query(`
            INSERT INTO "connector_counts" ("organization_id", "shard", "listed", "total")
            SELECT "organization_id", 0,
                   count(*) FILTER (WHERE NOT "builtin" OR "updated_by" IS NOT NULL), count(*)
            FROM "connectors" GROUP BY "organization_id"
        `);
    await queryRunner.query(`
            INSERT INTO "connector_category_counts" ("organization_id", "category", "shard", "n")
            SELECT "organization_id", "category", 0, count(*) FROM "connectors"
            WHERE "category" <> '' GROUP BY "organization_id", "category"
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "connector_counts_update" ON "connectors"`);
    await queryRunner.query(`DROP TRIGGER "connector_counts_delete" ON "connectors"`);
    await queryRunner.query(`DROP TRIGGER "connector_counts_insert" ON "connectors"`);
    await queryRunner.query(`DROP FUNCTION connector_counts_on_update()`);
    await queryRunner.query(`DROP FUNCTION connector_counts_on_delete()`);
    await queryRunner.query(`DROP FUNCTION connector_counts_on_insert()`);
    await queryRunner.query(`DROP TABLE "connector_category_counts"`);
    await queryRunner.query(`DROP TABLE "connector_counts"`);
  }
}
