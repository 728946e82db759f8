import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What connector search needs to stay fast at 100,000 connectors, with nothing beyond core
 * PostgreSQL (no extension: the same SQL runs on PostgreSQL 15+ and on the embedded PGlite, in any
 * schema).
 *
 * - `connector_search_document(...)`: the full-text document of a connector (name weighted A;
 *   category, tags and processor name B; description C), with the `simple` configuration: lower
 *   case, no stemming, no stop words, any language.
 * - `connector_search_query(text)`: a client's words as a prefix query, every word required
 *   (`gith hub` -> `'gith':* & 'hub':*`). The words are split by the same parser as the document,
 *   and quoted, so no client text is ever read as query syntax.
 * - a GIN index on the document; a GIN index on `tags` (filters); `(organization_id, category)`
 *   (filters and the category aggregation).
 */
export class ConnectorSearch1795317659569 implements MigrationInterface {
  name = 'ConnectorSearch1795317659569';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE FUNCTION connector_search_document(
                name text, description text, category text, tags text[], processor jsonb
            ) RETURNS tsvector
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $fn$
                SELECT setweight(to_tsvector('simple'::regconfig, coalesce(name, '')), 'A')
                    || setweight(to_tsvector('simple'::regconfig,
                           coalesce(category, '') || ' ' ||
                           coalesce(array_to_string(tags, ' '), '') || ' ' ||
                           coalesce(processor ->> 'name', '')), 'B')
                    || setweight(to_tsvector('simple'::regconfig, coalesce(description, '')), 'C')
            $fn$
        `);
    await queryRunner.query(`
            CREATE FUNCTION connector_search_query(words text) RETURNS tsquery
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $fn$
                SELECT string_agg(
                           '''' || replace(replace(lexeme, '\\', '\\\\'), '''', '''''') || ''':*',
                           ' & ')::tsquery
                FROM unnest(to_tsvector('simple'::regconfig, coalesce(words, '')))
            $fn$
        `);
    await queryRunner.query(`
            CREATE INDEX "connectors_search_idx" ON "connectors"
            USING gin (connector_search_document("name", "description", "category", "tags", "processor"))
        `);
    await queryRunner.query(`
            CREATE INDEX "connectors_tags_idx" ON "connectors" USING gin ("tags")
        `);
    await queryRunner.query(`
            CREATE INDEX "connectors_org_category_idx" ON "connectors" ("organization_id", "category")
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "connectors_org_category_idx"`);
    await queryRunner.query(`DROP INDEX "connectors_tags_idx"`);
    await queryRunner.query(`DROP INDEX "connectors_search_idx"`);
    await queryRunner.query(`DROP FUNCTION connector_search_query(text)`);
    await queryRunner.query(
      `DROP FUNCTION connector_search_document(text, text, text, text[], jsonb)`,
    );
  }
}
