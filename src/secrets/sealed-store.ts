import { randomUUID } from 'node:crypto';
import type { AuditChange, AuditEntry } from '../audit/audit';
import { jsonPathStep as pathStep } from '../audit/connector-diff';
import { sealContext } from '../connectors/connectors.service';
import { flowContext, grantContext } from '../oauth/oauth.service';
import type { SecretCipher } from './cipher';
import type { Json } from './json';
import { resealJson } from './reseal';

/**
 * Where the store keeps sealed values, and what rotating them takes: counting them per key id (at
 * start and for `secrets status`) and re-sealing them under the current key (`secrets reseal`).
 * SQL goes through a `SqlRunner` so this module knows no database library.
 */

/** One column holding sealed values (`gw1.<keyId>.<payload>`), as one value or inside JSON. */
export interface SealedSource {
  table: string;
  column: string;
  /** `text`: the column is one sealed value; `jsonb`: sealed strings anywhere inside it. */
  type: 'text' | 'jsonb';
  /** Of a `jsonb` column: the one key holding the sealed value (the others are plain). */
  field?: string;
  /** The table's primary key columns: batches walk the table in this order. */
  key: readonly string[];
  /** Other columns the context is made of (read as text beside the key). */
  columns?: readonly string[];
  /** The AEAD context the column's values were sealed with, from the key and `columns`. */
  context(row: Record<string, string>): string;
}

/** A column of `connectors`, sealed with the connector's context and `#field`. */
const connectorColumn = (
  column: string,
  type: SealedSource['type'],
  purpose: string,
  field?: string,
): SealedSource => ({
  table: 'connectors',
  column,
  type,
  field,
  key: ['organization_id', 'id'],
  context: (row) => `${sealContext(row.organization_id ?? '', row.id ?? '')}#${purpose}`,
});

/** A token of `oauth_grants`, sealed per (connector, API key) and `access` or `refresh`. */
const oauthGrantColumn = (column: string, which: 'access' | 'refresh'): SealedSource => ({
  table: 'oauth_grants',
  column,
  type: 'text',
  key: ['organization_id', 'connector_id', 'api_key_id'],
  context: (row) =>
    grantContext(
      {
        organizationId: row.organization_id ?? '',
        connectorId: row.connector_id ?? '',
        apiKeyId: row.api_key_id ?? '',
      },
      which,
    ),
});

/**
 * Every column that holds sealed values. A table or column that starts holding sealed values is
 * one line here: the start check, `secrets status` and `secrets reseal` all follow this list.
 */
export const SEALED_SOURCES: readonly SealedSource[] = [
  // A URL with its userinfo password sealed in place (`https://user:gw1.<keyId>.<payload>@host`).
  connectorColumn('url', 'text', 'url'),
  // Whole sealed values, and URLs with a sealed password too (sealed with the same `#config`).
  connectorColumn('config', 'jsonb', 'config'),
  connectorColumn('oauth', 'jsonb', 'oauth', 'clientSecret'),
  connectorColumn('service_auth_token', 'text', 'service_auth'),
  oauthGrantColumn('access_token', 'access'),
  oauthGrantColumn('refresh_token', 'refresh'),
  {
    table: 'oauth_flows',
    column: 'code_verifier',
    type: 'text',
    key: ['id'],
    columns: ['organization_id', 'connector_id', 'api_key_id'],
    context: (row) =>
      flowContext(
        { organizationId: row.organization_id ?? '', apiKeyId: row.api_key_id ?? '' },
        row.connector_id ?? '',
      ),
  },
];

type Rows = Array<Record<string, unknown>>;
type Query = (sql: string, params?: unknown[]) => Promise<Rows>;

/** What this module needs of a database: queries, and a transaction to lock rows in. */
export interface SqlRunner {
  query: Query;
  transaction<T>(fn: (query: Query) => Promise<T>): Promise<T>;
}

/**
 * A sealed value in a column's JSON text (`to_jsonb(column)::text`, text columns too): a whole JSON
 * string that is either `"gw1.<keyId>.<base64url>"`, or a URL whose userinfo password is one
 * (`"scheme://user:gw1.<keyId>.<base64url>@host/..."`, the only form `sealUrlPassword` stores and
 * `splitUrlPassword` reads back: the password runs to the last `@` before the path, so the host
 * holds no `@`). Not an object key (no `:` after it) and not inside another string (no `\` before
 * its quote): text that only mentions such a URL is not counted. A plain URL in that form cannot
 * be stored, as every URL password is sealed on write. Captures the key id in group 1 (whole
 * value) or 2 (URL). `keyId` narrows it (a regex fragment with one group).
 */
function sealedInJson(keyId = '([A-Za-z0-9_-]+)'): string {
  // JSON string content: any character but `"` and `\`, or an escape.
  const chars = (except: string) => String.raw`(?:[^${except}"\\]|\\.)*`;
  const url =
    String.raw`[A-Za-z][A-Za-z0-9+.-]*://${chars('/?#:@')}:gw1\.${keyId}\.[A-Za-z0-9_-]*` +
    String.raw`@${chars('/?#@')}(?:[/?#]${chars('')})?`;
  return String.raw`(?<!\\)"(?:gw1\.${keyId}\.[A-Za-z0-9_-]*|${url})"(?!\s*:)`;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The sealed sources grouped by table, so each table is read once. */
function byTable(sources: readonly SealedSource[]): Map<string, SealedSource[]> {
  const tables = new Map<string, SealedSource[]>();
  for (const source of sources) {
    const list = tables.get(source.table);
    if (list) list.push(source);
    else tables.set(source.table, [source]);
  }
  return tables;
}

/** A column read as `::text` (null for SQL NULL). */
const asText = (value: unknown): string => (typeof value === 'string' ? value : '');

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The sealed value(s) of a source in a row, as jsonb. */
function sealedValue(source: SealedSource): string {
  return source.field
    ? `(${ident(source.column)} -> ${literal(source.field)})`
    : `to_jsonb(${ident(source.column)})`;
}

/** The JSON text of every sealed value of a table's row, as one SQL expression. */
function sealedText(sources: SealedSource[]): string {
  return `concat_ws(' ', ${sources.map((s) => `${sealedValue(s)}::text`).join(', ')})`;
}

/**
 * How many sealed values the store holds under each key id: one aggregate query, one pass over
 * each table (regular expressions over the columns' JSON text), whatever the number of rows.
 */
export async function countSealedByKey(
  db: Pick<SqlRunner, 'query'>,
  sources: readonly SealedSource[] = SEALED_SOURCES,
): Promise<Map<string, number>> {
  // No LIKE pre-filter: it would serialise the columns twice, and a row without sealed values
  // simply yields no match.
  const parts = [...byTable(sources)].map(
    ([table, list]) =>
      `SELECT coalesce(m[1], m[2]) AS key_id FROM ${ident(table)} t,
         LATERAL regexp_matches(${sealedText(list)}, ${literal(sealedInJson())}, 'g') m`,
  );
  const rows = await db.query(
    `SELECT key_id, count(*)::int AS n FROM (${parts.join(' UNION ALL ')}) s
     GROUP BY key_id ORDER BY key_id`,
  );
  return new Map(rows.map((r) => [String(r.key_id), Number(r.n)]));
}

export type KeyState = 'current' | 'previous' | 'unknown';

export interface KeyCount {
  keyId: string;
  values: number;
  state: KeyState;
}

/** Every key id in use or configured, with its count and whether the configured keys hold it. */
export function describeKeys(cipher: SecretCipher, counts: Map<string, number>): KeyCount[] {
  const ids = [...new Set([...cipher.keyIds, ...counts.keys()])];
  const state = (id: string): KeyState =>
    id === cipher.primaryKeyId ? 'current' : cipher.hasKey(id) ? 'previous' : 'unknown';
  return ids.map((keyId) => ({ keyId, values: counts.get(keyId) ?? 0, state: state(keyId) }));
}

export class UnknownKeyError extends Error {}

/**
 * Fails closed: a sealed value under a key id the configuration does not hold could never be
 * opened again, so the gateway refuses to start rather than serve a store it cannot read.
 */
export async function assertKeysCoverStore(
  db: Pick<SqlRunner, 'query'>,
  cipher: SecretCipher,
): Promise<KeyCount[]> {
  const keys = describeKeys(cipher, await countSealedByKey(db));
  const unknown = keys.filter((k) => k.state === 'unknown');
  if (unknown.length) {
    const list = unknown.map((k) => `key id ${k.keyId} (${k.values} sealed values)`).join(', ');
    throw new UnknownKeyError(
      `the store holds secrets sealed under ${list}, which neither GATEWAY_ENCRYPTION_KEY nor ` +
        'GATEWAY_PREVIOUS_ENCRYPTION_KEYS holds: add that key (to GATEWAY_PREVIOUS_ENCRYPTION_KEYS ' +
        'after a rotation) and start again. Refusing to start rather than lose those secrets.',
    );
  }
  return keys;
}

export interface ResealProgress {
  table: string;
  /** Rows of this table looked at so far. */
  rows: number;
  resealed: number;
  failed: number;
}

export interface ResealResult {
  resealed: number;
  /** Values under older keys that did not open: left as they were, reported. */
  failed: number;
  /** Sealed values still under keys other than the current one, counted after the run. */
  remaining: number;
}

/**
 * Re-seals every value under an older key with the current one, while gateways keep serving: a
 * batch at a time, each in its own short transaction that locks only its rows (`FOR UPDATE SKIP
 * LOCKED`: a row a gateway is writing is skipped, and that write re-seals it anyway). Idempotent
 * and resumable: only rows still holding older values are read, so a stopped run continues where
 * it stopped. Rows skipped while locked are retried in a further pass.
 */
export async function resealStore(
  db: SqlRunner,
  cipher: SecretCipher,
  options: {
    batchSize?: number;
    onProgress?: (progress: ResealProgress) => void;
    sources?: readonly SealedSource[];
    /**
     * The audit trail: one `reseal` entry per re-sealed connector row (and per re-sealed OAuth
     * grant), written in the batch's transaction with `statement` (the audit adapter's INSERT,
     * `auditEntryStatement`), naming the fields (values unchanged, none shown). `requestId` ties
     * the entries of one run together (a new id by default).
     */
    audit?: { statement: AuditStatement; requestId?: string; now?: () => Date };
  } = {},
): Promise<ResealResult> {
  const batchSize = options.batchSize ?? 200;
  const sources = options.sources ?? SEALED_SOURCES;
  const audit: ResealAuditor | undefined = options.audit && {
    statement: options.audit.statement,
    requestId: options.audit.requestId ?? randomUUID(),
    now: options.audit.now ?? (() => new Date()),
  };
  let resealed = 0;
  let failed = 0;
  for (let pass = 0; pass < 3; pass++) {
    let passResealed = 0;
    for (const [table, list] of byTable(sources)) {
      const outcome = await resealTable(
        db,
        cipher,
        table,
        list,
        batchSize,
        options.onProgress,
        audit,
      );
      passResealed += outcome.resealed;
      if (pass === 0) failed += outcome.failed;
    }
    resealed += passResealed;
    if (!passResealed) break;
  }
  const counts = await countSealedByKey(db, sources);
  const remaining = [...counts]
    .filter(([keyId]) => keyId !== cipher.primaryKeyId)
    .reduce((sum, [, n]) => sum + n, 0);
  return { resealed, failed, remaining };
}

async function resealTable(
  db: SqlRunner,
  cipher: SecretCipher,
  table: string,
  sources: SealedSource[],
  batchSize: number,
  onProgress?: (progress: ResealProgress) => void,
  auditor?: ResealAuditor,
): Promise<{ resealed: number; failed: number }> {
  const key = sources[0]?.key ?? [];
  const audited = auditor && AUDITED_TABLES[table];
  const keyColumns = key.map(ident).join(', ');
  const keyAs = key.map((k, i) => `${ident(k)}::text AS k${i}`).join(', ');
  const tuple = (first: number) => `(${key.map((_, i) => `$${first + i}`).join(', ')})`;
  // The key and every column a context is made of, read as text.
  const named = [...new Set([...key, ...sources.flatMap((s) => s.columns ?? [])])];
  const progress: ResealProgress = { table, rows: 0, resealed: 0, failed: 0 };
  // A sealed value under any key id but the current one ($1).
  const stale = `${sealedText(sources)} ~ replace(${literal(sealedInJson('(?!KEY\\.)([A-Za-z0-9_-]+)'))}, 'KEY', $1::text)`;
  let after: string[] | null = null;
  for (;;) {
    // The next window of rows in key order, from the primary key index alone: each batch costs
    // its own rows, whatever the size of the table and however few rows are stale.
    const window = await db.query(
      `SELECT ${keyAs} FROM ${ident(table)}
       ${after ? `WHERE (${keyColumns}) > ${tuple(2)}` : ''}
       ORDER BY ${keyColumns} LIMIT $1`,
      [batchSize, ...(after ?? [])],
    );
    const last = window[window.length - 1];
    if (!last) break;
    const end = key.map((_, i) => asText(last[`k${i}`]));
    const from = after;
    await db.transaction(async (query) => {
      const params: unknown[] = [cipher.primaryKeyId, ...end];
      let where = `${stale} AND (${keyColumns}) <= ${tuple(2)}`;
      if (from) {
        where += ` AND (${keyColumns}) > ${tuple(params.length + 1)}`;
        params.push(...from);
      }
      // Only the window's stale rows are locked; a row a gateway holds is skipped (its write
      // re-seals it, and a further pass retries it).
      const rows = await query(
        `SELECT ${keyAs},
                ${named.map((c, i) => `${ident(c)}::text AS n${i}`).join(', ')},
                ${sources.map((s, i) => `${sealedValue(s)} AS v${i}`).join(', ')}
                ${audited ? `, ${audited.version} AS audit_version` : ''}
         FROM ${ident(table)} WHERE ${where}
         ORDER BY ${keyColumns} FOR UPDATE SKIP LOCKED`,
        params,
      );
      for (const row of rows) {
        const keyValues = key.map((_, i) => asText(row[`k${i}`]));
        const context = Object.fromEntries(named.map((c, i) => [c, asText(row[`n${i}`])]));
        const sets: string[] = [];
        const values: unknown[] = [];
        const changes: AuditChange[] = [];
        sources.forEach((source, i) => {
          const value = row[`v${i}`] as Json | null;
          if (value === null || value === undefined) return;
          const outcome = resealJson(cipher, value, source.context(context));
          progress.failed += outcome.failed;
          if (!outcome.resealed) return;
          progress.resealed += outcome.resealed;
          if (audited)
            changes.push(...resealedPaths(audited.path(source, context), value, outcome.value));
          const column = ident(source.column);
          values.push(source.type === 'jsonb' ? JSON.stringify(outcome.value) : outcome.value);
          const param = `$${values.length}::${source.type}`;
          sets.push(
            source.field
              ? `${column} = jsonb_set(${column}, ARRAY[${literal(source.field)}], ${param})`
              : `${column} = ${param}`,
          );
        });
        if (sets.length) {
          await query(
            `UPDATE ${ident(table)} SET ${sets.join(', ')}
             WHERE (${keyColumns}) = ${tuple(values.length + 1)}`,
            [...values, ...keyValues],
          );
        }
        if (audited && auditor && changes.length) {
          const version = row.audit_version;
          const entry = auditStatement(auditor, {
            organizationId: context.organization_id ?? '',
            connectorId: context[audited.connectorId] ?? '',
            version: typeof version === 'number' ? version : null,
            changes,
          });
          await query(entry.text, entry.values);
        }
      }
    });
    progress.rows += window.length;
    onProgress?.({ ...progress });
    if (window.length < batchSize) break;
    after = end;
  }
  return { resealed: progress.resealed, failed: progress.failed };
}

/** The INSERT of one audit entry, as SQL text and parameters. */
export type AuditStatement = (entry: AuditEntry) => { text: string; values: unknown[] };

interface ResealAuditor {
  statement: AuditStatement;
  requestId: string;
  now: () => Date;
}

/** The tables whose re-seals are a connector's audit entries: where each row's connector is. */
const AUDITED_TABLES: Record<
  string,
  {
    connectorId: string;
    /** SQL: the connector's version (its own column, or looked up for a grant). */
    version: string;
    /** The JSON path of a source's value in the row (as the audit trail names connector fields). */
    path(source: SealedSource, row: Record<string, string>): string;
  }
> = {
  connectors: {
    connectorId: 'id',
    version: '"version"',
    path: (source) => {
      const base = CONNECTOR_PATHS[source.column] ?? `$.${source.column}`;
      return source.field ? `${base}.${source.field}` : base;
    },
  },
  oauth_grants: {
    connectorId: 'connector_id',
    version: `(SELECT c."version" FROM connectors c
                WHERE c.organization_id = oauth_grants.organization_id
                  AND c.id = oauth_grants.connector_id)`,
    // The grants of the connector by API key: `$.oauthGrants['<key id>'].accessToken`.
    path: (source, row) =>
      `${pathStep('$.oauthGrants', row.api_key_id ?? '')}.${
        source.column === 'refresh_token' ? 'refreshToken' : 'accessToken'
      }`,
  },
};

/** The canonical connector's name of each sealed column of `connectors`. */
const CONNECTOR_PATHS: Record<string, string> = {
  url: '$.url',
  config: '$.config',
  oauth: '$.oauth',
  service_auth_token: '$.serviceAuth.token',
};

/**
 * The paths of the values a re-seal changed: the sealed text differs, the clear value does not, so
 * each is listed by its path alone (no value, no fingerprint: nothing about it changed).
 */
function resealedPaths(path: string, before: Json, after: Json): AuditChange[] {
  if (before === after) return [];
  if (typeof before === 'string' || typeof after === 'string') {
    return [{ path }];
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    return before.flatMap((v, i) => resealedPaths(`${path}[${i}]`, v, after[i] ?? null));
  }
  if (before && after && typeof before === 'object' && typeof after === 'object') {
    const a = after as Record<string, Json>;
    return Object.entries(before as Record<string, Json>).flatMap(([k, v]) =>
      resealedPaths(pathStep(path, k), v, a[k] ?? null),
    );
  }
  return [];
}

function auditStatement(
  auditor: ResealAuditor,
  subject: Pick<AuditEntry, 'organizationId' | 'connectorId' | 'version' | 'changes'>,
) {
  return auditor.statement({
    ...subject,
    occurredAt: auditor.now(),
    // The operator's command, not an API key: no key, no dialect; the run's id ties its entries.
    apiKeyId: null,
    dialect: null,
    method: null,
    route: 'secrets reseal',
    requestId: auditor.requestId,
    action: 'reseal',
  });
}
