import { withClient } from './database';

export default async function globalTeardown(): Promise<void> {
  const schema = process.env.GW_TEST_SCHEMA;
  if (schema && !process.env.GW_KEEP_TEST_SCHEMA) {
    await withClient((client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
  }
  await (globalThis as { __gwEmbedded?: { stop(): Promise<void> } }).__gwEmbedded?.stop();
}
