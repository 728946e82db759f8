import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { auditHasherFor, AuditPurge } from '../src/audit/audit.module';
import { type AuditDatabaseOpener, runAudit } from '../src/cli/audit';
import { HelpRequested, UsageError } from '../src/cli/context';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { startTestApp, type TestApp } from './app';

/**
 * Conditional writes (ETag / If-Match in every dialect, Coco's if_seq_no, generic `version`) and
 * the audit trail (issue 11), through the real HTTP stack on a real PostgreSQL, also across two
 * gateway instances sharing the database.
 */

type Org = { organizationId: string; key: string; keyId: string };

const secret = () => `s3cret-${randomBytes(12).toString('hex')}`;
const auth = (org: Org) => ({ Authorization: `Bearer ${org.key}` });

describe('conditional writes and the audit trail', () => {
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

  async function createGeneric(org: Org, app = t): Promise<string> {
    const res = await request(app.server)
      .post('/generic/v1/connectors')
      .set(auth(org))
      .send({ name: 'Team Slack', type: 'slack', data: { channel: '#a', bot_token: secret() } })
      .expect(200);
    return res.body.data.id as string;
  }

  const auditRows = (org: Org, connectorId: string) =>
    t.sql<{ action: string; changes: unknown; request_id: string }>(
      'SELECT * FROM audit_events WHERE organization_id = $1 AND connector_id = $2 ORDER BY id',
      [org.organizationId, connectorId],
    );

  describe('versions and ETags', () => {
    it('gives every single-connector response the same strong ETag in every dialect, new with each change', async () => {
      const org = await t.newOrganization();
      const created = await request(t.server)
        .post('/generic/v1/connectors')
        .set(auth(org))
        .send({ name: 'Docs', type: 'notion', data: { region: 'eu' } })
        .expect(200);
      const id = created.body.data.id as string;
      expect(created.body.data.version).toBe(1);
      const etag = created.headers.etag;
      expect(etag).toMatch(/^"1-[A-Za-z0-9_-]+"$/);

      const tags = async () => {
        const [cohere, coco, generic] = await Promise.all([
          request(t.server).get(`/v1/connectors/${id}`).set(auth(org)).expect(200),
          request(t.server).get(`/connector/${id}`).set(auth(org)).expect(200),
          request(t.server).get(`/generic/v1/connectors/${id}`).set(auth(org)).expect(200),
        ]);
        return { cohere, coco, generic };
      };
      const first = await tags();
      expect(first.cohere.headers.etag).toBe(etag);
      expect(first.coco.headers.etag).toBe(etag);
      expect(first.generic.headers.etag).toBe(etag);
      expect(first.coco.body).toMatchObject({ _id: id, _version: 1, _seq_no: 0, _primary_term: 1 });
      // Cohere's body does not change: the version travels only in the header.
      expect(first.cohere.body.connector).not.toHaveProperty('version');

      const put = await request(t.server)
        .put(`/connector/${id}`)
        .set(auth(org))
        .send({ description: 'by coco' })
        .expect(200);
      expect(put.body).toEqual({
        _id: id,
        result: 'updated',
        _version: 2,
        _seq_no: 1,
        _primary_term: 1,
      });
      const second = await tags();
      expect(second.generic.body.data.version).toBe(2);
      expect(second.cohere.headers.etag).not.toBe(etag);
      expect(second.coco.headers.etag).toBe(second.cohere.headers.etag);
      expect(second.generic.headers.etag).toBe(put.headers.etag);

      // Deleted and made again with the same id: the old ETag never matches the new connector.
      await request(t.server).delete(`/connector/${id}`).set(auth(org)).expect(200);
      await request(t.server)
        .post('/connector/')
        .set(auth(org))
        .send({ id, name: 'Again' })
        .expect(200);
      await request(t.server)
        .patch(`/v1/connectors/${id}`)
        .set(auth(org))
        .set('If-Match', etag)
        .send({ name: 'stale' })
        .expect(412);
    });

    it('Coco search hits carry _version, _seq_no and _primary_term only when asked', async () => {
      const org = await t.newOrganization();
      const id = await createGeneric(org);
      await request(t.server)
        .put(`/generic/v1/connectors/${id}`)
        .set(auth(org))
        .send({ name: 'n2' })
        .expect(200);
      const plain = await request(t.server)
        .get('/connector/_search')
        .query({ filter: `id:${id}` })
        .set(auth(org))
        .expect(200);
      expect(plain.body.hits.hits[0]).not.toHaveProperty('_version');
      expect(plain.body.hits.hits[0]).not.toHaveProperty('_seq_no');
      const asked = await request(t.server)
        .get('/connector/_search')
        .query({ filter: `id:${id}`, version: 'true', seq_no_primary_term: 'true' })
        .set(auth(org))
        .expect(200);
      expect(asked.body.hits.hits[0]).toMatchObject({
        _id: id,
        _version: 2,
        _seq_no: 1,
        _primary_term: 1,
      });
      const body = await request(t.server)
        .post('/connector/_search')
        .set(auth(org))
        .send({ query: { ids: { values: [id] } }, seq_no_primary_term: true })
        .expect(200);
      expect(body.body.hits.hits[0]).toMatchObject({ _seq_no: 1, _primary_term: 1 });
      expect(body.body.hits.hits[0]).not.toHaveProperty('_version');
    });

    it('If-None-Match: * refuses a create over an existing id with 412, If-Match: * needs the connector', async () => {
      const org = await t.newOrganization();
      const id = `chosen-${randomBytes(4).toString('hex')}`;
      await request(t.server)
        .post('/connector/')
        .set(auth(org))
        .set('If-None-Match', '*')
        .send({ id, name: 'First' })
        .expect(200);
      const again = await request(t.server)
        .post('/connector/')
        .set(auth(org))
        .set('If-None-Match', '*')
        .send({ id, name: 'Second' })
        .expect(412);
      expect(again.body).toEqual({
        status: 412,
        error: { reason: expect.stringContaining('If-None-Match') },
      });
      const stored = await request(t.server).get(`/connector/${id}`).set(auth(org)).expect(200);
      expect(stored.body._source.name).toBe('First');
      await request(t.server)
        .put(`/connector/${id}`)
        .set(auth(org))
        .set('If-Match', '*')
        .send({ name: 'Any' })
        .expect(200);
      expect((await auditRows(org, id)).map((r) => r.action)).toEqual(['create', 'update']);
    });

    it('a stale If-Match on DELETE answers 412 in each dialect and deletes nothing', async () => {
      const org = await t.newOrganization();
      const id = await createGeneric(org);
      const stale = (await request(t.server).get(`/v1/connectors/${id}`).set(auth(org))).headers
        .etag;
      await request(t.server)
        .put(`/generic/v1/connectors/${id}`)
        .set(auth(org))
        .send({ name: 'moved' })
        .expect(200);
      const cohere = await request(t.server)
        .delete(`/v1/connectors/${id}`)
        .set(auth(org))
        .set('If-Match', stale)
        .expect(412);
      expect(Object.keys(cohere.body)).toEqual(['message']);
      const generic = await request(t.server)
        .delete(`/generic/v1/connectors/${id}`)
        .set(auth(org))
        .set('If-Match', stale)
        .expect(412);
      expect(generic.body).toMatchObject({ code: 412, details: [], requestId: expect.any(String) });
      const coco = await request(t.server)
        .delete(`/connector/${id}`)
        .set(auth(org))
        .query({ if_seq_no: 0, if_primary_term: 1 })
        .expect(409);
      expect(coco.body.error.type).toBe('version_conflict_engine_exception');
      await request(t.server).get(`/generic/v1/connectors/${id}`).set(auth(org)).expect(200);
      const fresh = (await request(t.server).get(`/connector/${id}`).set(auth(org))).headers.etag;
      const deleted = await request(t.server)
        .delete(`/connector/${id}`)
        .set(auth(org))
        .set('If-Match', fresh)
        .expect(200);
      expect(deleted.body).toEqual({
        _id: id,
        result: 'deleted',
        _version: 3,
        _seq_no: 2,
        _primary_term: 1,
      });
    });
  });

  describe('two clients racing on one connector', () => {
    /** Both read, both write against what they read: exactly one wins, the other's change is absent. */
    async function race(
      org: Org,
      id: string,
      write: (app: TestApp, name: string) => Promise<request.Response>,
      apps: [TestApp, TestApp] = [t, t],
    ) {
      const [a, b] = await Promise.all([write(apps[0], 'from-a'), write(apps[1], 'from-b')]);
      const winners = [a, b].filter((r) => r.status === 200);
      const losers = [a, b].filter((r) => r.status !== 200);
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(1);
      const winner = winners[0] === a ? 'from-a' : 'from-b';
      const loser = winner === 'from-a' ? 'from-b' : 'from-a';
      const stored = await request(t.server)
        .get(`/generic/v1/connectors/${id}`)
        .set(auth(org))
        .expect(200);
      expect(stored.body.data.description).toBe(winner);
      expect(JSON.stringify(stored.body)).not.toContain(loser);
      // One audit entry: the winner's.
      const updates = (await auditRows(org, id)).filter((r) => r.action === 'update');
      expect(updates).toHaveLength(1);
      expect(JSON.stringify(updates[0]?.changes)).toContain(winner);
      return losers[0];
    }

    it('Cohere: both PATCH with the ETag they read; the loser gets 412 {"message"}', async () => {
      const org = await t.newOrganization();
      const id = await createGeneric(org);
      const etag = (await request(t.server).get(`/v1/connectors/${id}`).set(auth(org))).headers
        .etag;
      const loser = await race(org, id, (app, name) =>
        request(app.server)
          .patch(`/v1/connectors/${id}`)
          .set(auth(org))
          .set('If-Match', etag)
          .send({ description: name }),
      );
      expect(loser.status).toBe(412);
      expect(loser.body).toEqual({ message: expect.stringContaining('precondition failed') });
    });

    it("Coco: both PUT with if_seq_no / if_primary_term; the loser gets Elasticsearch's 409", async () => {
      const org = await t.newOrganization();
      const id = await createGeneric(org);
      const read = await request(t.server).get(`/connector/${id}`).set(auth(org)).expect(200);
      const { _seq_no: seqNo, _primary_term: term } = read.body as {
        _seq_no: number;
        _primary_term: number;
      };
      const loser = await race(org, id, (app, name) =>
        request(app.server)
          .put(`/connector/${id}`)
          .query({ if_seq_no: seqNo, if_primary_term: term })
          .set(auth(org))
          .send({ description: name }),
      );
      expect(loser.status).toBe(409);
      expect(loser.body).toEqual({
        status: 409,
        error: {
          type: 'version_conflict_engine_exception',
          reason: `[${id}]: version conflict, required seqNo [0], primary term [1]. current document has seqNo [1] and primary term [1]`,
        },
      });
    });

    it('generic: both PUT with the version they read; the loser gets 409 in the envelope', async () => {
      const org = await t.newOrganization();
      const id = await createGeneric(org);
      const loser = await race(org, id, (app, name) =>
        request(app.server)
          .put(`/generic/v1/connectors/${id}`)
          .set(auth(org))
          .send({ description: name, version: 1 }),
      );
      expect(loser.status).toBe(409);
      expect(loser.body).toMatchObject({
        code: 409,
        message: 'Conflict — another update may have occurred. Retry with the latest version.',
        requestId: expect.any(String),
      });
    });

    it('two replicas: generic versions and Cohere ETags race the same way across instances', async () => {
      const org = await t.newOrganization();
      const id = await createGeneric(org);
      const loser = await race(
        org,
        id,
        (app, name) =>
          request(app.server)
            .put(`/generic/v1/connectors/${id}`)
            .set(auth(org))
            .send({ description: name, version: 1 }),
        [t, replica],
      );
      expect(loser.status).toBe(409);

      const other = await createGeneric(org, replica);
      const etag = (await request(replica.server).get(`/v1/connectors/${other}`).set(auth(org)))
        .headers.etag;
      const lost = await race(
        org,
        other,
        (app, name) =>
          request(app.server)
            .patch(`/v1/connectors/${other}`)
            .set(auth(org))
            .set('If-Match', etag)
            .send({ description: name }),
        [replica, t],
      );
      expect(lost.status).toBe(412);
    });

    it('without conditions, Cohere clients keep working as before (last write wins, nothing refused)', async () => {
      const org = await t.newOrganization();
      const id = await createGeneric(org);
      const results = await Promise.all(
        ['x', 'y'].map((d) =>
          request(t.server).patch(`/v1/connectors/${id}`).set(auth(org)).send({ description: d }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      const stored = await request(t.server)
        .get(`/generic/v1/connectors/${id}`)
        .set(auth(org))
        .expect(200);
      expect(stored.body.data.version).toBe(3);
    });
  });

  describe('audit trail', () => {
    it('records every change from each dialect with its key, dialect, route, request id and paths; secrets only fingerprinted', async () => {
      const org = await t.newOrganization();
      const token = secret();
      const botToken = secret();
      const hasher = auditHasherFor(t.config);

      const created = await request(t.server)
        .post('/v1/connectors')
        .set(auth(org))
        .set('X-Request-Id', 'req-cohere-create')
        .send({
          name: 'Audited',
          url: 'https://search.example.com/s',
          service_auth: { type: 'bearer', token },
        })
        .expect(200);
      const id = created.body.connector.id as string;
      await request(t.server)
        .put(`/connector/${id}`)
        .set(auth(org))
        .set('X-Request-Id', 'req-coco-put')
        .send({ category: 'docs', config: { bot_token: botToken, region: 'eu' } })
        .expect(200);
      await request(t.server)
        .put(`/generic/v1/connectors/${id}`)
        .set(auth(org))
        .set('X-Request-Id', 'req-generic-put')
        .send({ data: { region: 'us' }, version: 2 })
        .expect(200);
      await request(t.server)
        .delete(`/generic/v1/connectors/${id}`)
        .set(auth(org))
        .set('X-Request-Id', 'req-generic-delete')
        .expect(200);

      const history = await request(t.server)
        .get(`/generic/v1/connectors/${id}/history`)
        .set(auth(org))
        .expect(200);
      const items = history.body.data.items as Array<{
        action: string;
        dialect: string;
        method: string;
        route: string;
        requestId: string;
        apiKeyId: string;
        version: number | null;
        changes: Array<{ path: string; fingerprint: string }>;
      }>;
      expect(history.body).toMatchObject({ code: 200, message: 'success' });
      expect(
        items.map((e) => [e.action, e.dialect, e.method, e.route, e.requestId, e.apiKeyId]),
      ).toEqual([
        [
          'delete',
          'generic',
          'DELETE',
          '/generic/v1/connectors/:id',
          'req-generic-delete',
          org.keyId,
        ],
        ['update', 'generic', 'PUT', '/generic/v1/connectors/:id', 'req-generic-put', org.keyId],
        ['update', 'coco', 'PUT', '/connector/:id', 'req-coco-put', org.keyId],
        ['create', 'cohere', 'POST', '/v1/connectors', 'req-cohere-create', org.keyId],
      ]);
      expect(items.map((e) => e.version)).toEqual([null, 3, 2, 1]);
      const [, genericPut, cocoPut, create] = items;
      expect(create?.changes).toEqual(
        expect.arrayContaining([
          { path: '$.name', new: 'Audited' },
          { path: '$.serviceAuth.type', new: 'bearer' },
          {
            path: '$.serviceAuth.token',
            secret: 'changed',
            fingerprint: expect.stringMatching(/^hmac-sha256:/),
          },
        ]),
      );
      const tokenChange = create?.changes.find(
        (c: { path: string }) => c.path === '$.serviceAuth.token',
      );
      expect(hasher.matches(token, tokenChange?.fingerprint ?? '')).toBe(true);
      expect(hasher.matches(botToken, tokenChange?.fingerprint ?? '')).toBe(false);
      expect(cocoPut?.changes).toEqual(
        expect.arrayContaining([
          { path: '$.category', new: 'docs' },
          { path: '$.data.region', new: 'eu' },
          { path: '$.data.bot_token', secret: 'changed', fingerprint: expect.any(String) },
        ]),
      );
      const botChange = cocoPut?.changes.find(
        (c: { path: string }) => c.path === '$.data.bot_token',
      );
      expect(hasher.matches(botToken, botChange?.fingerprint ?? '')).toBe(true);
      expect(genericPut?.changes).toEqual([{ path: '$.data.region', old: 'eu', new: 'us' }]);

      // The trail is kept after the delete; no clear secret anywhere in rows or responses.
      const rows = await t.sql('SELECT * FROM audit_events WHERE organization_id = $1', [
        org.organizationId,
      ]);
      expect(rows).toHaveLength(4);
      const exported = await request(t.server).get('/generic/v1/audit').set(auth(org)).expect(200);
      for (const text of [
        JSON.stringify(rows),
        JSON.stringify(history.body),
        JSON.stringify(exported.body),
      ]) {
        expect(text).not.toContain(token);
        expect(text).not.toContain(botToken);
        expect(text).not.toContain('gw1.');
      }
    });

    it('exports the organization oldest first from since, followed with the next cursor', async () => {
      const org = await t.newOrganization();
      const other = await t.newOrganization();
      const before = new Date(Date.now() - 1000).toISOString();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push(await createGeneric(org));
      await createGeneric(other);
      const first = await request(t.server)
        .get('/generic/v1/audit')
        .query({ since: before, limit: 2 })
        .set(auth(org))
        .expect(200);
      expect(first.body.data.items.map((e: { connectorId: string }) => e.connectorId)).toEqual(
        ids.slice(0, 2),
      );
      expect(first.body.data.hasMore).toBe(true);
      const second = await request(t.server)
        .get('/generic/v1/audit')
        .query({ after: first.body.data.next, limit: 2 })
        .set(auth(org))
        .expect(200);
      expect(second.body.data.items.map((e: { connectorId: string }) => e.connectorId)).toEqual([
        ids[2],
      ]);
      expect(second.body.data.hasMore).toBe(false);
      // Nothing new yet: the same position comes back, to ask again later.
      const third = await request(t.server)
        .get('/generic/v1/audit')
        .query({ after: second.body.data.next })
        .set(auth(org))
        .expect(200);
      expect(third.body.data).toMatchObject({ items: [], next: second.body.data.next });
      const future = await request(t.server)
        .get('/generic/v1/audit')
        .query({ since: '2999-01-01T00:00:00Z' })
        .set(auth(org))
        .expect(200);
      expect(future.body.data.items).toEqual([]);
      const bad = await request(t.server)
        .get('/generic/v1/audit')
        .query({ since: 'yesterday' })
        .set(auth(org))
        .expect(400);
      expect(bad.body).toMatchObject({ code: 400, details: [{ field: 'since' }] });
      await request(t.server)
        .get('/generic/v1/audit')
        .query({ after: 'nope' })
        .set(auth(org))
        .expect(400);
    });

    it('pages a history newest first and answers 404 only for an id the organization never had', async () => {
      const org = await t.newOrganization();
      const id = await createGeneric(org);
      for (const name of ['a', 'b']) {
        await request(t.server)
          .put(`/generic/v1/connectors/${id}`)
          .set(auth(org))
          .send({ name })
          .expect(200);
      }
      const page = await request(t.server)
        .get(`/generic/v1/connectors/${id}/history`)
        .query({ limit: 2, offset: 1 })
        .set(auth(org))
        .expect(200);
      expect(page.body.data).toMatchObject({ limit: 2, offset: 1, hasMore: false });
      expect(page.body.data.items.map((e: { version: number }) => e.version)).toEqual([2, 1]);
      const missing = await request(t.server)
        .get('/generic/v1/connectors/never-here/history')
        .set(auth(org))
        .expect(404);
      expect(missing.body).toMatchObject({ code: 404, requestId: expect.any(String) });
      // An id no connector can have (a NUL, which PostgreSQL refuses in text): a 404 as well,
      // never sent to the database.
      for (const odd of ['%00', 'a%00b', `${'x'.repeat(300)}`]) {
        const refused = await request(t.server)
          .get(`/generic/v1/connectors/${odd}/history`)
          .set(auth(org))
          .expect(404);
        expect(refused.body).toMatchObject({ code: 404, requestId: expect.any(String) });
      }
      // A built-in the organization never changed: an empty history, not a 404.
      const builtin = await request(t.server)
        .get('/generic/v1/connectors/github/history')
        .set(auth(org))
        .expect(200);
      expect(builtin.body.data).toMatchObject({ items: [], hasMore: false });
      // Another organization sees nothing of it.
      const stranger = await t.newOrganization();
      await request(t.server)
        .get(`/generic/v1/connectors/${id}/history`)
        .set(auth(stranger))
        .expect(404);
    });

    it('a write rolled back after its audit entry leaves no entry; a refused condition none either', async () => {
      const org = await t.newOrganization();
      const id = await createGeneric(org);
      // The connector row refuses this name for this organization only: the update fails after
      // the audit entry was written in its transaction.
      const fn = `gw_refuse_${randomBytes(4).toString('hex')}`;
      await t.sql(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'refused by the test'; END $$`);
      await t.sql(`CREATE TRIGGER ${fn} BEFORE UPDATE OR DELETE ON connectors FOR EACH ROW
        WHEN (OLD.organization_id = '${org.organizationId}') EXECUTE FUNCTION ${fn}()`);
      try {
        await request(t.server)
          .put(`/generic/v1/connectors/${id}`)
          .set(auth(org))
          .send({ name: 'never' })
          .expect(500);
        await request(t.server).delete(`/generic/v1/connectors/${id}`).set(auth(org)).expect(500);
      } finally {
        await t.sql(`DROP TRIGGER ${fn} ON connectors`);
        await t.sql(`DROP FUNCTION ${fn}()`);
      }
      await request(t.server)
        .put(`/generic/v1/connectors/${id}`)
        .set(auth(org))
        .send({ name: 'stale', version: 7 })
        .expect(409);
      await request(t.server)
        .patch(`/v1/connectors/${id}`)
        .set(auth(org))
        .set('If-Match', '"1-nope"')
        .send({ name: 'stale' })
        .expect(412);
      expect((await auditRows(org, id)).map((r) => r.action)).toEqual(['create']);
      const stored = await request(t.server)
        .get(`/generic/v1/connectors/${id}`)
        .set(auth(org))
        .expect(200);
      expect(stored.body.data).toMatchObject({ name: 'Team Slack', version: 1 });
    });

    it('the CLI prints the trail as JSON lines and finds the entries of a candidate secret', async () => {
      const org = await t.newOrganization();
      const token = secret();
      const created = await request(t.server)
        .post('/v1/connectors')
        .set(auth(org))
        .send({ name: 'Cli', url: 'https://cli.example.com/s', service_auth: { token } })
        .expect(200);
      const id = created.body.connector.id as string;
      await request(t.server)
        .put(`/generic/v1/connectors/${id}`)
        .set(auth(org))
        .send({ name: 'Cli 2' })
        .expect(200);
      const open: AuditDatabaseOpener = async (fn) => {
        const dataSource = new DataSource(typeOrmOptions(t.config.databaseUrl, t.config.schema));
        await dataSource.initialize();
        try {
          return await fn(dataSource, t.config);
        } finally {
          await dataSource.destroy();
        }
      };
      const run = async (argv: string[]) => {
        const lines: string[] = [];
        await runAudit(argv, (line) => lines.push(line), open);
        return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      };
      const all = await run(['--org', org.organizationId]);
      expect(all.map((e) => [e.action, e.connectorId, e.dialect])).toEqual([
        ['create', id, 'cohere'],
        ['update', id, 'generic'],
      ]);
      expect(JSON.stringify(all)).not.toContain(token);
      const found = await run(['--org', org.organizationId, '--fingerprint', token]);
      expect(found.map((e) => [e.action, e.matched])).toEqual([
        ['create', ['$.serviceAuth.token']],
      ]);
      expect(await run(['--org', org.organizationId, '--fingerprint', secret()])).toEqual([]);
      expect(await run(['--org', org.organizationId, '--connector', 'other'])).toEqual([]);
      expect(await run(['--org', org.organizationId, '--limit', '1'])).toHaveLength(1);
      await expect(run([])).rejects.toBeInstanceOf(UsageError);
      await expect(run(['--org', 'x', '--since', 'soon'])).rejects.toBeInstanceOf(UsageError);
      await expect(run(['--help'])).rejects.toBeInstanceOf(HelpRequested);
    });

    it('purges entries older than AUDIT_RETENTION_DAYS, in the background job', async () => {
      const org = await t.newOrganization();
      const id = await createGeneric(org);
      await t.sql(
        `INSERT INTO audit_events (occurred_at, organization_id, action, connector_id, changes)
         VALUES (now() - interval '366 days', $1, 'update', $2, '[]'),
                (now() - interval '364 days', $1, 'update', $2, '[]')`,
        [org.organizationId, id],
      );
      const purged = await t.app.get(AuditPurge).purge();
      expect(purged).toBeGreaterThanOrEqual(1);
      const left = await t.sql<{ occurred_at: Date }>(
        'SELECT occurred_at FROM audit_events WHERE organization_id = $1 ORDER BY occurred_at',
        [org.organizationId],
      );
      expect(left).toHaveLength(2);
      expect(Date.now() - left[0].occurred_at.getTime()).toBeLessThan(365 * 86_400_000);
    });
  });
});
