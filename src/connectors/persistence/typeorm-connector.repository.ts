import { DataSource, QueryFailedError, type Repository } from 'typeorm';
import type { AuditEntry } from '../../audit/audit';
import { writeAuditEntry } from '../../audit/persistence/typeorm-audit-trail';
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

export class TypeOrmConnectorRepository extends ConnectorRepository {
  private readonly rows: Repository<ConnectorEntity>;

  constructor(private readonly dataSource: DataSource) {
    super();
    this.rows = dataSource.getRepository(ConnectorEntity);
  }

  async findById(organizationId: string, id: string): Promise<Connector | null> {
    const row = await this.rows.findOneBy({ organizationId, id });
    return row ? Mapper.toDomain(row) : null;
  }

  async list(organizationId: string, page: Page): Promise<PageOf<Connector>> {
    const [rows, total] = await Promise.all([
      this.rows.find({
        where: { organizationId },
        order: { createdAt: 'DESC', seq: 'DESC' },
        skip: page.offset,
        take: page.limit,
      }),
      this.rows.countBy({ organizationId }),
    ]);
    return { items: rows.map((r) => Mapper.toDomain(r)), total };
  }

  async insert(connector: Connector, audit?: AuditEntry): Promise<Connector> {
    try {
      await this.dataSource.transaction(async (manager) => {
        if (audit) await writeAuditEntry(manager, audit);
        await manager.getRepository(ConnectorEntity).insert(Mapper.toPersistence(connector));
      });
    } catch (error) {
      if (
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string }).code === UNIQUE_VIOLATION
      ) {
        throw new ConnectorAlreadyExistsError(connector.id);
      }
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
    return this.dataSource.transaction(async (manager) => {
      const rows = manager.getRepository(ConnectorEntity);
      const row = await rows.findOne({
        where: { organizationId, id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!row) return null;
      const current = Mapper.toDomain(row);
      // Every write of the row is a new version, whatever `change` made of it.
      const next = { ...change(current), version: current.version + 1 };
      // The entry first: a write failing after it takes it back with the transaction.
      const entry = audit?.(current, next);
      if (entry) await writeAuditEntry(manager, entry);
      const { organizationId: _o, id: _i, createdAt: _c, ...values } = Mapper.toPersistence(next);
      await rows.update({ organizationId, id }, values);
      if (oauthGrantsInvalidated(current, next)) {
        await manager.query(
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
    return this.dataSource.transaction(async (manager) => {
      const rows = manager.getRepository(ConnectorEntity);
      const row = await rows.findOne({
        where: { organizationId, id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!row) return 'not_found';
      if (row.builtin) return 'builtin';
      const current = Mapper.toDomain(row);
      options.check?.(current);
      const entry = options.audit?.(current);
      if (entry) await writeAuditEntry(manager, entry);
      // The version read under the lock is the one deleted (If-Match / if_seq_no hold).
      const deleted = await rows.delete({ organizationId, id, version: current.version });
      return deleted.affected ? 'deleted' : 'not_found';
    });
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
    const where = new SqlParams();
    const condition = searchCondition(where, organizationId, spec);
    const scored = spec.sort.some((s) => s.field === 'score');
    const score = scored && spec.text !== undefined ? `ts_rank(${DOCUMENT}, ${where.text})` : '1';

    const count = where.fork();
    const countText = `SELECT count(*)::int AS n FROM (SELECT 1 FROM connectors c WHERE ${condition} LIMIT ${count.add(
      spec.trackTotalHits + 1,
    )}) t`;

    let hits: SqlStatement | null = null;
    if (spec.size > 0) {
      const q = where.fork();
      const extra = scored ? `, ${score} AS "__score", max(${score}) OVER () AS "__maxScore"` : '';
      hits = {
        text: `SELECT ${this.selectList()}${extra} FROM connectors c WHERE ${condition}
           ORDER BY ${orderBy(spec, score)} LIMIT ${q.add(spec.size)} OFFSET ${q.add(spec.from)}`,
        values: q.values,
      };
    }

    const aggregations = spec.aggregations.map((aggregation) => {
      const q = where.fork();
      const grouped =
        aggregation.field === 'tags'
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

  /** Every column under its entity property name, so a raw row maps like an entity. */
  private selectList(): string {
    this.columns ??= this.dataSource
      .getMetadata(ConnectorEntity)
      .columns.map((col) => `c."${col.databaseName}" AS "${col.propertyName}"`)
      .join(', ');
    return this.columns;
  }

  private columns?: string;
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

/** The expression the full-text index is built on (see the ConnectorSearch migration). */
const DOCUMENT =
  'connector_search_document(c.name, c.description, c.category, c.tags, c.processor)';

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
