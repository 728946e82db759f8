import { DataSource, QueryFailedError, type Repository } from 'typeorm';
import type { AuditEntry } from '../../audit/audit';
import { auditEntryStatement } from '../../audit/persistence/typeorm-audit-trail';
import type { Connector } from '../domain/connector';
import { ConnectorAlreadyExistsError } from '../domain/connector.errors';
import type { Page, PageOf } from '../domain/connector.input';
import { ConnectorRepository, type DeleteOutcome } from '../domain/connector.repository';
import { oauthGrantsInvalidated } from '../domain/connector.rules';
import type {
  ConnectorSearch,
  SearchBooleanField,
  SearchFilter,
  SearchResult,
  SearchSortField,
  SearchTextField,
  TermsAggregation,
} from '../domain/connector.search';
import { ConnectorEntity } from './connector.entity';
import { ConnectorPersistenceMapper as Mapper } from './connector.mapper';

const UNIQUE_VIOLATION = '23505';

/** One SQL statement and its parameters. */
export interface SqlStatement {
  text: string;
  values: unknown[];
}

/** What one search runs: the bounded count, the page (none for `size: 0`), each aggregation. */
export interface SearchStatements {
  count: SqlStatement;
  hits: SqlStatement | null;
  aggregations: Array<{ aggregation: TermsAggregation; statement: SqlStatement }>;
}

/** A statement as `pg` takes it; with a name, each connection parses and plans it once. */
interface QueryConfig {
  name?: string;
  text: string;
  values: unknown[];
}

/** A `pg` pool, as TypeORM's PostgreSQL driver holds it. */
interface PgPool {
  query<R>(text: string, values: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
  query<R>(config: QueryConfig): Promise<{ rows: R[]; rowCount: number | null }>;
  connect(): Promise<PgPoolClient>;
}
interface PgPoolClient {
  query<R>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
  query<R>(config: QueryConfig): Promise<{ rows: R[]; rowCount: number | null }>;
  release(error?: Error | boolean): void;
}

/** The columns of `connectors` (but `seq`), in the order the writes below bind them. */
const WRITE_COLUMNS = [
  ['organization_id', 'organizationId'],
  ['id', 'id'],
  ['name', 'name'],
  ['description', 'description'],
  ['url', 'url'],
  ['active', 'active'],
  ['created_at', 'createdAt'],
  ['updated_at', 'updatedAt'],
  ['created_by', 'createdBy'],
  ['updated_by', 'updatedBy'],
  ['config', 'config'],
  ['builtin', 'builtin'],
  ['excludes', 'excludes'],
  ['continue_on_failure', 'continueOnFailure'],
  ['oauth', 'oauth'],
  ['service_auth_type', 'serviceAuthType'],
  ['service_auth_token', 'serviceAuthToken'],
  ['category', 'category'],
  ['icon', 'icon'],
  ['tags', 'tags'],
  ['path_hierarchy', 'pathHierarchy'],
  ['assets', 'assets'],
  ['oauth_connect_implemented', 'oauthConnectImplemented'],
  ['processor', 'processor'],
  ['type', 'type'],
  ['provider', 'provider'],
  ['version', 'version'],
] as const satisfies ReadonlyArray<readonly [string, keyof ConnectorEntity]>;

const JSONB_COLUMNS: ReadonlySet<string> = new Set(['config', 'oauth', 'assets', 'processor']);

/** What an update writes: not the key, not the creation time. */
const UPDATE_COLUMNS = WRITE_COLUMNS.filter(
  ([column]) => column !== 'organization_id' && column !== 'id' && column !== 'created_at',
);

/** Every column under its entity property name, so a row maps like an entity. */
const SELECT_LIST = [...WRITE_COLUMNS, ['seq', 'seq']]
  .map(([column, property]) => `c."${column}" AS "${property}"`)
  .join(', ');

/** Which connectors the lists show (`isListed` of the domain, as SQL). */
const LISTED = '(NOT c.builtin OR c.updated_by IS NOT NULL)';

/**
 * The SQL of the hot paths, written once: each is one parameterised statement on one indexed
 * access path (test/search-indexes.e2e-spec.ts EXPLAINs the reads). The bench's floor server runs
 * the same statements.
 */
export const CONNECTOR_SQL = {
  /** `$1` organization, `$2` id: the primary key. */
  findById: `SELECT ${SELECT_LIST} FROM connectors c WHERE c.organization_id = $1 AND c.id = $2`,
  /**
   * `$1` organization, `$2` limit, `$3` offset: the page by `(organization_id, created_at, seq)`
   * and the exact total from the organization's counter rows (migration ConnectorCounts), in one
   * statement. An empty page is one row whose connector columns are all null.
   */
  list: `SELECT t.n AS "__total", p.* FROM
           (SELECT coalesce(sum(listed), 0)::bigint AS n FROM connector_counts WHERE organization_id = $1) t
           LEFT JOIN LATERAL (
             SELECT ${SELECT_LIST} FROM connectors c WHERE c.organization_id = $1 AND ${LISTED}
             ORDER BY c.created_at DESC, c.seq DESC LIMIT $2 OFFSET $3
           ) p ON true`,
  /** The page alone (what `list` joins to its total): EXPLAINed by the index test. */
  listPage: `SELECT ${SELECT_LIST} FROM connectors c WHERE c.organization_id = $1 AND ${LISTED}
             ORDER BY c.created_at DESC, c.seq DESC LIMIT $2 OFFSET $3`,
  /** The exact total alone, as `list` reads it. */
  listTotal: `SELECT coalesce(sum(listed), 0)::bigint AS n FROM connector_counts WHERE organization_id = $1`,
  insert: `INSERT INTO connectors (${WRITE_COLUMNS.map(([column]) => `"${column}"`).join(', ')})
           VALUES (${WRITE_COLUMNS.map(([column], i) => `$${i + 1}${JSONB_COLUMNS.has(column) ? '::jsonb' : ''}`).join(', ')})`,
  /** `$1` organization, `$2` id. */
  lockById: `SELECT ${SELECT_LIST} FROM connectors c WHERE c.organization_id = $1 AND c.id = $2 FOR UPDATE`,
  /** `$1` organization, `$2` id, then every column but the key, `created_at` and `seq`. */
  update: `UPDATE connectors SET ${UPDATE_COLUMNS.map(
    ([column], i) => `"${column}" = $${i + 3}${JSONB_COLUMNS.has(column) ? '::jsonb' : ''}`,
  ).join(', ')} WHERE organization_id = $1 AND id = $2`,
  /** `$1` organization, `$2` id: deletes unless built-in. */
  delete: `DELETE FROM connectors WHERE organization_id = $1 AND id = $2 AND NOT builtin`,
  /** `$1` organization, `$2` id, `$3` the version read under the row lock. */
  deleteVersion: `DELETE FROM connectors WHERE organization_id = $1 AND id = $2 AND version = $3`,
  exists: `SELECT 1 FROM connectors WHERE organization_id = $1 AND id = $2`,
};

/** The insert behind an audit entry's statement (`entry` values first), made once. */
let insertWithAuditText: string | undefined;
function insertWithAudit(entryText: string, entryValues: number): string {
  insertWithAuditText ??= `WITH audit AS (${entryText}) ${CONNECTOR_SQL.insert.replace(
    /\$(\d+)/g,
    (_, n: string) => `$${Number(n) + entryValues}`,
  )}`;
  return insertWithAuditText;
}

/** A row's values in the order of `columns`; JSON columns as JSON text. */
function writeValues(
  c: Connector,
  columns: ReadonlyArray<readonly [string, string]> = WRITE_COLUMNS,
): unknown[] {
  const row = Mapper.toPersistence(c) as Record<string, unknown>;
  return columns.map(([column, property]) => {
    const value = row[property];
    return JSONB_COLUMNS.has(column) && value !== null && value !== undefined
      ? JSON.stringify(value)
      : (value ?? null);
  });
}

function isUniqueViolation(error: unknown): boolean {
  const code =
    error instanceof QueryFailedError
      ? (error.driverError as { code?: string }).code
      : (error as { code?: unknown } | null)?.code;
  return code === UNIQUE_VIOLATION;
}

/**
 * The PostgreSQL adapter. The hot paths (get, list, create, update, delete) run the fixed
 * statements of `CONNECTOR_SQL` on the pool TypeORM opened, without the query builder: a request
 * costs one round trip and no per-call metadata work. TypeORM still owns the connection, the
 * entities and the migrations.
 */
export class TypeOrmConnectorRepository extends ConnectorRepository {
  private readonly rows: Repository<ConnectorEntity>;

  private readonly prepared: boolean;

  constructor(
    private readonly dataSource: DataSource,
    options: { preparedStatements?: boolean } = {},
  ) {
    super();
    this.prepared = options.preparedStatements ?? false;
    this.rows = dataSource.getRepository(ConnectorEntity);
  }

  /**
   * One of the fixed statements with its values. Prepared, it carries a name: each pool
   * connection then parses and plans it once instead of on every call, which saves PostgreSQL
   * about a third of a create's work. Named statements live in the server session, so they are
   * off where sessions are shared between connections (the embedded PGlite, a transaction-mode
   * pooler: DATABASE_PREPARED_STATEMENTS=false).
   */
  private named(name: string, text: string, values: unknown[]): QueryConfig {
    return this.prepared ? { name: `gw_${name}`, text, values } : { text, values };
  }

  private statement(name: keyof typeof CONNECTOR_SQL, values: unknown[]): QueryConfig {
    return this.named(name, CONNECTOR_SQL[name], values);
  }

  private auditStatement(entry: AuditEntry): QueryConfig {
    const { text, values } = auditEntryStatement(entry);
    return this.named('auditEntry', text, values);
  }

  /** The pool itself (connected once the data source is initialized). */
  private get pool(): PgPool {
    return (this.dataSource.driver as unknown as { master: PgPool }).master;
  }

  async findById(organizationId: string, id: string): Promise<Connector | null> {
    const { rows } = await this.pool.query<ConnectorEntity>(
      this.statement('findById', [organizationId, id]),
    );
    return rows[0] ? Mapper.toDomain(rows[0]) : null;
  }

  async list(organizationId: string, page: Page): Promise<PageOf<Connector>> {
    const { rows } = await this.pool.query<ConnectorEntity & { __total: string }>(
      this.statement('list', [organizationId, page.limit, page.offset]),
    );
    const total = Number(rows[0]?.__total ?? 0);
    const items: Connector[] = [];
    for (const row of rows) if (row.id !== null) items.push(Mapper.toDomain(row));
    return { items, total };
  }

  async insert(connector: Connector, audit?: AuditEntry): Promise<Connector> {
    try {
      if (audit) {
        // The entry and the row in one statement: both are written, or neither.
        const entry = auditEntryStatement(audit);
        await this.pool.query(
          this.named('insertWithAudit', insertWithAudit(entry.text, entry.values.length), [
            ...entry.values,
            ...writeValues(connector),
          ]),
        );
      } else {
        await this.pool.query(this.statement('insert', writeValues(connector)));
      }
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConnectorAlreadyExistsError(connector.id);
      throw error;
    }
    return connector;
  }

  async insertMissing(connectors: Connector[]): Promise<number> {
    if (!connectors.length) return 0;
    const result = await this.rows
      .createQueryBuilder()
      .insert()
      .values(connectors.map((c) => Mapper.toPersistence(c)))
      .orIgnore()
      .execute();
    return result.identifiers.filter(Boolean).length;
  }

  async update(
    organizationId: string,
    id: string,
    change: (current: Connector) => Connector,
    audit?: (before: Connector, after: Connector) => AuditEntry | undefined,
  ): Promise<Connector | null> {
    return this.inTransaction(async (client) => {
      const { rows } = await client.query<ConnectorEntity>(
        this.statement('lockById', [organizationId, id]),
      );
      if (!rows[0]) return null;
      const current = Mapper.toDomain(rows[0]);
      // Every write of the row is a new version, whatever `change` made of it.
      const next = { ...change(current), version: current.version + 1 };
      // The entry first: a write failing after it takes it back with the transaction.
      const entry = audit?.(current, next);
      if (entry) await client.query(this.auditStatement(entry));
      await client.query(
        this.statement('update', [organizationId, id, ...writeValues(next, UPDATE_COLUMNS)]),
      );
      // New OAuth client settings make every grant of the connector worthless: same transaction.
      if (oauthGrantsInvalidated(current, next)) {
        await client.query(
          'DELETE FROM oauth_grants WHERE organization_id = $1 AND connector_id = $2',
          [organizationId, id],
        );
      }
      return next;
    });
  }

  async delete(
    organizationId: string,
    id: string,
    options: {
      check?: (current: Connector) => void;
      audit?: (before: Connector) => AuditEntry | undefined;
    } = {},
  ): Promise<DeleteOutcome> {
    if (!options.check && !options.audit) {
      const deleted = await this.pool.query(this.statement('delete', [organizationId, id]));
      if (deleted.rowCount) return 'deleted';
      const found = await this.pool.query(this.statement('exists', [organizationId, id]));
      return found.rows.length ? 'builtin' : 'not_found';
    }
    return this.inTransaction(async (client) => {
      const { rows } = await client.query<ConnectorEntity>(
        this.statement('lockById', [organizationId, id]),
      );
      const row = rows[0];
      if (!row) return 'not_found';
      if (row.builtin) return 'builtin';
      const current = Mapper.toDomain(row);
      options.check?.(current);
      const entry = options.audit?.(current);
      if (entry) await client.query(this.auditStatement(entry));
      // The version read under the lock is the one deleted (If-Match / if_seq_no hold).
      const deleted = await client.query(
        this.statement('deleteVersion', [organizationId, id, current.version]),
      );
      return deleted.rowCount ? 'deleted' : 'not_found';
    });
  }

  /**
   * `fn` in one transaction on one pool connection: committed when it returns, rolled back when
   * it throws. A connection whose rollback failed is in an unknown state: the pool discards it.
   */
  private async inTransaction<T>(fn: (client: PgPoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      try {
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollback: unknown) => {
          broken = rollback instanceof Error ? rollback : new Error(String(rollback));
        });
        throw error;
      }
    } finally {
      client.release(broken ?? false);
    }
  }

  override async search(
    organizationId: string,
    spec: ConnectorSearch,
  ): Promise<SearchResult<Connector>> {
    const statements = this.searchStatements(organizationId, spec);
    const scored = spec.sort.some((s) => s.field === 'score');

    const count = async () => {
      const { text, values } = statements.count;
      const rows: Array<{ n: number }> = await this.dataSource.query(text, values);
      const n = rows[0]?.n ?? 0;
      return n > spec.trackTotalHits
        ? { value: spec.trackTotalHits, exact: false }
        : { value: n, exact: true };
    };

    const hits = async () => {
      if (!statements.hits) return { hits: [], maxScore: null };
      const { text, values } = statements.hits;
      const rows: Array<ConnectorEntity & { __score?: number; __maxScore?: number }> =
        await this.dataSource.query(text, values);
      return {
        hits: rows.map((row) => ({
          connector: Mapper.toDomain(row),
          score: scored ? Number(row.__score) : null,
        })),
        maxScore: scored && rows[0] ? Number(rows[0].__maxScore) : null,
      };
    };

    const aggregate = async ({ aggregation, statement }: SearchStatements['aggregations'][0]) => {
      const rows: Array<{ key: string; n: string; all: string }> = await this.dataSource.query(
        statement.text,
        statement.values,
      );
      const buckets = rows.map((r) => ({ key: r.key, count: Number(r.n) }));
      const all = rows[0] ? Number(rows[0].all) : 0;
      return {
        name: aggregation.name,
        buckets,
        otherCount: all - buckets.reduce((sum, b) => sum + b.count, 0),
      };
    };

    const [total, page, aggregations] = await Promise.all([
      count(),
      hits(),
      Promise.all(statements.aggregations.map(aggregate)),
    ]);
    return { hits: page.hits, total, maxScore: page.maxScore, aggregations };
  }

  /**
   * The SQL a search runs, exactly: `search` executes these, and test/search-indexes.e2e-spec.ts
   * EXPLAINs them to prove each pattern is served by its index.
   */
  searchStatements(organizationId: string, spec: ConnectorSearch): SearchStatements {
    return searchStatements(organizationId, spec);
  }
}

/** The SQL of one search (see `TypeOrmConnectorRepository.searchStatements`). */
export function searchStatements(organizationId: string, spec: ConnectorSearch): SearchStatements {
  const where = new SqlParams();
  const condition = searchCondition(where, organizationId, spec);
  const scored = spec.sort.some((s) => s.field === 'score');
  const score = scored && spec.text !== undefined ? `ts_rank(${DOCUMENT}, ${where.text})` : '1';

  // With no query and no filter, the organization's counters (migration ConnectorCounts) answer
  // the total and the category buckets exactly, in the same time at 100,000 connectors as at 10.
  const everything = spec.text === undefined && spec.filters.length === 0;

  const count = where.fork();
  const countText = everything
    ? `SELECT least(coalesce(sum(total), 0), ${count.add(spec.trackTotalHits + 1)})::int AS n
       FROM connector_counts WHERE organization_id = $1`
    : `SELECT count(*)::int AS n FROM (SELECT 1 FROM connectors c WHERE ${condition} LIMIT ${count.add(
        spec.trackTotalHits + 1,
      )}) t`;

  let hits: SqlStatement | null = null;
  if (spec.size > 0) {
    const q = where.fork();
    const extra = scored ? `, ${score} AS "__score", max(${score}) OVER () AS "__maxScore"` : '';
    hits = {
      text: `SELECT ${SELECT_LIST}${extra} FROM connectors c WHERE ${condition}
         ORDER BY ${orderBy(spec, score)} LIMIT ${q.add(spec.size)} OFFSET ${q.add(spec.from)}`,
      values: q.values,
    };
  }

  const aggregations = spec.aggregations.map((aggregation) => {
    const q = where.fork();
    const grouped =
      aggregation.field === 'category' && everything
        ? `SELECT category AS key, sum(n) AS n FROM connector_category_counts
           WHERE organization_id = $1 GROUP BY category HAVING sum(n) > 0`
        : aggregation.field === 'tags'
          ? `SELECT t.key, count(DISTINCT c.id) AS n FROM connectors c
           CROSS JOIN LATERAL unnest(c.tags) AS t(key)
           WHERE ${condition} AND t.key <> '' GROUP BY t.key`
          : `SELECT c.category AS key, count(*) AS n FROM connectors c
           WHERE ${condition} AND c.category <> '' GROUP BY c.category`;
    const text = `SELECT key, n, sum(n) OVER () AS "all" FROM (${grouped}) g
       ORDER BY n DESC, key ASC LIMIT ${q.add(aggregation.size)}`;
    return { aggregation, statement: { text, values: q.values } };
  });

  return { count: { text: countText, values: count.values }, hits, aggregations };
}

/**
 * Parameters of one search, numbered in order. Client values only ever travel as parameters; the
 * SQL text is made of the fixed fragments below, chosen through whitelists keyed by the
 * (already checked) canonical field names.
 */
class SqlParams {
  readonly values: unknown[] = [];
  /** The placeholder of the full-text words, when there are any. */
  text = '';

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** Copies for one more statement sharing the same condition (and adding its own values). */
  fork(): SqlParams {
    const copy = new SqlParams();
    copy.values.push(...this.values);
    copy.text = this.text;
    return copy;
  }
}

/**
 * The stored full-text document the GIN index is built on (the generated column of migration
 * ConnectorSearchDocumentColumn, defined by `connector_search_document(...)` of ConnectorSearch).
 */
const DOCUMENT = 'c.search_document';

const TEXT_COLUMNS: Record<Exclude<SearchTextField, 'tags'>, string> = {
  id: 'c.id',
  name: 'c.name',
  category: 'c.category',
  'processor.name': "(c.processor ->> 'name')",
};

/** Never null: a connector without a processor counts as not enabled. */
const BOOLEAN_COLUMNS: Record<SearchBooleanField, string> = {
  active: 'c.active',
  builtin: 'c.builtin',
  'processor.enabled': "coalesce(c.processor -> 'enabled' = 'true'::jsonb, false)",
};

const SORT_COLUMNS: Record<Exclude<SearchSortField, 'score'>, string> = {
  id: 'c.id',
  name: 'c.name',
  category: 'c.category',
  createdAt: 'c.created_at',
  updatedAt: 'c.updated_at',
  active: 'c.active',
  builtin: 'c.builtin',
  'processor.name': "(c.processor ->> 'name')",
};

function searchCondition(p: SqlParams, organizationId: string, spec: ConnectorSearch): string {
  const parts = [`c.organization_id = ${p.add(organizationId)}`];
  if (spec.text !== undefined) {
    p.text = `connector_search_query(${p.add(spec.text)})`;
    parts.push(`${DOCUMENT} @@ ${p.text}`);
  }
  for (const filter of spec.filters) parts.push(filterCondition(p, filter));
  return parts.join(' AND ');
}

/**
 * One filter as a condition. The positive forms are written so that an index can serve them:
 * `tags @> ...` and `tags && ...` bare (a NULL is already false in WHERE; wrapped in `coalesce`
 * the GIN index on `tags` is not used), a boolean as the column or its negation, never a
 * parameter (a generic plan cannot prove that `c.builtin = $2` implies the partial index's
 * `WHERE builtin`).
 */
function filterCondition(p: SqlParams, f: SearchFilter): string {
  if (f.field === 'tags') {
    switch (f.op) {
      case 'eq':
        return `c.tags @> ARRAY[${p.add(f.values[0])}::text]`;
      case 'neq':
        return `(c.tags IS NULL OR NOT c.tags @> ARRAY[${p.add(f.values[0])}::text])`;
      case 'any':
        return `c.tags && ${p.add(f.values)}::text[]`;
      case 'none':
        return `(c.tags IS NULL OR NOT c.tags && ${p.add(f.values)}::text[])`;
      case 'exists':
        return 'coalesce(cardinality(c.tags), 0) > 0';
      case 'missing':
        return 'coalesce(cardinality(c.tags), 0) = 0';
    }
  }
  if (f.field === 'active' || f.field === 'builtin' || f.field === 'processor.enabled') {
    return booleanCondition(BOOLEAN_COLUMNS[f.field], f);
  }
  const col = TEXT_COLUMNS[f.field];
  // An empty text is no value, as in Coco (whose JSON leaves empty strings out of the document).
  switch (f.op) {
    case 'eq':
      return `${col} = ${p.add(f.values[0])}::text`;
    case 'neq':
      return `${col} IS DISTINCT FROM ${p.add(f.values[0])}::text`;
    case 'any':
      return `${col} = ANY(${p.add(f.values)}::text[])`;
    case 'none':
      return `NOT coalesce(${col} = ANY(${p.add(f.values)}::text[]), false)`;
    case 'exists':
      return `coalesce(${col}, '') <> ''`;
    case 'missing':
      return `coalesce(${col}, '') = ''`;
  }
}

/**
 * A boolean filter as a fixed fragment: the values are checked booleans (never client text), so
 * the condition is the column, its negation, or a constant.
 */
function booleanCondition(col: string, f: SearchFilter): string {
  const accepted = new Set<boolean>();
  switch (f.op) {
    case 'eq':
    case 'any':
      for (const v of f.values) accepted.add(v === true);
      break;
    case 'neq':
    case 'none':
      accepted.add(true).add(false);
      for (const v of f.values) accepted.delete(v === true);
      break;
    case 'exists':
      return 'true';
    case 'missing':
      return 'false';
  }
  if (accepted.size === 2) return 'true';
  if (accepted.size === 0) return 'false';
  return accepted.has(true) ? col : `NOT ${col}`;
}

/** Columns that may be null: their missing values sort last either way, as in Elasticsearch. */
const NULLABLE_SORTS: ReadonlySet<SearchSortField> = new Set(['category', 'processor.name']);

/**
 * The requested order, then newest first. Only nullable columns get `NULLS LAST`: on the others
 * the plain direction lets `(organization_id, created_at, seq)` serve the default order.
 */
function orderBy(spec: ConnectorSearch, score: string): string {
  const terms = spec.sort.map((s) => {
    const direction = s.direction === 'asc' ? 'ASC' : 'DESC';
    const expression = s.field === 'score' ? score : SORT_COLUMNS[s.field];
    return `${expression} ${direction}${NULLABLE_SORTS.has(s.field) ? ' NULLS LAST' : ''}`;
  });
  const created = spec.sort.find((s) => s.field === 'createdAt');
  if (created) terms.push(`c.seq ${created.direction === 'asc' ? 'ASC' : 'DESC'}`);
  else terms.push('c.created_at DESC', 'c.seq DESC');
  return terms.join(', ');
}
