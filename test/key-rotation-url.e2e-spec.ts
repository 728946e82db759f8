import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { runSecrets, type DatabaseOpener } from '../src/cli/secrets';
import type { RuntimeConfig } from '../src/config/runtime';
import { ConnectorsService } from '../src/connectors/connectors.service';
import type { Actor } from '../src/connectors/domain/connector.input';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { parseKey } from '../src/secrets/cipher';
import { startTestApp, testConfig, type TestApp } from './app';
import { withClient } from './database';

/**
 * Key rotation of URL passwords, which are sealed *inside* a URL string
 * (`https://user:gw1.<keyId>.<payload>@host/...`), in the connector `url` column and in URL values
 * of `config`: counted at start and by `secrets status`, re-sealed by `secrets reseal` and by a
 * write (lazy rotation), and still opening — and used by the search route — once the old key is
 * gone. Its own schema, as test/key-rotation.e2e-spec.ts.
 */
const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('base64');
const id1 = parseKey(K1).id;
const id2 = parseKey(K2).id;

const onServer = process.env.GW_TEST_EMBEDDED_ACTIVE ? describe.skip : describe;

onServer('key rotation of URL passwords', () => {
  const schema = `${process.env.GW_TEST_SCHEMA ?? 'gw_test_missing'}_rotation_url`;
  const apps: TestApp[] = [];
  let t: TestApp;
  let actor: Actor;
  let key: string;
  const seen: IncomingHttpHeaders[] = [];
  const upstream = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ results: [{ title: 'hit', text: 'found' }] }));
    });
  });
  let port = 0;
  const pw = (name: string) => `${name}-${randomBytes(6).toString('hex')}`;
  /** Connectors by role: their clear URL (Cohere `url`) or config (Coco). */
  const cohere: Record<'lazy' | 'cli', { id: string; url: string }> = {} as never;
  const coco: Record<'lazy' | 'cli', { id: string; config: { feed: string } }> = {} as never;

  const keysConfig = (current: string, previous: string[] = []): Partial<RuntimeConfig> => ({
    schema,
    encryptionKey: current,
    previousEncryptionKeys: previous,
    outboundAllowPrivate: true,
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

  /** The key id of the password sealed in each connector's stored URL, read from the raw row. */
  async function storedKeyIds(): Promise<Record<string, string | undefined>> {
    const rows = await t.sql<{ id: string; url: string | null; feed: string | null }>(
      `SELECT id, url, config->>'feed' AS feed FROM connectors WHERE id = ANY($1)`,
      [[cohere.lazy.id, cohere.cli.id, coco.lazy.id, coco.cli.id]],
    );
    const keyId = (url: string | null) =>
      /^https?:\/\/[^:/@]+:gw1\.([0-9a-f]{8})\.[\w-]+@/.exec(url ?? '')?.[1];
    return Object.fromEntries(rows.map((r) => [r.id, keyId(r.url ?? r.feed)]));
  }

  async function expectUrlsOpen(app: TestApp) {
    const service = app.app.get(ConnectorsService);
    for (const c of Object.values(cohere)) {
      expect((await service.openSecrets(actor, c.id)).url).toBe(c.url);
    }
    for (const c of Object.values(coco)) {
      expect((await service.openSecrets(actor, c.id)).config).toEqual(c.config);
    }
  }

  beforeAll(async () => {
    await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done));
    port = (upstream.address() as AddressInfo).port;
    await withClient((c) => c.query(`CREATE SCHEMA "${schema}"`));
    t = await start(K1);
    const o = await t.newOrganization('rotation-url');
    key = o.key;
    actor = { organizationId: o.organizationId, apiKeyId: o.keyId };
    for (const role of ['lazy', 'cli'] as const) {
      const url = `http://search:${pw('url')}@127.0.0.1:${port}/search`;
      const made = await request(t.server)
        .post('/v1/connectors')
        .set('Authorization', `Bearer ${key}`)
        .send({ name: `URL ${role}`, url })
        .expect(200);
      cohere[role] = { id: made.body.connector.id as string, url };
      const config = { feed: `https://feed:${pw('feed')}@feed.example.com/items?x=1` };
      const coc = await request(t.server)
        .post('/connector/')
        .set('X-API-TOKEN', key)
        .send({ name: `Config URL ${role}`, config })
        .expect(200);
      coco[role] = { id: coc.body._id as string, config };
    }
  });

  afterAll(async () => {
    try {
      for (const app of apps.splice(0)) await app.close();
      await new Promise((done) => upstream.close(done));
    } finally {
      await withClient((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    }
  });

  it('seals each URL password under K1, and `secrets status` counts them', async () => {
    expect(Object.values(await storedKeyIds())).toEqual([id1, id1, id1, id1]);
    const status = await secretsCli(['status'], K1);
    expect(status.code).toBe(0);
    expect(status.out).toContainEqual(
      expect.stringMatching(new RegExp(`^${id1}\\s+4\\s+current$`)),
    );
  });

  it('counts no URL that merely looks sealed: such a URL is sealed on write, a mention is text', async () => {
    const form = `gw1.0badc0de.${'A'.repeat(40)}`;
    const made = await request(t.server)
      .post('/connector/')
      .set('X-API-TOKEN', key)
      .send({
        name: 'URL lookalike',
        url: `https://x:${form}@lookalike.example.com/`,
        config: {
          feed: `https://x:${form}@lookalike.example.com/`,
          note: `see https://x:${form}@lookalike.example.com/`,
        },
      })
      .expect(200);
    const id = made.body._id as string;
    try {
      const [row] = await t.sql<{ text: string }>(
        `SELECT url || ' ' || config::text AS text FROM connectors WHERE id = $1`,
        [id],
      );
      // the two URLs hold the form sealed under K1; only the note mentions it in clear
      expect(row.text.match(/:gw1\.0badc0de\./g)).toHaveLength(1);
      const opened = await t.app.get(ConnectorsService).openSecrets(actor, id);
      expect(opened.url).toBe(`https://x:${form}@lookalike.example.com/`);
      const status = await secretsCli(['status'], K1);
      expect(status.out).not.toContainEqual(expect.stringMatching(/^0badc0de/));
      expect(status.out).toContainEqual(
        expect.stringMatching(new RegExp(`^${id1}\\s+6\\s+current$`)),
      );
    } finally {
      await request(t.server).delete(`/connector/${id}`).set('X-API-TOKEN', key).expect(200);
    }
  });

  it('refuses to start with K2 alone while URL passwords use K1', async () => {
    await expect(start(K2)).rejects.toThrow(new RegExp(`key id ${id1} \\(4 sealed values\\)`));
  });

  it('restarted with K2 and K1 as previous key: a write re-seals the URL passwords it keeps', async () => {
    await restart(K2, [K1]);
    await expectUrlsOpen(t);
    await request(t.server)
      .patch(`/v1/connectors/${cohere.lazy.id}`)
      .set('Authorization', `Bearer ${key}`)
      .send({ description: 'touched' })
      .expect(200);
    await request(t.server)
      .put(`/connector/${coco.lazy.id}`)
      .set('X-API-TOKEN', key)
      .send({ description: 'touched' })
      .expect(200);
    expect(await storedKeyIds()).toEqual({
      [cohere.lazy.id]: id2,
      [coco.lazy.id]: id2,
      [cohere.cli.id]: id1,
      [coco.cli.id]: id1,
    });
    await expectUrlsOpen(t);
  });

  it('`secrets reseal` moves the rest to K2, and `secrets status` shows nothing under K1', async () => {
    const reseal = await secretsCli(['reseal'], K2, [K1]);
    expect(reseal.err).toEqual([]);
    expect(reseal.code).toBe(0);
    expect(reseal.out).toContain('0 sealed values still use older keys');
    expect(Object.values(await storedKeyIds())).toEqual([id2, id2, id2, id2]);
    const status = await secretsCli(['status'], K2, [K1]);
    expect(status.out).toContainEqual(
      expect.stringMatching(new RegExp(`^${id1}\\s+0\\s+previous: nothing uses it`)),
    );
    expect(status.out).toContainEqual(
      expect.stringMatching(new RegExp(`^${id2}\\s+4\\s+current$`)),
    );
    await expectUrlsOpen(t);
  });

  it('restarted with K2 alone: the URL passwords open, and the search route sends them', async () => {
    await restart(K2);
    await expectUrlsOpen(t);
    seen.length = 0;
    const res = await request(t.server)
      .post(`/v1/connectors/${cohere.cli.id}/search`)
      .set('Authorization', `Bearer ${key}`)
      .send({ query: 'q' })
      .expect(200);
    expect(res.body.results).toHaveLength(1);
    const password = new URL(cohere.cli.url).password;
    expect(seen.map((h) => h.authorization)).toEqual([
      `Basic ${Buffer.from(`search:${password}`).toString('base64')}`,
    ]);
  });
});
