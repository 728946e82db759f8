import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the search patterns that still read a whole organization (ConnectorSearch added full
 * text, tags and category; InitialSchema the default newest-first order). Each matches the exact
 * expression the search SQL writes (`src/connectors/persistence/typeorm-connector.repository.ts`),
 * and test/search-indexes.e2e-spec.ts proves the planner uses it:
 *
 * - `sort=name`: `(organization_id, name)`, read in order; ties are sorted per name;
 * - `sort=updated`: `(organization_id, updated_at)`;
 * - `processor.name` filters and ascending sorts: `(organization_id, (processor ->> 'name'))`
 *   (descending sorts put missing values last, an order this index cannot give);
 * - `builtin:true`: the ten built-ins of an organization among its thousands, a partial index
 *   `(organization_id) WHERE builtin` (the SQL names `c.builtin` bare so the planner matches it).
 */
export class ConnectorSearchIndexes1795321092436 implements MigrationInterface {
  name = 'ConnectorSearchIndexes1795321092436';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE INDEX "connectors_org_name_idx" ON "connectors" ("organization_id", "name")
        `);
    await queryRunner.query(`
            CREATE INDEX "connectors_org_updated_idx" ON "connectors" ("organization_id", "updated_at")
        `);
    await queryRunner.query(`
            CREATE INDEX "connectors_org_processor_name_idx" ON "connectors"
            ("organization_id", ("processor" ->> 'name'))
        `);
    await queryRunner.query(`
            CREATE INDEX "connectors_org_builtin_idx" ON "connectors" ("organization_id") WHERE "builtin"
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "connectors_org_builtin_idx"`);
    await queryRunner.query(`DROP INDEX "connectors_org_processor_name_idx"`);
    await queryRunner.query(`DROP INDEX "connectors_org_updated_idx"`);
    await queryRunner.query(`DROP INDEX "connectors_org_name_idx"`);
  }
}
