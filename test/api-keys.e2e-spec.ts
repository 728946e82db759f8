import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import { ApiKeysService } from '../src/auth/api-keys.service';
import { BUILTIN_IDS, startTestApp, type TestApp } from './app';
import { expectNoClearSecretsInRows } from './secrets';

/**
 * Organizations and API keys: keys are stored as SHA-256 digests and never in clear, keys chosen
 * by the operator (GATEWAY_API_KEYS) register idempotently and belong to one organization only, a
 * revoked key stops working, and a new organization receives the built-in catalog exactly once.
 */

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

interface KeyRow {
  id: string;
  organization_id: string;
  label: string;
  key_hash: string;
  revoked_at: Date | null;
}

describe('API keys', () => {
  let t: TestApp;
  let keys: ApiKeysService;
  /** Apps started by a test, closed even when it fails. */
  const extra: TestApp[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    keys = t.app.get(ApiKeysService);
  });
  afterEach(async () => {
    for (const app of extra.splice(0)) await app.close();
  });
  afterAll(() => t.close());

  /** A second application on the same schema: its key cache starts cold. */
  async function freshApp(overrides: Parameters<typeof startTestApp>[0] = {}): Promise<TestApp> {
    const app = await startTestApp(overrides);
    extra.push(app);
    return app;
  }

  const keyRows = (where: string, value: string) =>
    t.sql<KeyRow>(
      `SELECT id, organization_id, label, key_hash, revoked_at FROM api_keys WHERE ${where} = $1`,
      [value],
    );

  const chosenKey = () => `sk_live_${randomBytes(12).toString('hex')}`;
  const newOrgId = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

  it("stores a new organization's key as its SHA-256 digest, and the clear key in no column of any table", async () => {
    const o = await t.newOrganization('hashed');
    expect(o.key).toMatch(/^gw_[A-Za-z0-9_-]{32}$/);
    expect(o.keyId).toMatch(/^key_[0-9a-f]{16}$/);
    expect(await keyRows('organization_id', o.organizationId)).toEqual([
      {
        id: o.keyId,
        organization_id: o.organizationId,
        label: 'test',
        key_hash: sha256(o.key),
        revoked_at: null,
      },
    ]);

    // The key works: its digest is what the guard looks up.
    const list = await request(t.server)
      .get('/v1/connectors')
      .set({ Authorization: `Bearer ${o.key}` })
      .expect(200);
    expect(list.body.total_count).toBe(BUILTIN_IDS.length);

    // Neither the key nor its digest leaves the service: listKeys never selects key_hash.
    const listed = await keys.listKeys(o.organizationId);
    expect(listed.map((k) => ({ ...k }))).toEqual([
      {
        id: o.keyId,
        organizationId: o.organizationId,
        label: 'test',
        createdAt: expect.any(Date),
        revokedAt: null,
      },
    ]);

    await expectNoClearSecretsInRows(t, [o.key]);
  });

  it('registers a chosen key (GATEWAY_API_KEYS) idempotently: twice, and again at the next start, one row with one id', async () => {
    const org = newOrgId('chosen');
    const key = chosenKey();
    const first = await keys.register(org, key, 'GATEWAY_API_KEYS');
    const second = await keys.register(org, key, 'GATEWAY_API_KEYS');
    expect(second).toBe(first);

    // An application started with the key in its configuration registers it again, at start.
    const restarted = await freshApp({ apiKeys: [{ organizationId: org, key }] });
    expect(await keyRows('key_hash', sha256(key))).toEqual([
      {
        id: first,
        organization_id: org,
        label: 'GATEWAY_API_KEYS',
        key_hash: sha256(key),
        revoked_at: null,
      },
    ]);
    expect(await keyRows('organization_id', org)).toHaveLength(1);
    const list = await request(restarted.server)
      .get('/v1/connectors?limit=100')
      .set({ 'X-API-TOKEN': key })
      .expect(200);
    expect(list.body.total_count).toBe(BUILTIN_IDS.length);
    await expectNoClearSecretsInRows(t, [key]);
  });

  it('refuses to register a key under a second organization, and the key stays with the first', async () => {
    const owner = newOrgId('owner');
    const other = newOrgId('other');
    const key = chosenKey();
    const id = await keys.register(owner, key, 'GATEWAY_API_KEYS');
    await expect(keys.register(other, key, 'GATEWAY_API_KEYS')).rejects.toThrow(
      'that API key is already registered to another organization',
    );
    expect(await keyRows('key_hash', sha256(key))).toEqual([
      expect.objectContaining({ id, organization_id: owner, revoked_at: null }),
    ]);
    expect(await keyRows('organization_id', other)).toEqual([]);
    // And it still acts for its own organization.
    const fresh = await freshApp();
    const res = await request(fresh.server)
      .get(`/v1/connectors/${BUILTIN_IDS[0]}`)
      .set({ Authorization: `Bearer ${key}` })
      .expect(200);
    expect(res.body.connector.organization_id).toBe(owner);
  });

  it('answers a revoked key with 401 invalid api token in every dialect, while the other keys of its organization still work', async () => {
    const o = await t.newOrganization('revoked');
    const kept = await keys.issue(o.organizationId, 'kept');
    await request(t.server)
      .get('/v1/connectors')
      .set({ Authorization: `Bearer ${o.key}` })
      .expect(200);

    const revoked = await t.sql<{ id: string }>(
      'UPDATE api_keys SET revoked_at = now() WHERE id = $1 RETURNING id',
      [o.keyId],
    );
    expect(revoked).toEqual([{ id: o.keyId }]);

    // A running gateway caches lookups for 30 s; a fresh application has nothing cached.
    const fresh = await freshApp();
    const cohere = await request(fresh.server)
      .get('/v1/connectors')
      .set({ Authorization: `Bearer ${o.key}` });
    expect([cohere.status, cohere.body]).toEqual([401, { message: 'invalid api token' }]);
    const coco = await request(fresh.server)
      .get('/connector/_search')
      .set({ 'X-API-TOKEN': o.key });
    expect([coco.status, coco.body]).toEqual([
      401,
      { status: 401, error: { reason: 'invalid login' } },
    ]);
    const generic = await request(fresh.server)
      .get('/generic/v1/connectors')
      .set({ Authorization: `Bearer ${o.key}` });
    expect(generic.status).toBe(401);
    expect(generic.body).toMatchObject({ code: 401, message: 'invalid api token' });

    const other = await request(fresh.server)
      .get('/v1/connectors')
      .set({ Authorization: `Bearer ${kept.key}` })
      .expect(200);
    expect(other.body.total_count).toBe(BUILTIN_IDS.length);
  });

  it('refuses a revoked key on the running gateway once the 30 s cache window has passed, and not before', async () => {
    // The gateway's clock, moved by the test instead of waited for.
    let now = Date.now();
    const running = await freshApp({ clock: () => now });
    const o = await running.newOrganization('revoked-live');
    const get = () =>
      request(running.server)
        .get('/v1/connectors')
        .set({ Authorization: `Bearer ${o.key}` });
    await get().expect(200); // cached now

    await running.sql('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [o.keyId]);
    now += 29_000;
    // Within the window the cached lookup still answers (what the documented 30 s allows).
    await get().expect(200);

    now += 1_001;
    const refused = await get();
    expect([refused.status, refused.body]).toEqual([401, { message: 'invalid api token' }]);
    now += 60_000;
    await get().expect(401);
  });

  it('gives a new organization the built-in catalog exactly once, however often and however concurrently it is ensured', async () => {
    const org = newOrgId('builtins');
    const created = await Promise.all([keys.ensureOrganization(org), keys.ensureOrganization(org)]);
    expect(created.sort()).toEqual([false, true]);
    expect(await keys.ensureOrganization(org)).toBe(false);

    const ids = async () =>
      (
        await t.sql<{ id: string; builtin: boolean }>(
          'SELECT id, builtin FROM connectors WHERE organization_id = $1 ORDER BY id',
          [org],
        )
      ).map((r) => `${r.id}:${r.builtin}`);
    const expected = BUILTIN_IDS.map((id) => `${id}:true`);
    expect(await ids()).toEqual(expected);

    // A new key for it, and an application start (which ensures every organization's built-ins),
    // add none.
    const issued = await keys.issue(org, 'later');
    await freshApp();
    expect(await ids()).toEqual(expected);
    const list = await request(t.server)
      .get('/v1/connectors?limit=100')
      .set({ Authorization: `Bearer ${issued.key}` })
      .expect(200);
    expect(list.body.total_count).toBe(BUILTIN_IDS.length);
    expect(list.body.connectors.map((c: { id: string }) => c.id).sort()).toEqual(BUILTIN_IDS);
  });
});
