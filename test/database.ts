import { Client } from 'pg';

/** The PostgreSQL the e2e tests use: TEST_DATABASE_URL, else DATABASE_URL, else the local one. */
export function testDatabaseUrl(): string {
  return (
    process.env.TEST_DATABASE_URL ||
    process.env.DATABASE_URL ||
    'postgres://postgres@127.0.0.1:5432/test'
  );
}

/** Every run gets a schema of its own, named so nobody mistakes it for real data. */
export const SCHEMA_PREFIX = 'gw_test_';

export async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** A client on the run's database (GW_TEST_DATABASE_URL once global setup has chosen it). */
export async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({
    connectionString: process.env.GW_TEST_DATABASE_URL ?? testDatabaseUrl(),
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
