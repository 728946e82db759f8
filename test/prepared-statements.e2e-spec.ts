import { DataSource } from 'typeorm';
import type { AuditEntry } from '../src/audit/audit';
import type { Connector } from '../src/connectors/domain/connector';
import { TypeOrmConnectorRepository } from '../src/connectors/persistence/typeorm-connector.repository';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { startTestApp, type TestApp } from './app';

/**
 * DATABASE_PREPARED_STATEMENTS: the repository names its fixed statements, so each connection
 * parses and plans them once. Checked on a pool of one connection, whose session PostgreSQL's
 * `pg_prepared_statements` describes: named when on, nothing left behind when off, and the same
 * answers either way.
 */
const onServer = process.env.GW_TEST_EMBEDDED_ACTIVE ? describe.skip : describe;

onServer('prepared statements (DATABASE_PREPARED_STATEMENTS)', () => {
  const sources: DataSource[] = [];
  let t: TestApp;
  let organizationId: string;

  beforeAll(async () => {
    // The app migrates the schema; its organization is the one the repositories below write in.
    t = await startTestApp();
    ({ organizationId } = await t.newOrganization('prepared'));
  });

  afterAll(async () => {
    for (const source of sources) await source.destroy();
    await t?.close();
  });

  /** A repository on a pool of exactly one connection, and that connection's named statements. */
  async function onOneConnection(preparedStatements: boolean) {
    const source = new DataSource(
      typeOrmOptions(process.env.GW_TEST_DATABASE_URL!, process.env.GW_TEST_SCHEMA, {
        poolSize: 1,
        statementTimeoutMs: 5000,
        lockTimeoutMs: 2000,
        acquireTimeoutMs: 5000,
      }),
    );
    await source.initialize();
    sources.push(source);
    const repo = new TypeOrmConnectorRepository(source, { preparedStatements });
    const builtin = await repo.findById(organizationId, 'github');
    if (!builtin) throw new Error('the organization has no built-in github connector');
    template = builtin;
    const named = async () =>
      (
        await source.query<Array<{ name: string }>>(
          'SELECT name FROM pg_prepared_statements ORDER BY name',
        )
      ).filter((s) => s.name.startsWith('gw_'));
    return { repo, named };
  }

  /** A new connector of the organization, made from the built-in the organization was given. */
  let template: Connector;
  const connector = (id: string): Connector => ({
    ...template,
    id,
    name: 'Prepared',
    builtin: false,
    version: 1,
    createdBy: 'key_test',
    updatedBy: 'key_test',
  });
  const audit = (id: string, action: AuditEntry['action'], version: number | null): AuditEntry => ({
    occurredAt: new Date(),
    organizationId,
    apiKeyId: 'key_test',
    dialect: null,
    method: null,
    route: null,
    requestId: null,
    action,
    connectorId: id,
    version,
    changes: [],
  });

  /** Every hot path, twice (the second run uses what the first prepared). */
  async function exercise(repo: TypeOrmConnectorRepository, prefix: string) {
    for (const n of [1, 2]) {
      const id = `${prefix}-${n}`;
      await repo.insert(connector(id), audit(id, 'create', 1));
      await repo.insert(connector(`${id}-plain`));
      expect(await repo.findById(organizationId, id)).toMatchObject({ id, name: 'Prepared' });
      const page = await repo.list(organizationId, { limit: 500, offset: 0 });
      expect(page.items.map((c) => c.id)).toEqual(expect.arrayContaining([id, `${id}-plain`]));
      expect(page.total).toBe(page.items.length);
      const renamed = await repo.update(
        organizationId,
        id,
        (c) => ({ ...c, name: 'Renamed' }),
        (_, after) => audit(id, 'update', after.version),
      );
      expect(renamed).toMatchObject({ name: 'Renamed', version: 2 });
      expect(await repo.findById(organizationId, id)).toMatchObject({ name: 'Renamed' });
      expect(
        await repo.delete(organizationId, id, { audit: () => audit(id, 'delete', null) }),
      ).toBe('deleted');
      expect(await repo.delete(organizationId, `${id}-plain`)).toBe('deleted');
      expect(await repo.delete(organizationId, `${id}-plain`)).toBe('not_found');
    }
  }

  it('on: every fixed statement of get, list, create, update and delete is prepared once, by name', async () => {
    const { repo, named } = await onOneConnection(true);
    await exercise(repo, 'on');
    expect((await named()).map((s) => s.name)).toEqual([
      'gw_auditEntry',
      'gw_delete',
      'gw_deleteVersion',
      'gw_exists',
      'gw_findById',
      'gw_insert',
      'gw_insertWithAudit',
      'gw_list',
      'gw_lockById',
      'gw_update',
    ]);
  });

  it('off: the same answers, and nothing is left prepared in the session', async () => {
    const { repo, named } = await onOneConnection(false);
    await exercise(repo, 'off');
    expect(await named()).toEqual([]);
  });

  it('the audit entries were written in the same statements, prepared or not', async () => {
    const rows = await t.sql<{ action: string; n: string }>(
      `SELECT action, count(*)::text AS n FROM audit_events WHERE organization_id = $1
       GROUP BY action ORDER BY action`,
      [organizationId],
    );
    expect(rows).toEqual([
      { action: 'create', n: '4' },
      { action: 'delete', n: '4' },
      { action: 'update', n: '4' },
    ]);
  });
});
