/**
 * `npm run bench`: throughput of the main routes through the real HTTP stack and database, printed
 * as figures. The machine is shared, so read the ratios measured in one run (large organization vs
 * small, sealing vs not), not the absolute numbers.
 *
 * Database: BENCH_DATABASE_URL, DATABASE_URL or the local PostgreSQL; a schema made for the run and
 * dropped after it. BENCH_SIZE (default 20000) connectors fill the large organization.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { ApiKeysService } from '../src/auth/api-keys.service';
import { createApp } from '../src/bootstrap';
import { loadConfig } from '../src/config/config';

const DURATION = Number(process.env.BENCH_SECONDS ?? 4);
const SIZE = Number(process.env.BENCH_SIZE ?? 20_000);
const url =
  process.env.BENCH_DATABASE_URL ??
  process.env.DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';

interface Row {
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(
  base: string,
  key: string,
  scenario: string,
  opts: Partial<autocannon.Options>,
) {
  const result = await autocannon({
    url: base,
    connections: 8,
    duration: DURATION,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...opts,
  });
  const errors = result.errors + result.non2xx;
  return {
    scenario,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors,
  };
}

async function fill(sql: Client, schema: string, organizationId: string, count: number) {
  await sql.query(
    `INSERT INTO "${schema}".connectors
       (organization_id, id, name, description, url, active, created_at, updated_at, category, tags, config, processor)
     SELECT $1, 'bench-' || g, 'Connector ' || g || CASE WHEN g % 50 = 0 THEN ' GitHub' ELSE '' END,
            'Benchmark connector number ' || g, 'https://source' || g || '.example.com/search', true,
            now() - (g || ' seconds')::interval, now(), (ARRAY['website','cloud_storage','database'])[1 + g % 3],
            ARRAY['bench', 'group' || (g % 10)], '{"repos": ["a/b"]}'::jsonb, '{"enabled": true}'::jsonb
     FROM generate_series(1, $2) AS g`,
    [organizationId, count],
  );
  await sql.query(`ANALYZE "${schema}".connectors`);
}

async function main() {
  const schema = `gw_bench_${randomBytes(4).toString('hex')}`;
  const sql = new Client({ connectionString: url });
  await sql.connect();
  await sql.query(`CREATE SCHEMA "${schema}"`);
  const base = loadConfig({ LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0' });
  const app = await createApp(
    {
      ...base,
      databaseUrl: url,
      schema,
      encryptionKey: randomBytes(32).toString('base64'),
      embedded: false,
    },
    { logs: false },
  );
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const root = await app.getUrl();
    const keys = app.get(ApiKeysService);
    const small = await keys.issue('bench-small');
    const large = await keys.issue('bench-large');
    // Creates go to an organization of their own, so they do not grow the ones read from.
    const writer = await keys.issue('bench-writes');
    await fill(sql, schema, 'bench-small', 100);
    console.log(`filling the large organization with ${SIZE} connectors...`);
    await fill(sql, schema, 'bench-large', SIZE);

    const rows: Row[] = [];
    const run = async (scenario: string, key: string, opts: Partial<autocannon.Options>) => {
      const row = await load(root, key, scenario, opts);
      rows.push(row);
      console.log(`${scenario.padEnd(48)} ${row.rps.toFixed(0).padStart(7)} req/s`);
      return row;
    };

    const health = await run('GET /health (framework floor)', small.key, { url: `${root}/health` });
    const getOne = await run('GET /v1/connectors/:id', small.key, {
      url: `${root}/v1/connectors/bench-7`,
    });
    const listSmall = await run('GET /v1/connectors?limit=30 (100 connectors)', small.key, {
      url: `${root}/v1/connectors?limit=30`,
    });
    const listLarge = await run(`GET /v1/connectors?limit=30 (${SIZE} connectors)`, large.key, {
      url: `${root}/v1/connectors?limit=30`,
    });
    const body = (secret: boolean) =>
      JSON.stringify({
        name: 'Bench',
        url: 'https://bench.example.com/search',
        ...(secret
          ? {
              oauth: {
                client_id: 'c',
                client_secret: 'a-client-secret',
                authorize_url: 'https://a.example.com/authorize',
                token_url: 'https://a.example.com/token',
              },
            }
          : {}),
      });
    const createPlain = await run('POST /v1/connectors (no secret)', writer.key, {
      url: `${root}/v1/connectors`,
      method: 'POST',
      body: body(false),
    });
    const createSealed = await run('POST /v1/connectors (client secret sealed)', writer.key, {
      url: `${root}/v1/connectors`,
      method: 'POST',
      body: body(true),
    });
    let searchRatio: string | null = null;
    const probe = await fetch(`${root}/connector/_search?query=gith`, {
      headers: { authorization: `Bearer ${small.key}` },
    });
    if (probe.ok) {
      const searchSmall = await run('GET /connector/_search?query=gith (100)', small.key, {
        url: `${root}/connector/_search?query=gith`,
      });
      const searchLarge = await run(`GET /connector/_search?query=gith (${SIZE})`, large.key, {
        url: `${root}/connector/_search?query=gith`,
      });
      searchRatio = (searchLarge.rps / searchSmall.rps).toFixed(2);
    }

    console.log(
      '\nscenario                                          req/s   p50 ms   p99 ms  errors',
    );
    for (const r of rows) {
      console.log(
        `${r.scenario.padEnd(48)} ${r.rps.toFixed(0).padStart(7)} ${String(r.p50).padStart(8)} ${String(r.p99).padStart(8)} ${String(r.errors).padStart(7)}`,
      );
    }
    console.log('\nratios (same run):');
    console.log(`  get one / health floor:              ${(getOne.rps / health.rps).toFixed(2)}`);
    console.log(
      `  list, ${SIZE} vs 100 connectors:       ${(listLarge.rps / listSmall.rps).toFixed(2)}  (the page is an index scan; the exact total_count Cohere requires counts the organization's rows)`,
    );
    console.log(
      `  create, sealed secret vs none:       ${(createSealed.rps / createPlain.rps).toFixed(2)}  (near 1: sealing is cheap)`,
    );
    if (searchRatio) console.log(`  search, ${SIZE} vs 100 connectors:     ${searchRatio}`);
  } finally {
    await app.close();
    await sql.query(`DROP SCHEMA "${schema}" CASCADE`);
    await sql.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
