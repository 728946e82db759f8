import type { DataSource, Migration } from 'typeorm';

/** Any fixed 64-bit number, the same in every replica: the lock all migrators queue on. */
const MIGRATION_LOCK = 7_164_021_982_553_001n;

/**
 * Runs pending migrations while holding a PostgreSQL advisory lock, so replicas starting together
 * migrate one at a time: the first applies, the others find nothing left to do.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK.toString()]);
    try {
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()]);
    }
  } finally {
    await runner.release();
  }
}
