import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { ApiKeysService } from '../src/auth/api-keys.service';
import { IdempotencyStore } from '../src/idempotency/idempotency.store';
import { startTestApp, type TestApp } from './app';

/**
 * Idempotent creates (issue 11): `Idempotency-Key` on the create route of every dialect, through the
 * real HTTP stack on a real PostgreSQL, also across two gateway instances sharing the database.
 */

type Org = { organizationId: string; key: string; keyId: string };

interface Dialect {
  name: string;
  path: string;
  body: (name: string, secret: string) => object;
  /** The created connector's id, read from the create response. */
  idOf: (body: Record<string, unknown>) => string;
  /** The dialect's error shape: true when `body` is one, carrying `status`. */
  isError: (status: number, body: Record<string, unknown>) => boolean;
}

const DIALECTS: Dialect[] = [
  {
    name: 'cohere',
    path: '/v1/connectors',
    body: (name, secret) => ({
      name,
      url: 'https://connector.example.com/search',
      service_auth: { type: 'bearer', token: secret },
    }),
    idOf: (b) => (b.connector as { id: string }).id,
    isError: (_status, b) => typeof b.message === 'string' && Object.keys(b).length === 1,
  },
  {
    name: 'coco',
    path: '/connector/',
    body: (name, secret) => ({ name, category: 'website', config: { token: secret } }),
    idOf: (b) => b._id as string,
    isError: (status, b) =>
      b.status === status && typeof (b.error as { reason?: unknown })?.reason === 'string',
  },
  {
    name: 'generic',
    path: '/generic/v1/connectors',
    body: (name, secret) => ({ name, type: 'slack', data: { bot_token: secret } }),
    idOf: (b) => (b.data as { id: string }).id,
    isError: (status, b) =>
      b.code === status && typeof b.message === 'string' && Array.isArray(b.details),
  },
];

const newKey = () => `idem-${randomBytes(8).toString('hex')}`;
const newSecret = () => `s3cret-${randomBytes(12).toString('hex')}`;

describe('idempotent creates', () => {
  let t: TestApp;
  let replica: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    replica = await startTestApp();
  });
  afterAll(async () => {
    try {
      await replica?.close();
    } finally {
      await t?.close();
    }
  });

  const count = async (org: Org) =>
    Number(
      (
        await t.sql<{ n: string }>(
          'SELECT count(*) AS n FROM connectors WHERE organization_id = $1 AND NOT builtin',
          [org.organizationId],
        )
      )[0]?.n,
    );

  const post = (app: TestApp, d: Dialect, org: Org, body: object, key?: string) => {
    const req = request(app.server).post(d.path).set('Authorization', `Bearer ${org.key}`);
    if (key !== undefined) void req.set('Idempotency-Key', key);
    return req.send(body);
  };

  describe.each(DIALECTS)('$name', (d) => {
    it('answers the first response again for the same key and body, creating nothing', async () => {
      const org = await t.newOrganization(d.name);
      const key = newKey();
      const body = d.body('Idem Docs', newSecret());
      const first = await post(t, d, org, body, key);
      expect(first.status).toBe(200);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const again = await post(t, d, org, body, key);
      expect(again.status).toBe(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(await count(org)).toBe(1);
      // Without a key, the same body makes a second connector, as before.
      const plain = await post(t, d, org, body);
      expect(plain.status).toBe(200);
      expect(d.idOf(plain.body as Record<string, unknown>)).not.toBe(
        d.idOf(first.body as Record<string, unknown>),
      );
      expect(await count(org)).toBe(2);
    });

    it('refuses the same key with another body: 422 in the dialect shape', async () => {
      const org = await t.newOrganization(d.name);
      const key = newKey();
      expect((await post(t, d, org, d.body('First', newSecret()), key)).status).toBe(200);
      const other = await post(t, d, org, d.body('Second', newSecret()), key);
      expect(other.status).toBe(422);
      expect(d.isError(422, other.body as Record<string, unknown>)).toBe(true);
      expect(other.headers['x-request-id']).toBeTruthy();
      expect(await count(org)).toBe(1);
    });

    it('answers 409 while the first request with the key is still running', async () => {
      const org = await t.newOrganization(d.name);
      const key = newKey();
      const body = d.body('Slow', newSecret());
      // Inserts into connectors wait behind this lock: the first create stays in flight.
      const blocker = new Client({
        connectionString: t.config.databaseUrl,
        options: `-c search_path=${t.config.schema},public`,
      });
      await blocker.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query('LOCK TABLE connectors IN SHARE ROW EXCLUSIVE MODE');
        const first = post(t, d, org, body, key).then((r) => r);
        await waitFor(async () => {
          const rows = await t.sql('SELECT 1 FROM idempotency_keys WHERE key = $1', [key]);
          return rows.length === 1;
        });
        const second = await post(replica, d, org, body, key);
        expect(second.status).toBe(409);
        expect(d.isError(409, second.body as Record<string, unknown>)).toBe(true);
        await blocker.query('ROLLBACK');
        expect((await first).status).toBe(200);
      } finally {
        await blocker.end();
      }
      const replay = await post(replica, d, org, body, key);
      expect(replay.status).toBe(200);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(await count(org)).toBe(1);
    });

    it('frees the key when the request fails, so a corrected retry runs', async () => {
      const org = await t.newOrganization(d.name);
      const key = newKey();
      const bad = await post(t, d, org, { name: 42 }, key);
      expect(bad.status).toBe(400);
      const good = await post(t, d, org, d.body('Corrected', newSecret()), key);
      expect(good.status).toBe(200);
      expect(good.headers['idempotent-replayed']).toBeUndefined();
      expect(await count(org)).toBe(1);
    });

    it('answers a request without a valid API key 401, whatever its Idempotency-Key, and claims nothing', async () => {
      const key = newKey();
      for (const idempotencyKey of [key, 'k'.repeat(256)]) {
        const res = await request(t.server)
          .post(d.path)
          .set('Authorization', 'Bearer not-a-key')
          .set('Idempotency-Key', idempotencyKey)
          .send(d.body('No key', newSecret()));
        expect(res.status).toBe(401);
        expect(d.isError(401, res.body as Record<string, unknown>)).toBe(true);
      }
      expect(await t.sql('SELECT 1 FROM idempotency_keys WHERE key = $1', [key])).toEqual([]);
    });

    it('refuses a malformed key: 400 in the dialect shape', async () => {
      const org = await t.newOrganization(d.name);
      const res = await post(t, d, org, d.body('Bad key', newSecret()), 'k'.repeat(256));
      expect(res.status).toBe(400);
      expect(d.isError(400, res.body as Record<string, unknown>)).toBe(true);
      expect(await count(org)).toBe(0);
    });
  });

  it('scopes keys to the API key that sent them', async () => {
    const [d] = DIALECTS as [Dialect];
    const org = await t.newOrganization('scoped');
    const second: Org = { ...org, ...(await issueKey(t, org.organizationId)) };
    const key = newKey();
    const body = d.body('Scoped', newSecret());
    const a = await post(t, d, org, body, key);
    const b = await post(t, d, second, body, key);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(d.idOf(b.body as Record<string, unknown>)).not.toBe(
      d.idOf(a.body as Record<string, unknown>),
    );
    expect(await count(org)).toBe(2);
  });

  it('makes exactly one connector when two replicas race on one key', async () => {
    for (const d of DIALECTS) {
      const org = await t.newOrganization(`race-${d.name}`);
      const key = newKey();
      const body = d.body('Raced', newSecret());
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => post(i % 2 ? replica : t, d, org, body, key)),
      );
      for (const res of answers) expect([200, 409]).toContain(res.status);
      const ok = answers.filter((r) => r.status === 200);
      expect(ok.length).toBeGreaterThanOrEqual(1);
      for (const res of ok) expect(res.body).toEqual(ok[0]?.body);
      expect(await count(org)).toBe(1);
      const later = await post(replica, d, org, body, key);
      expect(later.status).toBe(200);
      expect(later.body).toEqual(ok[0]?.body);
    }
  });

  it('forgets expired keys: purged, and the key makes a new connector', async () => {
    const [d] = DIALECTS as [Dialect];
    const org = await t.newOrganization('expired');
    const key = newKey();
    const body = d.body('Expiring', newSecret());
    expect((await post(t, d, org, body, key)).status).toBe(200);
    await t.sql(
      `UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1`,
      [key],
    );
    expect(await t.app.get(IdempotencyStore).purgeExpired()).toBeGreaterThanOrEqual(1);
    expect(await t.sql('SELECT 1 FROM idempotency_keys WHERE key = $1', [key])).toHaveLength(0);
    const again = await post(t, d, org, body, key);
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(await count(org)).toBe(2);
  });

  it('stores no clear secret: the body only as a keyed digest, the response masked', async () => {
    const org = await t.newOrganization('leak');
    for (const d of DIALECTS) {
      const secret = newSecret();
      const key = newKey();
      expect((await post(t, d, org, d.body(`Leak ${d.name}`, secret), key)).status).toBe(200);
      const rows = await t.sql<{ row: string }>(
        'SELECT k::text AS row FROM idempotency_keys k WHERE key = $1',
        [key],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]?.row).not.toContain(secret);
      // Only the generic create answers with the connector's data (masked); Cohere shows no
      // service_auth block, Coco answers with the id alone.
      if (d.name === 'generic') expect(rows[0]?.row).toContain('******');
    }
  });
});

async function issueKey(
  t: TestApp,
  organizationId: string,
): Promise<{ key: string; keyId: string }> {
  const issued = await t.app.get(ApiKeysService).issue(organizationId, 'second');
  return { key: issued.key, keyId: issued.id };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
