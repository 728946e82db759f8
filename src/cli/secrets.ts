import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import type { RuntimeConfig } from '../config/runtime';
import { runMigrationsLocked } from '../database/migrate';
import { sqlRunner } from '../database/sql-runner';
import { parseKey, SecretCipher } from '../secrets/cipher';
import { auditEntryStatement } from '../audit/persistence/typeorm-audit-trail';
import { countSealedByKey, describeKeys, resealStore } from '../secrets/sealed-store';
import { withDatabase } from './context';

const USAGE = `usage: npm run secrets -- <command> [options]
       node dist/cli/secrets.js <command> [options]

commands:
  status                    how many sealed values each key id holds, and whether that key is
                            the current one, a previous one, or unknown (not configured)
  reseal [--batch-size N]   seal every value again under the current key, online (gateways keep
                            serving), a batch of rows at a time (default 200), printing progress;
                            safe to stop and run again

options:
  -h, --help                this text

The keys are GATEWAY_ENCRYPTION_KEY (current) and GATEWAY_PREVIOUS_ENCRYPTION_KEYS; the database is
DATABASE_URL, or the embedded one under DATA_DIR: the same environment as the gateway's.
Exit status: 0 when every sealed value uses a configured key (status) or the current key (reseal).`;

/** Where the command writes (the console, or a test's capture). */
export interface SecretsIo {
  out(line: string): void;
  err(line: string): void;
}

/** Opens the gateway's database with its configuration (context.ts `withDatabase`, or a test's). */
export type DatabaseOpener = <T>(
  fn: (dataSource: DataSource, config: RuntimeConfig) => Promise<T>,
) => Promise<T>;

const consoleIo: SecretsIo = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

/** `secrets status | reseal`: returns the exit status. */
export async function runSecrets(
  argv: string[],
  io: SecretsIo = consoleIo,
  open: DatabaseOpener = withDatabase,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        'batch-size': { type: 'string' },
      },
    });
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (!command || rest.length || !['status', 'reseal'].includes(command)) {
    io.err(USAGE);
    return 2;
  }
  const batchText = values['batch-size'];
  const batchSize = batchText === undefined ? 200 : Number(batchText);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    io.err('--batch-size must be an integer from 1 to 10000');
    return 2;
  }
  if (command === 'status' && batchText !== undefined) {
    io.err(`--batch-size belongs to reseal\n\n${USAGE}`);
    return 2;
  }

  try {
    return await open(async (dataSource, config) => {
      await runMigrationsLocked(dataSource);
      const cipher = new SecretCipher(
        parseKey(config.encryptionKey),
        config.previousEncryptionKeys.map(parseKey),
      );
      const db = sqlRunner(dataSource);
      if (command === 'status') return status(db, cipher, io);
      return reseal(db, cipher, batchSize, io);
    });
  } catch (error) {
    io.err(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

async function status(
  db: ReturnType<typeof sqlRunner>,
  cipher: SecretCipher,
  io: SecretsIo,
): Promise<number> {
  const keys = describeKeys(cipher, await countSealedByKey(db));
  io.out('key id    values  key');
  for (const k of keys) {
    const note =
      k.state === 'unknown'
        ? 'unknown: not configured, these values cannot be opened'
        : k.state === 'previous' && k.values === 0
          ? 'previous: nothing uses it, it can be removed'
          : k.state;
    io.out(`${k.keyId.padEnd(8)}  ${String(k.values).padStart(6)}  ${note}`);
  }
  const older = keys.filter((k) => k.state !== 'current').reduce((n, k) => n + k.values, 0);
  io.out(`${older} sealed values use keys other than the current one`);
  return keys.some((k) => k.state === 'unknown' && k.values > 0) ? 1 : 0;
}

async function reseal(
  db: ReturnType<typeof sqlRunner>,
  cipher: SecretCipher,
  batchSize: number,
  io: SecretsIo,
): Promise<number> {
  io.out(`re-sealing under the current key ${cipher.primaryKeyId}, ${batchSize} rows a batch`);
  const result = await resealStore(db, cipher, {
    batchSize,
    // One `reseal` audit entry per re-sealed connector, in its batch's transaction.
    audit: { statement: auditEntryStatement },
    onProgress: (p) =>
      io.out(
        `${p.table}: ${p.rows} rows, ${p.resealed} values re-sealed` +
          (p.failed ? `, ${p.failed} did not open` : ''),
      ),
  });
  io.out(`done: ${result.resealed} values re-sealed`);
  if (result.failed) {
    io.out(
      `${result.failed} values under older keys did not open and were left as they were ` +
        '(`secrets status` shows their key ids)',
    );
  }
  io.out(`${result.remaining} sealed values still use older keys`);
  if (result.remaining === 0) {
    io.out(
      'every sealed value uses the current key: GATEWAY_PREVIOUS_ENCRYPTION_KEYS can be emptied',
    );
    return 0;
  }
  return 1;
}

if (require.main === module) {
  void runSecrets(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
