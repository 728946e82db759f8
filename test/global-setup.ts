import { randomBytes } from 'node:crypto';
import { SCHEMA_PREFIX, testDatabaseUrl, withClient } from './database';

/**
 * A clean schema for this run (the tests never touch any other), with the extensions the
 * migrations need installed where every schema sees them.
 */
export default async function globalSetup(): Promise<void> {
  const schema = `${SCHEMA_PREFIX}${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await withClient(async (client) => {
    await client.query(`CREATE SCHEMA "${schema}"`);
  });
  process.env.GW_TEST_SCHEMA = schema;
  process.env.GW_TEST_DATABASE_URL = testDatabaseUrl();
}
