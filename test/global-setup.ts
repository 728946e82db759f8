import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../src/database/embedded';
import { canConnect, SCHEMA_PREFIX, testDatabaseUrl, withClient } from './database';

/**
 * A clean schema for this run (the tests never touch any other). The database is TEST_DATABASE_URL,
 * DATABASE_URL, or the local PostgreSQL; on a machine with none of them the suite runs on the
 * embedded PostgreSQL the gateway itself uses, so `npm test` works on a fresh laptop.
 */
export default async function globalSetup(): Promise<void> {
  let url = testDatabaseUrl();
  let embedded = false;
  const explicit = Boolean(process.env.TEST_DATABASE_URL || process.env.DATABASE_URL);
  if (process.env.GW_TEST_EMBEDDED === '1' || (!explicit && !(await canConnect(url)))) {
    const db = await startEmbeddedPostgres(mkdtempSync(join(tmpdir(), 'gw-test-db-')));
    (globalThis as { __gwEmbedded?: { stop(): Promise<void> } }).__gwEmbedded = db;
    url = db.url;
    embedded = true;
    console.log(
      `\ntesting on the embedded PostgreSQL (no PostgreSQL at ${testDatabaseUrl()}, or GW_TEST_EMBEDDED=1)`,
    );
  }
  process.env.GW_TEST_DATABASE_URL = url;
  if (embedded) process.env.GW_TEST_EMBEDDED_ACTIVE = '1';
  const schema = `${SCHEMA_PREFIX}${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await withClient(async (client) => {
    await client.query(`CREATE SCHEMA "${schema}"`);
    // PGlite serves every connection from one session and ignores the startup `options` that set
    // the search path on a real server: set it on that session instead.
    if (embedded) await client.query(`SET search_path TO "${schema}", public`);
  });
  process.env.GW_TEST_SCHEMA = schema;
  // One encryption key for the whole run: every suite shares the schema, and the gateway refuses
  // to start over values sealed under a key it does not hold.
  process.env.GW_TEST_ENCRYPTION_KEY = randomBytes(32).toString('base64');
}
