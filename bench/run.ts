/**
 * `npm run bench`: the gateway against its floor (bench/floor.ts), in one run, A B A B.
 *
 * Both servers get a schema of their own with the same rows; the same load tool (autocannon, in
 * this process) drives them in turn, each scenario in alternating rounds, and the figures are the
 * medians of the rounds: req/s, p50, p99 (ms), and the ratio gateway/floor. The gateway runs as in
 * production: `node <build>/main.js` in its own process, rate limits on (set far above what the
 * bench sends, never reached), request logging at info (to /dev/null), the API key guard,
 * validation and the dialect mappers. Then: the gateway's resident set after a minute of mixed
 * load and its growth over a further soak (BENCH_SOAK_MINUTES, default 0 = skipped), and the
 * time from `node main.js` to a healthy `/health` on the existing database.
 *
 * Environment: BENCH_DATABASE_URL / DATABASE_URL (else the local PostgreSQL), BENCH_ROUNDS (3),
 * BENCH_SECONDS (5), BENCH_WARMUP (2 unmeasured seconds per scenario and server), BENCH_CONNECTIONS (32), BENCH_SMALL (1000), BENCH_LARGE (100000),
 * BENCH_MEMORY_SECONDS (60), BENCH_SOAK_MINUTES (0), BENCH_OUT (bench-results/bench-<time>.json),
 * BENCH_ONLY (comma-separated scenario names), BENCH_SMOKE=1 (a few seconds: small sizes,
 * one short round, no memory phase; what test/bench-smoke.e2e-spec.ts runs), BENCH_PROFILE_DIR
 * (the timed gateway runs with `node --cpu-prof` and writes its profile there at the end; read it
 * with `node dist-bench/bench/profile-top.js <file>`), BENCH_GATEWAY_MAIN (another build's main.js,
 * to measure a previous version with the same bench), BENCH_ATTRIBUTION=1 (also Cohere get and
 * list on gateways with rate limits and/or request logs off, beside the floor: their share),
 * BENCH_GATEWAY_FLAGS (extra `node` flags for the gateway process, space-separated, e.g. V8 heap
 * flags: to measure them, never on by default), BENCH_FLOOR_PREPARED=1 (the floor names its
 * statements as the gateway does, so PostgreSQL plans them once per connection in both).
 */
import 'reflect-metadata';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createApp } from '../src/bootstrap';
import { loadConfig } from '../src/config/config';
import { runMigrationsLocked } from '../src/database/migrate';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { startFloor } from './floor';

export interface BenchOptions {
  databaseUrl: string;
  rounds: number;
  seconds: number;
  connections: number;
  /** Unmeasured seconds of each scenario on each server before its rounds (JIT, caches). */
  warmup: number;
  small: number;
  large: number;
  memorySeconds: number;
  soakMinutes: number;
  /** Also measure gateways with rate limits or request logs off (diagnostic). */
  attribution?: boolean;
  /** The floor names its statements too, as the gateway does (diagnostic; off by default). */
  floorPrepared?: boolean;
  only?: string[];
  /** `process`: `node main.js` and `node floor.js` (the real figures); `inline`: both in this process (the smoke test). */
  mode: 'process' | 'inline';
  out?: string;
  log?: (line: string) => void;
}

export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /**
   * CPU time the server process spent per answered request, in microseconds (user + system, from
   * /proc; null when the server shares this process). Steadier than req/s on a shared machine.
   */
  cpuUsPerRequest: number | null;
}

export interface ScenarioResult {
  name: string;
  description: string;
  gateway: Figures;
  floor: Figures;
  ratio: number;
  /** Floor CPU per request / gateway CPU per request: the ratio the CPU cost alone predicts. */
  cpuRatio: number | null;
  /** Every round, in the order run (gateway, floor, gateway, floor, ...). */
  rounds: Array<{ target: 'gateway' | 'floor' } & Figures>;
  /** Whether both servers gave the same body (reads only; `took` aside). */
  sameAnswer: boolean | null;
}

export interface BenchReport {
  date: string;
  machine: { nproc: number; node: string; loadavg: number[] };
  options: Omit<BenchOptions, 'log'>;
  scenarios: ScenarioResult[];
  derived: Record<string, number>;
  memory: {
    /** The gateway process's resident set (its own pid, from /proc) as the load ends. */
    rssAfterLoadMb: number;
    /** The highest resident set sampled (every second) during that load. */
    rssPeakMb: number;
    rssAfterSoakMb: number | null;
    /** The highest resident set sampled during the soak. */
    rssPeakSoakMb: number | null;
    growthPercent: number | null;
  } | null;
  start: { healthyMs: number } | null;
  /** What switching one part off would give (never how the gateway runs): BENCH_ATTRIBUTION=1. */
  attribution?: AttributionRow[];
}

export interface AttributionRow {
  scenario: string;
  variant: string;
  rps: number;
  cpuUsPerRequest: number | null;
  floorRps: number;
  floorCpuUsPerRequest: number | null;
  ratio: number;
}

/**
 * The share of the parts other modules own, measured rather than guessed: the same scenario on
 * gateways started with one part switched off (rate limits, request logging), each round beside
 * the floor. Diagnostic only: the figures above are the production settings.
 */
const VARIANTS: Array<{ name: string; env: Record<string, string> }> = [
  { name: 'production (limits on, info logs)', env: {} },
  { name: 'rate limits off', env: { RATE_LIMIT_PER_MINUTE: '0' } },
  { name: 'request log lines off (LOG_LEVEL=warn)', env: { LOG_LEVEL: 'warn' } },
  { name: 'both off', env: { RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn' } },
];

async function attribution(
  o: BenchOptions,
  env: NodeJS.ProcessEnv,
  keys: Record<string, string>,
  floor: Target,
  log: (line: string) => void,
): Promise<AttributionRow[]> {
  const rows: AttributionRow[] = [];
  const variants: Array<Target & { variant: string }> = [];
  try {
    for (const v of VARIANTS) {
      const g = await spawnGateway({ ...env, ...v.env });
      variants.push({ ...g, variant: v.name });
    }
    for (const s of scenarios(o).filter((x) => x.name.startsWith('cohere-') && x.compare)) {
      if (!s.name.endsWith(`-${o.small >= 1000 ? `${o.small / 1000}k` : o.small}`)) continue;
      const key = keys[ORGS[s.org]] ?? '';
      const figures = new Map<string, Figures[]>();
      for (const target of [...variants, floor]) {
        await load(target, key, s, Math.max(o.warmup, 1), o.connections);
      }
      for (let r = 0; r < o.rounds; r++) {
        for (const target of [...variants, floor]) {
          const name = 'variant' in target ? String(target.variant) : 'floor';
          const f = await load(target, key, s, o.seconds, o.connections);
          figures.set(name, [...(figures.get(name) ?? []), f]);
        }
      }
      const med = (name: string) => {
        const fs = figures.get(name) ?? [];
        const cpu = fs.map((f) => f.cpuUsPerRequest).filter((c): c is number => c !== null);
        return {
          rps: Math.round(median(fs.map((f) => f.rps))),
          cpu: cpu.length ? median(cpu) : null,
        };
      };
      const fl = med('floor');
      for (const v of variants) {
        const m = med(v.variant);
        const row: AttributionRow = {
          scenario: s.name,
          variant: v.variant,
          rps: m.rps,
          cpuUsPerRequest: m.cpu,
          floorRps: fl.rps,
          floorCpuUsPerRequest: fl.cpu,
          ratio: fl.rps ? Math.round((m.rps / fl.rps) * 100) / 100 : 0,
        };
        rows.push(row);
        log(
          `attribution ${s.name.padEnd(18)} ${v.variant.padEnd(36)} ${String(row.rps).padStart(6)} req/s ${String(row.cpuUsPerRequest ?? '-').padStart(6)} µs/req | floor ${String(row.floorRps).padStart(6)} req/s ${String(row.floorCpuUsPerRequest ?? '-').padStart(6)} µs/req | ratio ${row.ratio.toFixed(2)}`,
        );
      }
    }
  } finally {
    for (const v of variants) await v.stop();
  }
  return rows;
}

const ORGS = { small: 'bench-small', large: 'bench-large', writes: 'bench-writes' } as const;
const PUT_TARGETS = 5000;

interface Target {
  name: 'gateway' | 'floor';
  url: string;
  pid: number;
  stop(): Promise<void>;
}

interface Scenario {
  name: string;
  description: string;
  org: keyof typeof ORGS;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: string;
  /** A different path per request (distinct rows). */
  paths?: () => string;
  compare: boolean;
}

function scenarios(o: BenchOptions): Scenario[] {
  const sealed = JSON.stringify({
    name: 'bench',
    url: 'https://bench.example.com/search',
    oauth: {
      client_id: 'c',
      client_secret: 'a-client-secret',
      authorize_url: 'https://a.example.com/authorize',
      token_url: 'https://a.example.com/token',
    },
  });
  const aggs = JSON.stringify({
    aggs: { categories: { terms: { field: 'category', size: 100 } } },
    size: 0,
  });
  let next = 0;
  const size = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));
  const all: Scenario[] = [];
  for (const [org, n] of [
    ['small', o.small],
    ['large', o.large],
  ] as const) {
    all.push(
      {
        name: `cohere-get-${size(n)}`,
        description: `Cohere GET /v1/connectors/:id, ${n} connectors`,
        org,
        method: 'GET',
        path: '/v1/connectors/bench-7',
        compare: true,
      },
      {
        name: `cohere-list30-${size(n)}`,
        description: `Cohere GET /v1/connectors?limit=30 with exact total_count, ${n} connectors`,
        org,
        method: 'GET',
        path: '/v1/connectors?limit=30',
        compare: true,
      },
      {
        name: `coco-search-${size(n)}`,
        description: `Coco GET /connector/_search?query=gith (prefix), ${n} connectors`,
        org,
        method: 'GET',
        path: '/connector/_search?query=gith',
        compare: true,
      },
      {
        name: `coco-aggs-${size(n)}`,
        description: `Coco POST /connector/_search, terms aggregation on category, ${n} connectors`,
        org,
        method: 'POST',
        path: '/connector/_search',
        body: aggs,
        compare: true,
      },
    );
  }
  all.push(
    {
      name: 'cohere-create-sealed',
      description: 'Cohere POST /v1/connectors with an OAuth client secret sealed',
      org: 'writes',
      method: 'POST',
      path: '/v1/connectors',
      body: sealed,
      compare: false,
    },
    {
      name: 'coco-merge-put',
      description: 'Coco PUT /connector/:id (merge) on distinct connectors',
      org: 'writes',
      method: 'PUT',
      path: '/connector/put-1',
      body: JSON.stringify({ description: 'merged by the bench' }),
      paths: () => `/connector/put-${(next++ % PUT_TARGETS) + 1}`,
      compare: false,
    },
  );
  return o.only ? all.filter((s) => o.only?.includes(s.name)) : all;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

async function load(
  target: Target,
  key: string,
  s: Scenario,
  seconds: number,
  connections: number,
): Promise<Figures> {
  const cpuBefore = target.pid === process.pid ? null : cpuMicros(target.pid);
  const result = await autocannon({
    url: target.url,
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    requests: [
      {
        method: s.method,
        path: s.path,
        ...(s.body ? { body: s.body } : {}),
        ...(s.paths
          ? {
              setupRequest: (req: autocannon.Request) => ({ ...req, path: s.paths?.() ?? s.path }),
            }
          : {}),
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    cpuUsPerRequest:
      cpuBefore === null || !result.requests.total
        ? null
        : Math.round((cpuMicros(target.pid) - cpuBefore) / result.requests.total),
  };
}

/** User + system CPU time of a process so far, in microseconds. */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second).
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function fetchJson(target: Target, key: string, s: Scenario): Promise<unknown> {
  const res = await fetch(`${target.url}${s.path}`, {
    method: s.method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(s.body ? { body: s.body } : {}),
  });
  const body = (await res.json()) as Record<string, unknown>;
  delete body.took;
  return { status: res.status, body };
}

/** The connectors of one organization, the same in every schema. */
async function fill(sql: Client, schema: string, organizationId: string, count: number) {
  await sql.query(
    `INSERT INTO "${schema}".connectors
       (organization_id, id, name, description, url, active, created_at, updated_at, created_by,
        updated_by, category, tags, config, processor)
     SELECT $1, 'bench-' || g, 'Connector ' || g || CASE WHEN g % 50 = 0 THEN ' GitHub' ELSE '' END,
            'Benchmark connector number ' || g, 'https://source' || g || '.example.com/search', true,
            timestamptz '2026-01-01' + (g || ' seconds')::interval,
            timestamptz '2026-01-01' + (g || ' seconds')::interval, 'key_bench', 'key_bench',
            (ARRAY['website','cloud_storage','database'])[1 + g % 3],
            ARRAY['bench', 'group' || (g % 10)], '{"repos": ["a/b"]}'::jsonb, '{"enabled": true}'::jsonb
     FROM generate_series(1, $2) AS g`,
    [organizationId, count],
  );
}

async function migrate(databaseUrl: string, schema: string): Promise<void> {
  const ds = new DataSource(typeOrmOptions(databaseUrl, schema));
  await ds.initialize();
  try {
    // The gateway's own way: under its advisory lock, without its statement timeouts.
    await runMigrationsLocked(ds);
  } finally {
    await ds.destroy();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > until) throw new Error(`not healthy within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolveStop) => {
    if (child.exitCode !== null) return resolveStop();
    child.once('exit', () => resolveStop());
    child.kill('SIGTERM');
  });
}

/**
 * The Node options the gateway runs with in production: the image's `NODE_OPTIONS` and `npm
 * start`'s, both `config.nodeOptions` of package.json (test/node-options.e2e-spec.ts checks that
 * they agree). A `NODE_OPTIONS` in the bench's environment replaces them, to measure another.
 */
export function productionNodeOptions(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NODE_OPTIONS !== undefined) return env.NODE_OPTIONS;
  const pkg = JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')) as {
    config?: { nodeOptions?: string };
  };
  return pkg.config?.nodeOptions ?? '';
}

/** The gateway as in production: `node main.js` of the build this bench was built with. */
async function spawnGateway(
  env: NodeJS.ProcessEnv,
): Promise<Target & { healthyMs: number; child: ChildProcess }> {
  const port = await freePort();
  const main = env.BENCH_GATEWAY_MAIN ?? resolve(__dirname, '../src/main.js');
  const profile = env.BENCH_PROFILE_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${env.BENCH_PROFILE_DIR}`]
    : [];
  const started = performance.now();
  // BENCH_GATEWAY_FLAGS: extra node flags for the gateway (e.g. V8 heap flags), to measure them.
  const flags = env.BENCH_GATEWAY_FLAGS?.split(/\s+/).filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...flags, ...profile, main], {
    env: {
      ...env,
      NODE_OPTIONS: productionNodeOptions(env),
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(url, child, 60_000);
  } catch (error) {
    await stopChild(child);
    throw new Error(`gateway did not start: ${String(error)}\n${stderr}`, { cause: error });
  }
  return {
    name: 'gateway',
    url,
    pid: child.pid ?? 0,
    child,
    healthyMs: performance.now() - started,
    stop: () => stopChild(child),
  };
}

async function spawnFloor(options: object): Promise<Target> {
  const child = spawn(process.execPath, [join(__dirname, 'floor.js')], {
    env: { ...process.env, FLOOR_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolveLine, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolveLine(out.split('\n')[0] ?? '');
    });
    child.once('exit', (code) => reject(new Error(`floor exited with ${code}`)));
  });
  const { url } = JSON.parse(line) as { url: string };
  return { name: 'floor', url, pid: child.pid ?? 0, stop: () => stopChild(child) };
}

/** Samples a process's resident set every second while `during` runs: the last and the highest. */
async function sampledRss<T>(
  pid: number,
  during: Promise<T>,
): Promise<{ value: T; lastMb: number; peakMb: number }> {
  let peakMb = rssMb(pid);
  const timer = setInterval(() => (peakMb = Math.max(peakMb, rssMb(pid))), 1000);
  try {
    const value = await during;
    const lastMb = rssMb(pid);
    return { value, lastMb, peakMb: Math.max(peakMb, lastMb) };
  } finally {
    clearInterval(timer);
  }
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

/** Mixed load on the gateway alone: reads, search, creates and merges, round robin. */
async function mixed(
  target: Target,
  keys: Record<string, string>,
  seconds: number,
  o: BenchOptions,
) {
  const list = scenarios({ ...o, only: undefined });
  let i = 0;
  const result = await autocannon({
    url: target.url,
    connections: o.connections,
    duration: seconds,
    requests: [
      {
        setupRequest: (req: autocannon.Request) => {
          const s = list[i++ % list.length];
          if (!s) return req;
          return {
            ...req,
            method: s.method,
            path: s.paths?.() ?? s.path,
            body: s.body ?? '',
            headers: {
              authorization: `Bearer ${keys[ORGS[s.org]]}`,
              'content-type': 'application/json',
            },
          };
        },
      },
    ],
  });
  return result.non2xx + result.errors;
}

export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const log = o.log ?? ((line: string) => console.log(line));
  const tag = randomBytes(4).toString('hex');
  const schemas = { gateway: `gw_bench_${tag}_g`, floor: `gw_bench_${tag}_f` };
  const encryptionKey = randomBytes(32).toString('base64');
  const keys: Record<string, string> = {};
  for (const org of Object.values(ORGS)) keys[org] = `gw_bench_${randomBytes(16).toString('hex')}`;
  const sql = new Client({ connectionString: o.databaseUrl });
  await sql.connect();
  const stops: Array<() => Promise<void>> = [];
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: {
      nproc: availableParallelism(),
      node: process.version,
      loadavg: loadavg().map((n) => Math.round(n * 100) / 100),
    },
    options: { ...o, log: undefined } as Omit<BenchOptions, 'log'>,
    scenarios: [],
    derived: {},
    memory: null,
    start: null,
  };
  try {
    for (const schema of Object.values(schemas)) {
      await sql.query(`CREATE SCHEMA "${schema}"`);
      await migrate(o.databaseUrl, schema);
      for (const org of Object.values(ORGS)) {
        await sql.query(`INSERT INTO "${schema}".organizations (id) VALUES ($1)`, [org]);
      }
      log(`filling ${schema}: ${o.small} + ${o.large} connectors...`);
      await fill(sql, schema, ORGS.small, o.small);
      await fill(sql, schema, ORGS.large, o.large);
      await sql.query(
        `INSERT INTO "${schema}".connectors (organization_id, id, name, created_at, updated_at, created_by, updated_by)
         SELECT $1, 'put-' || g, 'Put target ' || g, now(), now(), 'key_bench', 'key_bench'
         FROM generate_series(1, ${PUT_TARGETS}) AS g`,
        [ORGS.writes],
      );
      await sql.query(`VACUUM ANALYZE "${schema}".connectors`);
    }

    const apiKeys = Object.entries(keys)
      .map(([org, key]) => `${org}:${key}`)
      .join(',');
    const production = {
      LOG_LEVEL: 'info',
      // On, as in production, and far above what the bench sends: never reached.
      RATE_LIMIT_PER_MINUTE: '100000000',
      GATEWAY_ENCRYPTION_KEY: encryptionKey,
      GATEWAY_API_KEYS: apiKeys,
    };
    let gateway: Target;
    let env: NodeJS.ProcessEnv = {};
    if (o.mode === 'process') {
      env = {
        ...process.env,
        ...production,
        DATABASE_URL: `${o.databaseUrl}${o.databaseUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schemas.gateway},public`)}`,
      };
      // The first start registers the keys and seeds the built-ins; the second is the one timed:
      // an existing database, migrations applied.
      const first = await spawnGateway(env);
      await first.stop();
      const timed = await spawnGateway(env);
      report.start = { healthyMs: Math.round(timed.healthyMs) };
      log(`start: healthy ${report.start.healthyMs} ms after node main.js`);
      gateway = timed;
    } else {
      const config = loadConfig(production);
      const app = await createApp(
        {
          ...config,
          databaseUrl: o.databaseUrl,
          schema: schemas.gateway,
          encryptionKey,
          embedded: false,
        },
        { logStream: new Writable({ write: (_c, _e, done) => done() }) },
      );
      await app.listen({ port: 0, host: '127.0.0.1' });
      gateway = {
        name: 'gateway',
        url: (await app.getUrl()).replace('[::1]', '127.0.0.1'),
        pid: process.pid,
        stop: () => app.close(),
      };
    }
    stops.push(() => gateway.stop());

    // The floor's schema gets the built-ins the gateway seeded, row for row.
    const columns = (
      await sql.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns
         WHERE table_schema = $1 AND table_name = 'connectors' AND is_generated = 'NEVER'`,
        [schemas.gateway],
      )
    ).rows
      .map((r) => `"${r.column_name}"`)
      .join(', ');
    await sql.query(
      `INSERT INTO "${schemas.floor}".connectors (${columns}) OVERRIDING SYSTEM VALUE
       SELECT ${columns} FROM "${schemas.gateway}".connectors WHERE builtin`,
    );

    const floorOptions = {
      databaseUrl: o.databaseUrl,
      schema: schemas.floor,
      keys: Object.fromEntries(Object.entries(keys).map(([org, key]) => [key, org])),
      poolSize: (typeOrmOptions(o.databaseUrl).extra as { max: number }).max,
      encryptionKey,
      prepared: o.floorPrepared ?? false,
    };
    let floor: Target;
    if (o.mode === 'process') {
      floor = await spawnFloor(floorOptions);
    } else {
      const f = await startFloor({
        ...floorOptions,
        encryptionKey: Buffer.from(encryptionKey, 'base64'),
      });
      floor = { name: 'floor', url: f.url, pid: process.pid, stop: () => f.close() };
    }
    stops.push(() => floor.stop());

    // The sizes of one route are measured in the same rounds (1k, 100k, 1k, 100k...), each beside
    // the floor, so that both the ratio and the flatness compare figures taken at the same time.
    const groups = new Map<string, Scenario[]>();
    for (const s of scenarios(o)) {
      const base = s.name.replace(/-\d+k?$/, '');
      groups.set(base, [...(groups.get(base) ?? []), s]);
    }
    for (const group of groups.values()) {
      const rounds = new Map<string, ScenarioResult['rounds']>();
      const same = new Map<string, boolean | null>();
      for (const s of group) {
        const key = keys[ORGS[s.org]] ?? '';
        let sameAnswer: boolean | null = null;
        if (s.compare) {
          const [a, b] = [await fetchJson(gateway, key, s), await fetchJson(floor, key, s)];
          sameAnswer = JSON.stringify(a) === JSON.stringify(b);
          if (!sameAnswer) {
            log(`  ${s.name}: the floor's answer differs from the gateway's`);
            log(`    gateway: ${JSON.stringify(a).slice(0, 400)}`);
            log(`    floor:   ${JSON.stringify(b).slice(0, 400)}`);
          }
        }
        same.set(s.name, sameAnswer);
        rounds.set(s.name, []);
        if (o.warmup > 0) {
          for (const target of [gateway, floor]) {
            await load(target, key, s, o.warmup, o.connections);
          }
        }
      }
      for (let r = 0; r < o.rounds; r++) {
        for (const s of group) {
          for (const target of [gateway, floor]) {
            const figures = await load(
              target,
              keys[ORGS[s.org]] ?? '',
              s,
              o.seconds,
              o.connections,
            );
            rounds.get(s.name)?.push({ target: target.name, ...figures });
          }
        }
      }
      for (const s of group) {
        const mine = rounds.get(s.name) ?? [];
        const of = (t: 'gateway' | 'floor'): Figures => {
          const theirs = mine.filter((r) => r.target === t);
          return {
            rps: Math.round(median(theirs.map((r) => r.rps))),
            p50: median(theirs.map((r) => r.p50)),
            p99: median(theirs.map((r) => r.p99)),
            non2xx: theirs.reduce((n, r) => n + r.non2xx, 0),
            errors: theirs.reduce((n, r) => n + r.errors, 0),
            cpuUsPerRequest:
              theirs[0]?.cpuUsPerRequest === null
                ? null
                : median(theirs.map((r) => r.cpuUsPerRequest ?? 0)),
          };
        };
        const result: ScenarioResult = {
          name: s.name,
          description: s.description,
          gateway: of('gateway'),
          floor: of('floor'),
          ratio: 0,
          cpuRatio: null,
          rounds: mine,
          sameAnswer: same.get(s.name) ?? null,
        };
        if (result.gateway.cpuUsPerRequest && result.floor.cpuUsPerRequest) {
          result.cpuRatio =
            Math.round((result.floor.cpuUsPerRequest / result.gateway.cpuUsPerRequest) * 100) / 100;
        }
        result.ratio = result.floor.rps
          ? Math.round((result.gateway.rps / result.floor.rps) * 100) / 100
          : 0;
        report.scenarios.push(result);
        log(
          `${s.name.padEnd(22)} gateway ${String(result.gateway.rps).padStart(6)} req/s (p50 ${result.gateway.p50} ms, p99 ${result.gateway.p99} ms)  floor ${String(result.floor.rps).padStart(6)} req/s (p50 ${result.floor.p50}, p99 ${result.floor.p99})  ratio ${result.ratio.toFixed(2)}${result.gateway.non2xx + result.gateway.errors + result.floor.non2xx + result.floor.errors ? '  NON-2XX/ERRORS' : ''}`,
        );
      }
    }

    const rps = (name: string) => report.scenarios.find((s) => s.name === name)?.gateway.rps;
    const size = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));
    for (const base of ['cohere-get', 'cohere-list30', 'coco-search', 'coco-aggs']) {
      const small = rps(`${base}-${size(o.small)}`);
      const large = rps(`${base}-${size(o.large)}`);
      if (small && large) {
        report.derived[`${base}: ${size(o.large)} / ${size(o.small)}`] =
          Math.round((large / small) * 100) / 100;
      }
    }

    if (o.attribution && o.mode === 'process') {
      report.attribution = await attribution(o, env, keys, floor, log);
    }

    if (o.memorySeconds > 0 && o.mode === 'process') {
      log(`memory: ${o.memorySeconds} s of mixed load on the gateway...`);
      const load = await sampledRss(gateway.pid, mixed(gateway, keys, o.memorySeconds, o));
      const bad = load.value;
      const after = load.lastMb;
      let soaked: number | null = null;
      let soakPeak: number | null = null;
      if (o.soakMinutes > 0) {
        log(`memory: a further ${o.soakMinutes} min of the same load...`);
        const soak = await sampledRss(gateway.pid, mixed(gateway, keys, o.soakMinutes * 60, o));
        soaked = soak.lastMb;
        soakPeak = soak.peakMb;
      }
      report.memory = {
        rssAfterLoadMb: after,
        rssPeakMb: load.peakMb,
        rssAfterSoakMb: soaked,
        rssPeakSoakMb: soakPeak,
        growthPercent: soaked === null ? null : Math.round(((soaked - after) / after) * 1000) / 10,
      };
      log(
        `memory: gateway RSS ${after} MB after ${o.memorySeconds} s (peak ${load.peakMb})${soaked === null ? '' : `, ${soaked} MB after ${o.soakMinutes} min more (peak ${soakPeak}; ${report.memory.growthPercent} %)`}${bad ? `  (${bad} non-2xx/errors)` : ''}`,
      );
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    for (const schema of Object.values(schemas)) {
      await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    }
    await sql.end();
  }

  log(
    '\nscenario                 gateway req/s  p50  p99  cpu µs | floor req/s  p50  p99  cpu µs | ratio  cpu ratio',
  );
  for (const s of report.scenarios) {
    const cpu = (f: Figures) => String(f.cpuUsPerRequest ?? '-').padStart(7);
    log(
      `${s.name.padEnd(24)} ${String(s.gateway.rps).padStart(13)} ${String(s.gateway.p50).padStart(4)} ${String(s.gateway.p99).padStart(4)} ${cpu(s.gateway)} | ${String(s.floor.rps).padStart(11)} ${String(s.floor.p50).padStart(4)} ${String(s.floor.p99).padStart(4)} ${cpu(s.floor)} | ${s.ratio.toFixed(2)}   ${s.cpuRatio?.toFixed(2) ?? '-'}`,
    );
  }
  for (const [name, value] of Object.entries(report.derived))
    log(`flat with size, ${name}: ${value.toFixed(2)}`);
  if (o.out) {
    mkdirSync(dirname(o.out), { recursive: true });
    writeFileSync(o.out, `${JSON.stringify(report, null, 2)}\n`);
    log(`\nwritten to ${o.out}`);
  }
  return report;
}

export function optionsFromEnv(env: NodeJS.ProcessEnv): BenchOptions {
  const smoke = env.BENCH_SMOKE === '1';
  const num = (name: string, normal: number, quick: number) =>
    env[name] !== undefined ? Number(env[name]) : smoke ? quick : normal;
  return {
    databaseUrl:
      env.BENCH_DATABASE_URL ?? env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    rounds: num('BENCH_ROUNDS', 3, 1),
    seconds: num('BENCH_SECONDS', 5, 1),
    connections: num('BENCH_CONNECTIONS', 32, 4),
    warmup: num('BENCH_WARMUP', 2, 0),
    small: num('BENCH_SMALL', 1000, 100),
    large: num('BENCH_LARGE', 100_000, 1000),
    memorySeconds: num('BENCH_MEMORY_SECONDS', 60, 0),
    soakMinutes: num('BENCH_SOAK_MINUTES', 0, 0),
    only: env.BENCH_ONLY ? env.BENCH_ONLY.split(',') : undefined,
    attribution: env.BENCH_ATTRIBUTION === '1',
    floorPrepared: env.BENCH_FLOOR_PREPARED === '1',
    mode: smoke ? 'inline' : 'process',
    out:
      env.BENCH_OUT ??
      join(
        process.cwd(),
        'bench-results',
        `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
      ),
  };
}

if (require.main === module) {
  runBench(optionsFromEnv(process.env)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
