import { readFileSync } from 'node:fs';
import type { DataSource } from 'typeorm';
import { type AuditRecord, encodeCursor } from '../audit/audit';
import { auditHasherFor } from '../audit/audit.module';
import { TypeOrmAuditTrail } from '../audit/persistence/typeorm-audit-trail';
import type { RuntimeConfig } from '../config/runtime';
import { runMigrationsLocked } from '../database/migrate';
import { parseOptions, UsageError, withDatabase } from './context';

export const AUDIT_USAGE = `usage: connector-gateway audit --org <organization> [options]
       (npm run audit -- --org <organization> [options])

Prints the audit trail of an organization as JSON lines, oldest first.

  --org <id>            the organization (required)
  --connector <id>      only this connector's entries (its history, kept after a delete)
  --since <RFC 3339>    entries at or after this instant (default: the oldest kept)
  --limit <n>           at most n entries (default 1000)
  --fingerprint <value> only entries with a secret whose fingerprint is this candidate value's,
                        each with "matched": the paths; "-" reads the value from standard input
                        (keeps it out of the shell history)
  --help                this text

Secrets are never in the trail: only "changed" with an HMAC-SHA256 fingerprint under a key
derived from GATEWAY_ENCRYPTION_KEY (and checked against GATEWAY_PREVIOUS_ENCRYPTION_KEYS too).`;

const PAGE = 500;

/** Opens the gateway's database with its configuration (context.ts `withDatabase`, or a test's). */
export type AuditDatabaseOpener = <T>(
  fn: (dataSource: DataSource, config: RuntimeConfig) => Promise<T>,
) => Promise<T>;

/** `connector-gateway audit`: the organization's (or one connector's) audit trail. */
export async function runAudit(
  argv: string[],
  print: (line: string) => void = (line) => console.log(line),
  open: AuditDatabaseOpener = withDatabase,
): Promise<void> {
  const values = parseOptions(
    argv,
    {
      org: { type: 'string' },
      connector: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
      fingerprint: { type: 'string' },
    },
    AUDIT_USAGE,
    ['org'],
  );
  const since = values.since === undefined ? new Date(0) : new Date(values.since);
  if (Number.isNaN(since.getTime())) {
    throw new UsageError('--since must be an RFC 3339 date-time', AUDIT_USAGE);
  }
  const limit = values.limit === undefined ? 1000 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new UsageError('--limit must be a positive integer', AUDIT_USAGE);
  }
  const candidate =
    values.fingerprint === '-' ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : values.fingerprint;

  await open(async (dataSource, config) => {
    await runMigrationsLocked(dataSource);
    const trail = new TypeOrmAuditTrail(dataSource);
    const hasher = auditHasherFor(config);
    const matches = (record: AuditRecord): string[] =>
      record.changes.flatMap((c) =>
        'fingerprint' in c && candidate !== undefined && hasher.matches(candidate, c.fingerprint)
          ? [c.path]
          : [],
      );
    let printed = 0;
    let from: Parameters<TypeOrmAuditTrail['export']>[1] = { since };
    for (;;) {
      const page = await trail.export(values.org as string, from, PAGE, values.connector);
      for (const record of page) {
        const matched = matches(record);
        if (candidate !== undefined && !matched.length) continue;
        print(
          JSON.stringify({
            ...record,
            occurredAt: record.occurredAt.toISOString(),
            cursor: encodeCursor(record),
            ...(candidate !== undefined ? { matched } : {}),
          }),
        );
        if (++printed >= limit) return;
      }
      const last = page[page.length - 1];
      if (!last || page.length < PAGE) return;
      from = { after: last };
    }
  });
}
