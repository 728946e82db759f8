/**
 * The floor: the least a Node service can do for the answers the bench asks the gateway for.
 * `node:http`, a `pg.Pool` of the gateway's size, the API key looked up in an in-memory `Map`,
 * the same parameterised indexed SQL as the gateway (`CONNECTOR_SQL`, `searchStatements`), the same
 * JSON built by hand and `JSON.stringify`. Nothing else: no framework, no validation beyond what
 * the routes need to answer, no logging, no rate limits.
 *
 * Routes (only what the bench's scenarios call):
 *   GET  /health
 *   GET  /v1/connectors/:id            Cohere get
 *   GET  /v1/connectors?limit&offset   Cohere list with its exact total
 *   POST /v1/connectors                Cohere create, the OAuth client secret sealed (AES-256-GCM)
 *   PUT  /connector/:id                Coco merge of `description`: SELECT ... FOR UPDATE + UPDATE
 *   GET  /connector/_search?query=     Coco prefix search (count + page, as the gateway runs them)
 *   POST /connector/_search            Coco terms aggregation on category, size 0
 */
import { createCipheriv, createSecretKey, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import type { ConnectorSearch } from '../src/connectors/domain/connector.search';
import {
  CONNECTOR_SQL,
  searchStatements,
} from '../src/connectors/persistence/typeorm-connector.repository';

export interface FloorOptions {
  databaseUrl: string;
  schema: string;
  /** API key -> organization id */
  keys: Record<string, string>;
  poolSize: number;
  encryptionKey: Buffer;
  port?: number;
  /**
   * Name the fixed statements, as the gateway does by default (DATABASE_PREPARED_STATEMENTS):
   * PostgreSQL then parses and plans each once per connection. Off unless BENCH_FLOOR_PREPARED=1:
   * the floor of issue #10 is the plain parameterised query.
   */
  prepared?: boolean;
}

interface Row {
  organizationId: string;
  id: string;
  name: string;
  description: string | null;
  url: string | null;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
  excludes: string[] | null;
  continueOnFailure: boolean;
  oauth: {
    clientId: string | null;
    clientSecret: string | null;
    authorizeUrl: string;
    tokenUrl: string;
    scope: string | null;
  } | null;
  serviceAuthType: string | null;
  serviceAuthToken: string | null;
  oauthGrant: { status: string } | null;
  category: string | null;
  icon: string | null;
  tags: string[] | null;
  pathHierarchy: boolean;
  assets: object | null;
  builtin: boolean;
  config: Record<string, unknown> | null;
  oauthConnectImplemented: boolean;
  processor: { enabled?: boolean; name?: string } | null;
}

function cohere(r: Row) {
  return {
    id: r.id,
    organization_id: r.organizationId,
    name: r.name,
    description: r.description ?? undefined,
    url: r.url ?? undefined,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
    excludes: r.excludes ?? undefined,
    auth_type: r.oauth
      ? 'oauth'
      : r.serviceAuthType && r.serviceAuthToken
        ? 'service_auth'
        : undefined,
    oauth: r.oauth
      ? {
          client_id: r.oauth.clientId ?? undefined,
          client_secret: r.oauth.clientSecret ? '******' : undefined,
          authorize_url: r.oauth.authorizeUrl,
          token_url: r.oauth.tokenUrl,
          scope: r.oauth.scope ?? undefined,
        }
      : undefined,
    auth_status: r.oauthGrant?.status,
    active: r.active,
    continue_on_failure: r.continueOnFailure,
  };
}

/** Coco's `_source` (the bench's rows hold no secret in `config`). */
function cocoSource(r: Row) {
  return {
    id: r.id,
    created: r.createdAt.toISOString(),
    updated: r.updatedAt.toISOString(),
    name: r.name,
    ...(r.description ? { description: r.description } : {}),
    ...(r.category ? { category: r.category } : {}),
    ...(r.icon ? { icon: r.icon } : {}),
    ...(r.tags?.length ? { tags: r.tags } : {}),
    ...(r.url ? { url: r.url } : {}),
    path_hierarchy: r.pathHierarchy,
    assets: r.assets ?? {},
    builtin: r.builtin,
    ...(r.config && Object.keys(r.config).length ? { config: r.config } : {}),
    oauth_connect_implemented: r.oauthConnectImplemented,
    processor: {
      enabled: r.processor?.enabled ?? false,
      ...(r.processor?.name ? { name: r.processor.name } : {}),
    },
    enabled: r.active,
  };
}

const SEARCH: Omit<ConnectorSearch, 'text'> = {
  filters: [],
  sort: [{ field: 'createdAt', direction: 'desc' }],
  from: 0,
  size: 10,
  trackTotalHits: 10_000,
  aggregations: [],
};

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    req.on('error', reject);
  });
}

function keyOf(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  const token = req.headers['x-api-token'];
  return typeof token === 'string' ? token : undefined;
}

export async function startFloor(
  options: FloorOptions,
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const pool = new Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize,
    options: `-c search_path=${options.schema},public`,
  });
  const keys = new Map(Object.entries(options.keys));
  const q = (name: string, text: string, values: unknown[]) =>
    options.prepared ? { name: `floor_${name}`, text, values } : { text, values };
  // The key as a KeyObject, made once, as the gateway's cipher keeps it.
  const sealKey = createSecretKey(options.encryptionKey);
  const seal = (value: string, context: string) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', sealKey, iv);
    cipher.setAAD(Buffer.from(context));
    const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return `gw1.floor.${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64url')}`;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://floor');
    const path = url.pathname;
    if (path === '/health') return send(res, 200, { status: 'ok' });
    const key = keyOf(req);
    const org = key ? keys.get(key) : undefined;
    if (!org) return send(res, 401, { message: 'invalid api token' });

    if (path === '/v1/connectors' && req.method === 'GET') {
      const limit = Number(url.searchParams.get('limit')) || 30;
      const offset = Number(url.searchParams.get('offset')) || 0;
      const { rows } = await pool.query<Row & { __total: string }>(
        q('list', CONNECTOR_SQL.list, [org, limit, offset]),
      );
      return send(res, 200, {
        connectors: rows.filter((r) => r.id !== null).map(cohere),
        total_count: Number(rows[0]?.__total ?? 0),
      });
    }
    if (path === '/v1/connectors' && req.method === 'POST') {
      const body = await readJson(req);
      const id = `${String(body.name).toLowerCase()}-${randomBytes(4).toString('hex')}`;
      const oauth = body.oauth as Record<string, string>;
      const now = new Date();
      const stored = {
        clientId: oauth.client_id ?? null,
        clientSecret: seal(oauth.client_secret ?? '', `connector:${org}/${id}#oauth`),
        authorizeUrl: oauth.authorize_url,
        tokenUrl: oauth.token_url,
        scope: oauth.scope ?? null,
      };
      await pool.query(
        q(
          'insert',
          `INSERT INTO connectors (organization_id, id, name, url, active, created_at, updated_at,
                                   created_by, updated_by, oauth)
           VALUES ($1, $2, $3, $4, true, $5, $5, 'floor', 'floor', $6::jsonb)`,
          [org, id, body.name, body.url, now, JSON.stringify(stored)],
        ),
      );
      return send(res, 200, {
        connector: cohere({
          organizationId: org,
          id,
          name: String(body.name),
          description: null,
          url: String(body.url),
          active: true,
          createdAt: now,
          updatedAt: now,
          excludes: null,
          continueOnFailure: false,
          oauth: stored,
          serviceAuthType: null,
          serviceAuthToken: null,
          oauthGrant: null,
        } as Row),
      });
    }
    if (path.startsWith('/v1/connectors/') && req.method === 'GET') {
      const id = decodeURIComponent(path.slice('/v1/connectors/'.length));
      const { rows } = await pool.query<Row>(q('findById', CONNECTOR_SQL.findById, [org, id]));
      if (!rows[0]) return send(res, 404, { message: `connector '${id}' not found` });
      return send(res, 200, { connector: cohere(rows[0]) });
    }
    if (path === '/connector/_search') {
      const body = req.method === 'POST' ? await readJson(req) : {};
      const text = url.searchParams.get('query') ?? undefined;
      const aggregate = 'aggs' in body;
      const spec: ConnectorSearch = {
        ...SEARCH,
        ...(text !== undefined ? { text } : {}),
        size: aggregate ? 0 : SEARCH.size,
        aggregations: aggregate ? [{ name: 'categories', field: 'category', size: 100 }] : [],
      };
      const started = performance.now();
      const statements = searchStatements(org, spec);
      const [count, hits, aggs] = await Promise.all([
        pool.query<{ n: number }>(statements.count.text, statements.count.values),
        statements.hits
          ? pool.query<Row>(statements.hits.text, statements.hits.values)
          : { rows: [] as Row[] },
        Promise.all(
          statements.aggregations.map((a) =>
            pool.query<{ key: string; n: string; all: string }>(
              a.statement.text,
              a.statement.values,
            ),
          ),
        ),
      ]);
      const total = count.rows[0]?.n ?? 0;
      const response: Record<string, unknown> = {
        took: Math.round(performance.now() - started),
        timed_out: false,
        _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
        hits: {
          total: {
            value: Math.min(total, spec.trackTotalHits),
            relation: total > spec.trackTotalHits ? 'gte' : 'eq',
          },
          max_score: null,
          hits: hits.rows.map((r) => ({
            _index: 'connector',
            _type: '_doc',
            _id: r.id,
            _score: null,
            _source: cocoSource(r),
          })),
        },
      };
      if (aggregate) {
        const rows = aggs[0]?.rows ?? [];
        const counted = rows.reduce((sum, r) => sum + Number(r.n), 0);
        response.aggregations = {
          categories: {
            doc_count_error_upper_bound: 0,
            sum_other_doc_count: (rows[0] ? Number(rows[0].all) : 0) - counted,
            buckets: rows.map((r) => ({ key: r.key, doc_count: Number(r.n) })),
          },
        };
      }
      return send(res, 200, response);
    }
    if (path.startsWith('/connector/') && req.method === 'PUT') {
      const id = decodeURIComponent(path.slice('/connector/'.length));
      const body = await readJson(req);
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<Row>(q('lockById', CONNECTOR_SQL.lockById, [org, id]));
        if (!rows[0]) {
          await client.query('ROLLBACK');
          return send(res, 404, { _id: id, result: 'not_found' });
        }
        await client.query(
          q(
            'update',
            `UPDATE connectors SET description = $3, updated_at = $4, updated_by = 'floor'
             WHERE organization_id = $1 AND id = $2`,
            [org, id, body.description ?? rows[0].description, new Date()],
          ),
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
      return send(res, 200, { _id: id, result: 'updated' });
    }
    return send(res, 404, { message: 'not found' });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { message: String(error) });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

/** As its own process (what `npm run bench` starts): options as JSON in FLOOR_OPTIONS. */
if (require.main === module) {
  const raw = JSON.parse(process.env.FLOOR_OPTIONS ?? '{}') as Omit<
    FloorOptions,
    'encryptionKey'
  > & { encryptionKey: string };
  startFloor({ ...raw, encryptionKey: Buffer.from(raw.encryptionKey, 'base64') })
    .then((floor) => {
      process.stdout.write(`${JSON.stringify({ url: floor.url, pid: process.pid })}\n`);
      process.once('SIGTERM', () => {
        void floor.close().finally(() => process.exit(0));
      });
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
