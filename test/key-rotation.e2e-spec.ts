import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { runSecrets, type DatabaseOpener } from '../src/cli/secrets';
import type { RuntimeConfig } from '../src/config/runtime';
import { ConnectorsService } from '../src/connectors/connectors.service';
import type { Actor } from '../src/connectors/domain/connector.input';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { sqlRunner } from '../src/database/sql-runner';
import { parseKey, SecretCipher } from '../src/secrets/cipher';
import { auditEntryStatement } from '../src/audit/persistence/typeorm-audit-trail';
import { resealStore } from '../src/secrets/sealed-store';
import { startTestApp, testConfig, type TestApp } from './app';
import { cohereClient, createConnector } from './cohere-client';
import { withClient } from './database';
import { expectNoClearSecrets, recordResponses, SecretWatch } from './secrets';

/**
 * Key rotation end to end, on a real PostgreSQL: secrets made under K1; the gateway restarted with
 * K2 and K1 as previous key serves and opens them; `secrets reseal` moves every value to K2 while
 * requests keep coming; `secrets status` then shows nothing under K1; the gateway runs on K2 alone;
 * and a key set missing a key id in use stops the start, naming it and its count.
 *
 * Its own schema: re-sealing rewrites every row, which must not touch the other suites' data.
 */
const ROOT = resolve(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli', 'secrets.js');

const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('base64');
const K3 = randomBytes(32).toString('base64');
const id1 = parseKey(K1).id;
const id2 = parseKey(K2).id;
const id3 = parseKey(K3).id;

// PGlite (the embedded fallback of test/global-setup.ts) serves every connection from one session
// and ignores per-connection search paths, so a second schema cannot be used there.
const onServer = process.env.GW_TEST_EMBEDDED_ACTIVE ? describe.skip : describe;

onServer('key rotation', () => {
  const schema = `${process.env.GW_TEST_SCHEMA ?? 'gw_test_missing'}_rotation`;
  const secrets = new SecretWatch();
  /** Every app this suite starts, closed at the end whatever happened. */
  const apps: TestApp[] = [];
  let t: TestApp;
  let actor: Actor;
  let key: string;
  /** What each connector holds in clear, by id. */
  const clear = new Map<
    string,
    { oauthClientSecret?: string; serviceAuthToken?: string; config?: object }
  >();

  const keysConfig = (current: string, previous: string[] = []): Partial<RuntimeConfig> => ({
    schema,
    encryptionKey: current,
    previousEncryptionKeys: previous,
  });
  async function start(current: string, previous: string[] = []): Promise<TestApp> {
    const app = await startTestApp(keysConfig(current, previous));
    apps.push(app);
    return app;
  }
  async function restart(current: string, previous: string[] = []): Promise<TestApp> {
    await t.close();
    apps.splice(apps.indexOf(t), 1);
    t = await start(current, previous);
    return t;
  }

  /** The `secrets` command in process, on this suite's schema, with its output captured. */
  async function secretsCli(argv: string[], current: string, previous: string[] = []) {
    const config = testConfig(keysConfig(current, previous));
    const open: DatabaseOpener = async (fn) => {
      const dataSource = new DataSource(typeOrmOptions(config.databaseUrl, schema));
      await dataSource.initialize();
      try {
        return await fn(dataSource, config);
      } finally {
        await dataSource.destroy();
      }
    };
    const out: string[] = [];
    const err: string[] = [];
    const code = await runSecrets(
      argv,
      { out: (l) => out.push(...l.split('\n')), err: (l) => err.push(...l.split('\n')) },
      open,
    );
    return { code, out, err };
  }

  /**
   * Key ids of every sealed value in the raw rows, counted here rather than by the code: JSON
   * strings of the sealed form (not object keys, not inside another string).
   */
  async function keyIdsInRows(): Promise<Record<string, number>> {
    const rows = await t.sql<{ r: string }>('SELECT row_to_json(c)::text AS r FROM connectors c');
    const counts: Record<string, number> = {};
    for (const { r } of rows) {
      for (const m of r.matchAll(/(?<!\\)"gw1\.([0-9a-f]{8})\.[A-Za-z0-9_-]+"(?!\s*:)/g)) {
        const id = m[1];
        counts[id] = (counts[id] ?? 0) + 1;
      }
    }
    return counts;
  }

  async function expectAllSecretsOpen(app: TestApp) {
    const service = app.app.get(ConnectorsService);
    for (const [id, expected] of clear) {
      expect(await service.openSecrets(actor, id)).toMatchObject(expected);
    }
  }

  /** Reads through all three dialects: every one answers, masked, no clear secret. */
  async function expectReadsWork(app: TestApp) {
    const responses = recordResponses(app.server);
    try {
      const list = await request(app.server)
        .get('/v1/connectors')
        .query({ limit: 100 })
        .set('Authorization', `Bearer ${key}`)
        .expect(200);
      expect(list.body.connectors.length).toBeGreaterThanOrEqual(clear.size);
      for (const id of clear.keys()) {
        const coco = await request(app.server)
          .get(`/connector/${id}`)
          .set('X-API-TOKEN', key)
          .expect(200);
        if (clear.get(id)?.config) expect(coco.body._source.config.token).toBe('******');
      }
      await request(app.server)
        .get('/generic/v1/connectors')
        .set('Authorization', `Bearer ${key}`)
        .expect(200);
      expectNoClearSecrets(responses.bodies, secrets.values);
    } finally {
      responses.stop();
    }
  }

  beforeAll(async () => {
    await withClient((c) => c.query(`CREATE SCHEMA "${schema}"`));
    t = await start(K1);
    const o = await t.newOrganization('rotation');
    key = o.key;
    actor = { organizationId: o.organizationId, apiKeyId: o.keyId };
    const api = cohereClient(t.server, key);
    for (let i = 0; i < 6; i++) {
      const clientSecret = secrets.make('client-secret');
      const c = await createConnector(api, {
        name: `OAuth ${i}`,
        url: `https://oauth${i}.example.com/search`,
        oauth: {
          client_id: `client-${i}`,
          client_secret: clientSecret,
          authorize_url: 'https://auth.example.com/authorize',
          token_url: 'https://auth.example.com/token',
        },
      });
      clear.set(c.id, { oauthClientSecret: clientSecret });
    }
    for (let i = 0; i < 6; i++) {
      const token = secrets.make('service-token');
      const c = await createConnector(api, {
        name: `Service ${i}`,
        url: `https://svc${i}.example.com/search`,
        service_auth: { type: 'bearer', token },
      });
      clear.set(c.id, { serviceAuthToken: token });
    }
    for (let i = 0; i < 12; i++) {
      const config = {
        token: secrets.make('cfg-token'),
        region: 'eu',
        db: { host: 'db.example.com', password: secrets.make('cfg-password') },
        accounts: [{ name: 'a', api_key: secrets.make('cfg-api-key') }],
      };
      const made = await request(t.server)
        .post('/connector/')
        .set('X-API-TOKEN', key)
        .send({ name: `Config ${i}`, config })
        .expect(200);
      clear.set(made.body._id as string, { config });
    }
  });

  afterAll(async () => {
    try {
      for (const app of apps.splice(0)) await app.close();
    } finally {
      await withClient((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    }
  });

  // 6 client secrets + 6 service tokens + 12 configs of 3 secrets each.
  const SEALED = 6 + 6 + 12 * 3;

  it('stores every secret under K1, and `secrets status` counts them', async () => {
    expect(await keyIdsInRows()).toEqual({ [id1]: SEALED });
    const status = await secretsCli(['status'], K1);
    expect(status.code).toBe(0);
    expect(status.out).toContainEqual(
      expect.stringMatching(new RegExp(`^${id1}\\s+${SEALED}\\s+current$`)),
    );
    expect(status.out).toContain('0 sealed values use keys other than the current one');
  });

  it('counts only sealed values: a key or a mention of the form is not one, and a plain value of the form is refused', async () => {
    const form = `gw1.0badc0de.${'A'.repeat(40)}`;
    const refused = await request(t.server)
      .post('/connector/')
      .set('X-API-TOKEN', key)
      .send({ name: 'Lookalike', config: { region: form } });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('config.region');
    const mentions = await request(t.server)
      .post('/connector/')
      .set('X-API-TOKEN', key)
      .send({ name: 'Mentions', config: { [form]: 1, note: `"${form}"`, nested: { [form]: 'x' } } })
      .expect(200);
    try {
      expect(await keyIdsInRows()).toEqual({ [id1]: SEALED });
      const status = await secretsCli(['status'], K1);
      expect(status.out).not.toContainEqual(expect.stringMatching(/^0badc0de/));
      expect(status.code).toBe(0);
    } finally {
      await request(t.server)
        .delete(`/connector/${mentions.body._id as string}`)
        .set('X-API-TOKEN', key)
        .expect(200);
    }
  });

  it('refuses to start with K2 alone while values use K1, naming K1 and how many', async () => {
    await expect(start(K2)).rejects.toThrow(
      new RegExp(`key id ${id1} \\(${SEALED} sealed values\\)`),
    );
  });

  it('restarted with K2 and K1 as previous key: reads work, masked, and every secret opens', async () => {
    await restart(K2, [K1]);
    await expectReadsWork(t);
    await expectAllSecretsOpen(t);
    const status = await secretsCli(['status'], K2, [K1]);
    expect(status.out).toContainEqual(
      expect.stringMatching(new RegExp(`^${id1}\\s+${SEALED}\\s+previous$`)),
    );
    expect(status.out).toContainEqual(
      expect.stringMatching(new RegExp(`^${id2}\\s+0\\s+current$`)),
    );
  });

  it('re-seals a written connector under K2 at once (lazy rotation), secrets kept', async () => {
    const [id] = [...clear.keys()].filter((k) => clear.get(k)?.config);
    await request(t.server)
      .put(`/connector/${id}`)
      .set('X-API-TOKEN', key)
      .send({ description: 'touched' })
      .expect(200);
    expect(await keyIdsInRows()).toEqual({ [id1]: SEALED - 3, [id2]: 3 });
    await expectAllSecretsOpen(t);
  });

  it('a reseal stopped halfway has kept what it did, and the next run goes on from there', async () => {
    const before = await keyIdsInRows();
    const stop = new Error('stopped by the operator');
    const dataSource = new DataSource(typeOrmOptions(testConfig().databaseUrl, schema));
    await dataSource.initialize();
    try {
      const cipher = new SecretCipher(parseKey(K2), [parseKey(K1)]);
      await expect(
        resealStore(sqlRunner(dataSource), cipher, {
          batchSize: 3,
          audit: { statement: auditEntryStatement },
          onProgress: (p) => {
            if (p.resealed > 0) throw stop;
          },
        }),
      ).rejects.toBe(stop);
    } finally {
      await dataSource.destroy();
    }
    const partial = await keyIdsInRows();
    expect(partial[id2]).toBeGreaterThan(before[id2] ?? 0);
    expect(partial[id1]).toBeGreaterThan(0);
    expect((partial[id1] ?? 0) + (partial[id2] ?? 0)).toBe(SEALED);
    await expectAllSecretsOpen(t);
  });

  it('`secrets reseal` moves every value to K2 in batches while requests keep coming, none failing', async () => {
    const failures: string[] = [];
    let done = false;
    let during = 0;
    const ids = [...clear.keys()];
    const service = t.app.get(ConnectorsService);
    const worker = async (n: number) => {
      for (let i = n; !done; i++) {
        const id = ids[i % ids.length];
        const kind = i % 4;
        try {
          if (kind === 0) {
            const res = await request(t.server).get(`/connector/${id}`).set('X-API-TOKEN', key);
            if (res.status !== 200) failures.push(`GET ${id}: ${res.status}`);
          } else if (kind === 1) {
            const res = await request(t.server)
              .put(`/connector/${id}`)
              .set('X-API-TOKEN', key)
              .send({ description: `load ${i}` });
            if (res.status !== 200) failures.push(`PUT ${id}: ${res.status} ${res.text}`);
          } else if (kind === 2) {
            const res = await request(t.server)
              .get('/v1/connectors')
              .set('Authorization', `Bearer ${key}`);
            if (res.status !== 200) failures.push(`list: ${res.status}`);
          } else {
            const opened = await service.openSecrets(actor, id);
            expect(opened).toMatchObject(clear.get(id) as object);
          }
        } catch (error) {
          failures.push(`${id}: ${String(error)}`);
        }
        if (!done) during++;
      }
    };
    const load = [0, 1, 2, 3].map((n) => worker(n));
    const reseal = await secretsCli(['reseal', '--batch-size', '2'], K2, [K1]);
    done = true;
    await Promise.all(load);

    expect(failures).toEqual([]);
    expect(during).toBeGreaterThan(10);
    expect(reseal.err).toEqual([]);
    expect(reseal.code).toBe(0);
    const progress = reseal.out.filter((l) =>
      /^connectors: \d+ rows, \d+ values re-sealed$/.test(l),
    );
    expect(progress.length).toBeGreaterThan(3);
    expect(reseal.out).toContain('0 sealed values still use older keys');
    expect(await keyIdsInRows()).toEqual({ [id2]: SEALED });
    await expectAllSecretsOpen(t);

    // Idempotent: a second run finds nothing left to do.
    const again = await secretsCli(['reseal'], K2, [K1]);
    expect(again.code).toBe(0);
    expect(again.out).toContain('done: 0 values re-sealed');
    expect(await keyIdsInRows()).toEqual({ [id2]: SEALED });
  });

  it('each re-seal wrote one `reseal` audit entry per connector and run, naming the re-sealed fields without any value', async () => {
    const entries = await t.sql<{
      organization_id: string;
      api_key_id: string | null;
      dialect: string | null;
      route: string | null;
      request_id: string | null;
      connector_id: string;
      version: number | null;
      changes: Array<Record<string, unknown>>;
    }>(`SELECT * FROM audit_events WHERE action = 'reseal' ORDER BY id`);
    // The stopped run and the CLI's (the load's writes re-sealed some rows lazily meanwhile).
    expect(entries.length).toBeGreaterThanOrEqual(3);
    const runs = new Map<string, string[]>();
    for (const e of entries) {
      expect(e).toMatchObject({
        organization_id: actor.organizationId,
        api_key_id: null,
        dialect: null,
        route: 'secrets reseal',
        request_id: expect.any(String),
        version: expect.any(Number),
      });
      runs.set(e.request_id!, [...(runs.get(e.request_id!) ?? []), e.connector_id]);
      // Paths only: the values did not change, and no value (clear or sealed) is shown.
      for (const change of e.changes) expect(Object.keys(change)).toEqual(['path']);
      const held = clear.get(e.connector_id);
      expect(held).toBeDefined();
      const expected: string[] = [];
      if (held?.oauthClientSecret) expected.push('$.oauth.clientSecret');
      if (held?.serviceAuthToken) expected.push('$.serviceAuth.token');
      if (held?.config) {
        expected.push('$.config.accounts[0].api_key', '$.config.db.password', '$.config.token');
      }
      expect(e.changes.map((c) => String(c.path)).sort()).toEqual(expected);
    }
    expect(runs.size).toBeGreaterThanOrEqual(2);
    for (const ids of runs.values()) expect(new Set(ids).size).toBe(ids.length);
    expectNoClearSecrets(
      entries.map((e) => JSON.stringify(e)),
      secrets.values,
    );
    expect(JSON.stringify(entries)).not.toMatch(/gw1\./);
  });

  it('`secrets status` then shows nothing under K1', async () => {
    const status = await secretsCli(['status'], K2, [K1]);
    expect(status.code).toBe(0);
    expect(status.out).toContainEqual(
      expect.stringMatching(new RegExp(`^${id1}\\s+0\\s+previous: nothing uses it`)),
    );
    expect(status.out).toContainEqual(
      expect.stringMatching(new RegExp(`^${id2}\\s+${SEALED}\\s+current$`)),
    );
    expect(status.out).toContain('0 sealed values use keys other than the current one');
  });

  it('restarted with K2 alone: reads work and every secret opens', async () => {
    await restart(K2);
    await expectReadsWork(t);
    await expectAllSecretsOpen(t);
  });

  it('refuses to start with a key set missing K2, naming it and its count', async () => {
    const refusal = new RegExp(`key id ${id2} \\(${SEALED} sealed values\\)`);
    await expect(start(K3)).rejects.toThrow(refusal);
    await expect(start(K3, [K1])).rejects.toThrow(refusal);
    await expect(start(K1, [K3])).rejects.toThrow(refusal);
    // status says the same, and fails
    const status = await secretsCli(['status'], K3, [K1]);
    expect(status.code).toBe(1);
    expect(status.out).toContainEqual(
      expect.stringMatching(new RegExp(`^${id2}\\s+${SEALED}\\s+unknown`)),
    );
    expect(status.out).toContainEqual(
      expect.stringMatching(new RegExp(`^${id3}\\s+0\\s+current$`)),
    );
    // The refused starts changed nothing: the running gateway still opens everything.
    await expectAllSecretsOpen(t);
  });

  it('answers --help and refuses unknown commands and options', async () => {
    const help = await secretsCli(['--help'], K2);
    expect(help.code).toBe(0);
    expect(help.out.join('\n')).toMatch(/status[\s\S]*reseal/);
    expect((await secretsCli(['rotate'], K2)).code).toBe(2);
    expect((await secretsCli(['status', '--bogus'], K2)).code).toBe(2);
    expect((await secretsCli(['reseal', '--batch-size', '0'], K2)).code).toBe(2);
  });

  it('runs as `node dist/cli/secrets.js status` too', () => {
    buildIfStale();
    const url = new URL(testConfig().databaseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const run = spawnSync(process.execPath, [CLI, 'status'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: url.toString(),
        GATEWAY_ENCRYPTION_KEY: K2,
        GATEWAY_PREVIOUS_ENCRYPTION_KEYS: K1,
      },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^${id2}\\s+${SEALED}\\s+current$`, 'm'));
  });
});

/** The newest modification time of the compiled sources under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** `npm run build` unless dist/cli/secrets.js is newer than every source file. */
function buildIfStale(): void {
  let built = 0;
  try {
    built = statSync(CLI).mtimeMs;
  } catch {
    /* not built yet */
  }
  if (built > newestSource(join(ROOT, 'src'))) return;
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
}
