import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type AuditRecord, encodeCursor } from '../audit/audit';
import { auditHasherFor } from '../audit/audit.module';
import { TypeOrmAuditTrail } from '../audit/persistence/typeorm-audit-trail';
import { runMigrationsLocked } from '../database/migrate';
import { fail, withDatabase } from './context';

const USAGE = `usage: npm run audit -- --org <organization> [options]

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

/** `connector-gateway audit`: the organization's (or one connector's) audit trail. */
export async function runAudit(
  argv: string[],
  print: (line: string) => void = (line) => console.log(line),
): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      org: { type: 'string' },
      connector: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
      fingerprint: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    print(USAGE);
    return;
  }
  if (!values.org) throw new Error(`--org is required\n\n${USAGE}`);
  const since = values.since === undefined ? new Date(0) : new Date(values.since);
  if (Number.isNaN(since.getTime())) throw new Error('--since must be an RFC 3339 date-time');
  const limit = values.limit === undefined ? 1000 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new Error('--limit must be a positive integer');
  const candidate =
    values.fingerprint === '-' ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : values.fingerprint;

  await withDatabase(async (dataSource, config) => {
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

if (require.main === module) {
  runAudit(process.argv.slice(2)).catch((error: unknown) =>
    fail(error instanceof Error ? error.message : String(error)),
  );
}
