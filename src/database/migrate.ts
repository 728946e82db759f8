import { type DataSource, type Migration, MigrationExecutor } from 'typeorm';

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
    // The gateway's sessions carry statement and lock timeouts made for requests; waiting for
    // another replica's migrations, or building an index, may take longer.
    await runner.query('SET statement_timeout = 0');
    await runner.query('SET lock_timeout = 0');
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK.toString()]);
    try {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      return await executor.executePendingMigrations();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()]);
      await runner.query('RESET statement_timeout');
      await runner.query('RESET lock_timeout');
    }
  } finally {
    await runner.release();
  }
}
