import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * The "no secret in clear" proof, for any dialect's tests:
 *
 *   const secrets = new SecretWatch();
 *   const responses = recordResponses(t.server);          // every body the server sends
 *   ... secrets.make('client-secret') wherever a test sends a secret ...
 *   afterAll: expectNoClearSecrets(responses.bodies, secrets.values);
 *             await expectNoClearSecretsInRows(t, secrets.values);
 *
 * Secrets made by `make` are letters, digits and '-', so no JSON, URL or SQL text encoding can hide
 * one from a plain substring search.
 */
export class SecretWatch {
  private readonly made = new Set<string>();

  /** A fresh clear secret, remembered so every later check looks for it. */
  make(label = 'secret'): string {
    const value = `${label}-${randomBytes(12).toString('hex')}`;
    this.made.add(value);
    return value;
  }

  get values(): string[] {
    return [...this.made];
  }
}

/** A sealed value as stored: `gw1.<8 hex key id>.<base64url>`. */
export const SEALED_VALUE = /^gw1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{40,}$/;

export interface RecordedResponse {
  method: string;
  url: string;
  status: number;
  body: string;
}

export interface ResponseRecorder {
  readonly bodies: RecordedResponse[];
  stop(): void;
}

/**
 * Records the raw body of every response `server` sends from now on (whatever the route, status
 * or content type), by listening to requests before the application does.
 */
export function recordResponses(server: Server): ResponseRecorder {
  const bodies: RecordedResponse[] = [];
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    const keep = (chunk: unknown, encoding?: unknown) => {
      if (typeof chunk === 'string') {
        chunks.push(
          Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'),
        );
      } else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.write = ((...args: unknown[]) => {
      keep(args[0], args[1]);
      return write(...args);
    }) as ServerResponse['write'];
    res.end = ((...args: unknown[]) => {
      if (typeof args[0] !== 'function') keep(args[0], args[1]);
      bodies.push({
        method: req.method ?? '',
        url: req.url ?? '',
        status: res.statusCode,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      return end(...args);
    }) as ServerResponse['end'];
  };
  server.prependListener('request', onRequest);
  return { bodies, stop: () => server.off('request', onRequest) };
}

/**
 * Fails when any clear secret appears anywhere in the given bodies: parsed JSON, raw text, or
 * recorded responses (reported with their method, path and status).
 */
export function expectNoClearSecrets(bodies: unknown, secrets: Iterable<string>): void {
  const list = [...secrets];
  if (!list.length) throw new Error('expectNoClearSecrets: no secrets to look for');
  const items = Array.isArray(bodies) ? (bodies as unknown[]) : [bodies];
  const leaks: string[] = [];
  for (const item of items) {
    const { where, text } = locate(item);
    for (const secret of list) {
      if (text.includes(secret)) leaks.push(`${where} contains the clear secret '${secret}'`);
    }
  }
  expect(leaks).toEqual([]);
}

function locate(item: unknown): { where: string; text: string } {
  if (isRecorded(item)) {
    return { where: `${item.method} ${item.url} -> ${item.status}`, text: item.body };
  }
  if (typeof item === 'string') return { where: 'body', text: item };
  return { where: 'body', text: JSON.stringify(item) ?? '' };
}

function isRecorded(item: unknown): item is RecordedResponse {
  return (
    typeof item === 'object' &&
    item !== null &&
    'body' in item &&
    'status' in item &&
    'method' in item &&
    typeof (item as RecordedResponse).body === 'string'
  );
}

/** What the row search needs of a test app (TestApp from test/app.ts is one). */
export interface RowSource {
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  config: { schema?: string };
}

/**
 * Fails when any clear secret appears in any column of any row of any table of the test schema
 * (every table, not only `connectors`: api keys, migrations and whatever a dialect adds later).
 * Returns how many tables were searched.
 */
export async function expectNoClearSecretsInRows(
  db: RowSource,
  secrets: Iterable<string>,
): Promise<number> {
  const schema = db.config.schema;
  if (!schema) throw new Error('expectNoClearSecretsInRows: the app has no test schema');
  const list = [...secrets];
  if (!list.length) throw new Error('expectNoClearSecretsInRows: no secrets to look for');
  const tables = await db.sql<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name`,
    [schema],
  );
  const leaks: string[] = [];
  for (const { table_name: table } of tables) {
    const match = list.map((_, i) => `strpos(t.r, $${i + 1}) > 0`).join(' OR ');
    const rows = await db.sql<{ r: string }>(
      `SELECT t.r FROM (SELECT row_to_json(x)::text AS r FROM ${quote(schema)}.${quote(table)} x) t
       WHERE ${match}`,
      list,
    );
    for (const { r } of rows) {
      const row = JSON.parse(r) as Record<string, unknown>;
      for (const [column, value] of Object.entries(row)) {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        for (const secret of list) {
          if (text?.includes(secret))
            leaks.push(`${table}.${column} holds the clear secret '${secret}'`);
        }
      }
    }
  }
  expect(leaks).toEqual([]);
  expect(tables.length).toBeGreaterThan(0);
  return tables.length;
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
