import { ConnectorRepository } from '../src/connectors/domain/connector.repository';
import type { ConnectorSearch } from '../src/connectors/domain/connector.search';
import {
  CONNECTOR_SQL,
  type SqlStatement,
  TypeOrmConnectorRepository,
} from '../src/connectors/persistence/typeorm-connector.repository';
import { startTestApp, type TestApp } from './app';

/**
 * Every search pattern is served by its index: the statements the repository would run (taken from
 * the repository itself, not copied here) are EXPLAINed on a few hundred connectors with
 * sequential scans priced out, and the plan must name the intended index. A dropped index, or SQL
 * rewritten so that the index no longer applies (a `coalesce` around `tags @> ...`, an expression
 * that differs from the indexed one), fails here.
 */

const CONNECTORS = 2000;
/** Other tenants' connectors in the same table. */
const NEIGHBOURS = 10_000;

/** The canonical spec of `GET /connector/_search` with nothing given, changed by `over`. */
const spec = (over: Partial<ConnectorSearch> = {}): ConnectorSearch => ({
  filters: [],
  sort: [{ field: 'createdAt', direction: 'desc' }],
  from: 0,
  size: 10,
  trackTotalHits: 10_000,
  aggregations: [],
  ...over,
});

describe('search indexes', () => {
  let t: TestApp;
  let repo: TypeOrmConnectorRepository;
  let organizationId: string;

  beforeAll(async () => {
    t = await startTestApp();
    const port = t.app.get(ConnectorRepository);
    if (!(port instanceof TypeOrmConnectorRepository))
      throw new Error('not the PostgreSQL adapter');
    repo = port;
    ({ organizationId } = await t.newOrganization('indexes'));
    // Every 50th connector has the rare word, the rare tag and a processor; a few categories.
    await t.sql(
      `INSERT INTO connectors (organization_id, id, name, description, category, tags, processor,
                               created_at, updated_at)
       SELECT $1, 'c' || i, 'Connector ' || i || CASE WHEN i % 50 = 0 THEN ' zephyrine' ELSE '' END,
              'Generated for the plans', 'category' || (i % 7),
              CASE WHEN i % 50 = 0 THEN ARRAY['rare', 'common'] ELSE ARRAY['common'] END,
              CASE WHEN i % 50 = 0 THEN jsonb_build_object('enabled', true, 'name', 'proc' || i) END,
              now() - i * interval '1 minute', now() - i * interval '1 second'
       FROM generate_series(1, ${CONNECTORS}) AS i`,
      [organizationId],
    );
    // The table is shared: other organizations' connectors, with other words, as in production.
    // On this organization's rows alone, PostgreSQL may rightly find a page of ten by reading the
    // newest first and filtering; it did so whenever this suite ran before the others.
    const { organizationId: neighbour } = await t.newOrganization('neighbour');
    await t.sql(
      `INSERT INTO connectors (organization_id, id, name, description, created_at, updated_at)
       SELECT $1, 'n' || i, 'Neighbour ' || md5(i::text), 'Another tenant', now(), now()
       FROM generate_series(1, ${NEIGHBOURS}) AS i`,
      [neighbour],
    );
    // Statistics, and the visibility map that lets an index answer without reading the rows.
    await t.sql('VACUUM ANALYZE connectors');
  });

  afterAll(() => t.close());

  /** The plan of one statement, with sequential scans priced out (session setting, reset after). */
  async function plan(statement: SqlStatement | null): Promise<string> {
    if (!statement) throw new Error('no statement');
    await t.sql('SET enable_seqscan = off');
    try {
      const rows = await t.sql<{ 'QUERY PLAN': string }>(
        `EXPLAIN ${statement.text}`,
        statement.values,
      );
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    } finally {
      // PGlite serves every connection from one session: the app must not inherit the setting.
      await t.sql('RESET enable_seqscan');
    }
  }

  const statements = (over: Partial<ConnectorSearch>) =>
    repo.searchStatements(organizationId, spec(over));

  it('the statements are what search runs: the same connectors come back', async () => {
    const result = await repo.search(organizationId, spec({ text: 'zephyrine', size: 100 }));
    expect(result.total).toEqual({ value: CONNECTORS / 50, exact: true });
    expect(result.hits.map((h) => h.connector.id).slice(0, 2)).toEqual(['c50', 'c100']);
  });

  it('full text: the GIN index on the search document', async () => {
    const s = statements({ text: 'zephyrine' });
    expect(await plan(s.count)).toContain('connectors_search_idx');
    expect(await plan(s.hits)).toContain('connectors_search_idx');
  });

  it('tags filters: the GIN index on tags', async () => {
    const eq = statements({ filters: [{ field: 'tags', op: 'eq', values: ['rare'] }] });
    expect(await plan(eq.count)).toContain('connectors_tags_idx');
    const any = statements({ filters: [{ field: 'tags', op: 'any', values: ['rare', 'x'] }] });
    expect(await plan(any.count)).toContain('connectors_tags_idx');
  });

  it('the category aggregation with a filter: (organization_id, category)', async () => {
    const s = statements({
      size: 0,
      filters: [{ field: 'category', op: 'any', values: ['category1', 'category2'] }],
      aggregations: [{ name: 'categories', field: 'category', size: 100 }],
    });
    expect(s.hits).toBeNull();
    expect(await plan(s.aggregations[0]?.statement ?? null)).toContain(
      'connectors_org_category_idx',
    );
  });

  it('no query, no filter: the total and the category buckets from the counters, never the connectors', async () => {
    const s = statements({
      size: 0,
      aggregations: [{ name: 'categories', field: 'category', size: 100 }],
    });
    const count = await plan(s.count);
    expect(count).toContain('PK_connector_counts');
    expect(count).not.toMatch(/connectors(?!_counts)/);
    const buckets = await plan(s.aggregations[0]?.statement ?? null);
    expect(buckets).toContain('PK_connector_category_counts');
    expect(buckets).not.toMatch(/on connectors /);
    // ... and they answer what counting the rows answers.
    const result = await repo.search(organizationId, {
      ...spec({ size: 0 }),
      aggregations: [{ name: 'categories', field: 'category', size: 3 }],
    });
    const rows = await t.sql<{ key: string; n: string }>(
      `SELECT category AS key, count(*) AS n FROM connectors WHERE organization_id = $1
         AND category <> '' GROUP BY category ORDER BY n DESC, key ASC`,
      [organizationId],
    );
    const all = rows.reduce((sum, r) => sum + Number(r.n), 0);
    expect(result.aggregations[0]).toEqual({
      name: 'categories',
      buckets: rows.slice(0, 3).map((r) => ({ key: r.key, count: Number(r.n) })),
      otherCount: all - rows.slice(0, 3).reduce((sum, r) => sum + Number(r.n), 0),
    });
    expect(result.total).toEqual({ value: CONNECTORS + 10, exact: true });
  });

  it('the default page, newest first: (organization_id, created_at, seq)', async () => {
    expect(await plan(statements({}).hits)).toContain('connectors_org_created_idx');
  });

  it('sorted by name, either way: (organization_id, name)', async () => {
    for (const direction of ['asc', 'desc'] as const) {
      const s = statements({ sort: [{ field: 'name', direction }] });
      expect(await plan(s.hits)).toContain('connectors_org_name_idx');
    }
  });

  it('sorted by updated: (organization_id, updated_at)', async () => {
    const s = statements({ sort: [{ field: 'updatedAt', direction: 'desc' }] });
    expect(await plan(s.hits)).toContain('connectors_org_updated_idx');
  });

  it('processor name, filtered and sorted ascending: (organization_id, processor name)', async () => {
    const filtered = statements({
      filters: [{ field: 'processor.name', op: 'eq', values: ['proc50'] }],
    });
    expect(await plan(filtered.count)).toContain('connectors_org_processor_name_idx');
    const sorted = statements({ sort: [{ field: 'processor.name', direction: 'asc' }] });
    expect(await plan(sorted.hits)).toContain('connectors_org_processor_name_idx');
  });

  it('builtin:true: the partial index on built-ins', async () => {
    // The count only: statistics are table-wide, and a test schema holds hundreds of small
    // organizations, mostly built-ins, so for the newest-first page the planner may rightly walk
    // the created index instead and stop after ten built-ins.
    const s = statements({ filters: [{ field: 'builtin', op: 'eq', values: [true] }] });
    expect(await plan(s.count)).toContain('connectors_org_builtin_idx');
  });

  describe('the hot paths of every dialect (CONNECTOR_SQL)', () => {
    it('get by id: the primary key', async () => {
      const p = await plan({ text: CONNECTOR_SQL.findById, values: [organizationId, 'c7'] });
      expect(p).toContain('PK_748c22a4adee6dc826b6c316ee0');
      expect(
        await plan({ text: CONNECTOR_SQL.lockById, values: [organizationId, 'c7'] }),
      ).toContain('PK_748c22a4adee6dc826b6c316ee0');
    });

    it('the Cohere and generic list page: (organization_id, created_at, seq), hidden built-ins filtered on the way', async () => {
      const values = [organizationId, 30, 0];
      expect(await plan({ text: CONNECTOR_SQL.listPage, values })).toContain(
        'connectors_org_created_idx',
      );
      expect(await plan({ text: CONNECTOR_SQL.list, values })).toContain(
        'connectors_org_created_idx',
      );
    });

    it('prepared (a generic plan, as PostgreSQL may choose after five runs): get, lock and list keep their index', async () => {
      // The repository names these statements (DATABASE_PREPARED_STATEMENTS): PostgreSQL may then
      // plan them once for any values. That plan must use the same index as the custom one.
      const generic = async (text: string, values: Array<string | number>) => {
        await t.sql(`PREPARE generic_probe AS ${text}`);
        // As plan() does: sequential scans priced out, so that the plan names the index it would use.
        await t.sql('SET plan_cache_mode = force_generic_plan');
        await t.sql('SET enable_seqscan = off');
        try {
          // EXECUTE takes values as literals, not as bind parameters.
          const literal = (v: string | number) =>
            typeof v === 'number' ? String(v) : `'${v.replace(/'/g, "''")}'`;
          const rows = await t.sql<{ 'QUERY PLAN': string }>(
            `EXPLAIN EXECUTE generic_probe(${values.map(literal).join(', ')})`,
          );
          return rows.map((r) => r['QUERY PLAN']).join('\n');
        } finally {
          await t.sql('RESET plan_cache_mode');
          await t.sql('RESET enable_seqscan');
          await t.sql('DEALLOCATE generic_probe');
        }
      };
      const byId = [organizationId, 'c7'];
      expect(await generic(CONNECTOR_SQL.findById, byId)).toContain(
        'PK_748c22a4adee6dc826b6c316ee0',
      );
      expect(await generic(CONNECTOR_SQL.lockById, byId)).toContain(
        'PK_748c22a4adee6dc826b6c316ee0',
      );
      const list = await generic(CONNECTOR_SQL.list, [organizationId, 30, 0]);
      expect(list).toContain('connectors_org_created_idx');
      expect(list).toContain('PK_connector_counts');
    });

    it('the exact total: the counter rows by primary key, never the connectors', async () => {
      const total = await plan({ text: CONNECTOR_SQL.listTotal, values: [organizationId] });
      expect(total).toContain('PK_connector_counts');
      expect(total).not.toMatch(/connectors(?!_counts)/);
      const list = await plan({ text: CONNECTOR_SQL.list, values: [organizationId, 30, 0] });
      expect(list).toContain('PK_connector_counts');
    });

    it('the counter is exact: inserts, deletes and a first change of a built-in move it', async () => {
      const total = async () =>
        Number(
          (await t.sql<{ n: string }>(CONNECTOR_SQL.listTotal, [organizationId]))[0]?.n ?? NaN,
        );
      // The bulk insert above, counted by its statement trigger; the untouched built-ins are not.
      expect(await total()).toBe(CONNECTORS);
      await t.sql(
        `UPDATE connectors SET updated_by = 'key_x' WHERE organization_id = $1 AND id = 'github'`,
        [organizationId],
      );
      expect(await total()).toBe(CONNECTORS + 1);
      // A second change of the same built-in, and any change of an ordinary row, do not.
      await t.sql(`UPDATE connectors SET updated_by = 'key_y' WHERE organization_id = $1`, [
        organizationId,
      ]);
      expect(await total()).toBe(CONNECTORS + 10);
      await t.sql(`DELETE FROM connectors WHERE organization_id = $1 AND id IN ('c1', 'c2')`, [
        organizationId,
      ]);
      expect(await total()).toBe(CONNECTORS + 8);
      const [row] = await t.sql<{ n: string }>(
        `SELECT count(*) AS n FROM connectors WHERE organization_id = $1
           AND (NOT builtin OR updated_by IS NOT NULL)`,
        [organizationId],
      );
      expect(Number(row?.n)).toBe(await total());
      // The all-connectors total and the per-category counts followed every change too.
      await t.sql(
        `UPDATE connectors SET category = 'moved' WHERE organization_id = $1 AND id = 'c3'`,
        [organizationId],
      );
      const counted = await t.sql<{ key: string; n: string }>(
        `SELECT category AS key, count(*)::text AS n FROM connectors WHERE organization_id = $1
           AND category <> '' GROUP BY category ORDER BY category`,
        [organizationId],
      );
      const kept = await t.sql<{ key: string; n: string }>(
        `SELECT category AS key, sum(n)::text AS n FROM connector_category_counts
         WHERE organization_id = $1 GROUP BY category HAVING sum(n) > 0 ORDER BY category`,
        [organizationId],
      );
      expect(kept).toEqual(counted);
      const [all] = await t.sql<{ n: string }>(
        'SELECT sum(total)::text AS n FROM connector_counts WHERE organization_id = $1',
        [organizationId],
      );
      expect(Number(all?.n)).toBe(CONNECTORS + 10 - 2);
    });
  });
});
