import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { ConnectorsService } from '../src/connectors/connectors.service';
import { startTestApp, type TestApp } from './app';
import {
  expectNoClearSecrets,
  expectNoClearSecretsInRows,
  recordResponses,
  type ResponseRecorder,
  SEALED_VALUE,
} from './secrets';

const MASK = '******';
const hex = (n: number) => randomBytes(n).toString('hex');
const alnum = (n: number) =>
  randomBytes(n * 2)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, n);
const upper = (n: number) =>
  alnum(n * 3)
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, n);

/** Every clear secret this suite sends, searched for in every response and every row. */
const clear: string[] = [];
const keep = (value: string) => (clear.push(value), value);

/** Keys the name rule must take for secrets (issue 8's list), each with a fresh value. */
function byName(): Record<string, string> {
  const names = [
    'ssh_key',
    'key',
    'master_key',
    'hmac_key',
    'license_key',
    'apikey',
    'webhook_url',
    'auth_header',
    'authorization_header',
    'jwt',
    'service_account_json',
    'gcp_credentials',
    'private',
    'client_cert',
    'pem',
  ];
  return Object.fromEntries(names.map((name) => [name, keep(`${name}-${hex(10)}`)]));
}

/** Values the value rule must take for secrets under innocent keys. */
function byValue(): Record<string, string> {
  return {
    note_github: keep(`ghp_${alnum(36)}`),
    note_github_oauth: keep(`gho_${alnum(36)}`),
    note_github_pat: keep(`github_pat_${alnum(22)}_${alnum(30)}`),
    note_slack: keep(`xoxb-${hex(6)}-${hex(6)}-${alnum(24)}`),
    note_slack_app: keep(`xoxa-${hex(12)}`),
    note_slack_user: keep(`xoxp-${hex(12)}`),
    note_aws: keep(`AKIA${upper(16)}`),
    note_stripe_live: keep(`sk_live_${alnum(24)}`),
    note_stripe_test: keep(`sk_test_${alnum(24)}`),
    note_pem: keep(
      `-----BEGIN RSA PRIVATE KEY-----\nMIIE${hex(24)}\n-----END RSA PRIVATE KEY-----\n`,
    ),
    note_jwt: keep(`eyJhbGciOiJIUzI1NiJ9.eyJ${alnum(20)}.${alnum(43)}`),
    note_slack_hook: keep(`https://hooks.slack.com/services/T${hex(4)}/B${hex(4)}/${hex(12)}`),
    note_discord_hook: keep(`https://discord.com/api/webhooks/${Date.now()}/${alnum(40)}`),
  };
}

describe('the secret rule, in every dialect', () => {
  let t: TestApp;
  let responses: ResponseRecorder;

  beforeAll(async () => {
    t = await startTestApp();
    responses = recordResponses(t.server);
  });

  afterAll(async () => {
    try {
      expect(clear.length).toBeGreaterThan(40);
      expectNoClearSecrets(responses.bodies, clear);
      await expectNoClearSecretsInRows(t, clear);
    } finally {
      responses?.stop();
      await t?.close();
    }
  });

  async function org() {
    const o = await t.newOrganization('rule');
    const actor = { organizationId: o.organizationId, apiKeyId: o.keyId };
    return {
      auth: { Authorization: `Bearer ${o.key}` },
      secrets: (id: string) => t.app.get(ConnectorsService).openSecrets(actor, id),
      row: async (id: string) =>
        (
          await t.sql<{ url: string | null; config: Record<string, unknown> | null }>(
            'SELECT url, config FROM connectors WHERE organization_id = $1 AND id = $2',
            [o.organizationId, id],
          )
        )[0],
    };
  }

  it('Coco config: every name and value format sealed, masked, and kept through its mask', async () => {
    const o = await org();
    const password = keep(`pw-${hex(8)}`);
    const config = {
      ...byName(),
      ...byValue(),
      db_url: `postgres://app:${password}@db.example.com:5432/app`,
      repos: ['acme/wiki'],
      primary_key: 'id',
    };
    const created = await request(t.server)
      .post('/connector/')
      .set(o.auth)
      .send({ name: 'Rule Coco', category: 'website', config })
      .expect(200);
    const id = created.body._id as string;

    // stored: every secret sealed, the URL's password sealed in place
    const row = await o.row(id);
    for (const key of Object.keys(config)) {
      if (key === 'db_url' || key === 'repos' || key === 'primary_key') continue;
      expect({ key, value: row.config![key] }).toEqual({
        key,
        value: expect.stringMatching(SEALED_VALUE),
      });
    }
    expect(row.config!.db_url).toMatch(
      /^postgres:\/\/app:gw1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+@db\.example\.com:5432\/app$/,
    );
    expect(row.config!.primary_key).toBe('id');

    // shown: masked, the URL with its password masked only
    const viewed = (await request(t.server).get(`/connector/${id}`).set(o.auth).expect(200)).body
      ._source.config as Record<string, unknown>;
    const masked = Object.fromEntries(
      Object.keys(config).map((key) => [
        key,
        key === 'repos' || key === 'primary_key' ? config[key] : MASK,
      ]),
    );
    masked.db_url = `postgres://app:${MASK}@db.example.com:5432/app`;
    expect(viewed).toEqual(masked);

    // sent back as shown: every stored secret kept
    await request(t.server)
      .put(`/connector/${id}`)
      .set(o.auth)
      .send({ name: 'Rule Coco', category: 'website', config: viewed })
      .expect(200);
    expect((await o.secrets(id)).config).toEqual(config);
    expect((await o.row(id)).config).toEqual(row.config);
  });

  it('generic data: the same, and a field marked by its type sealed under an innocent name', async () => {
    const o = await org();
    const password = keep(`pw-${hex(8)}`);
    const signing = keep(`signing-${hex(10)}`);
    const data = {
      ...byName(),
      ...byValue(),
      target: 'https://events.example.com/in',
      signing,
      mirror: `https://ops:${password}@mirror.example.com/feed`,
    };
    const created = await request(t.server)
      .post('/generic/v1/connectors')
      .set(o.auth)
      .send({ name: 'Rule Generic', type: 'webhook', data })
      .expect(200);
    const id = created.body.data.id as string;
    const shown = created.body.data.maskedData as Record<string, unknown>;
    expect(shown.signing).toBe(MASK);
    expect(shown.target).toBe('https://events.example.com/in');
    expect(shown.mirror).toBe(`https://ops:${MASK}@mirror.example.com/feed`);
    for (const key of [...Object.keys(byName()), ...Object.keys(byValue())])
      expect(shown[key]).toBe(MASK);
    const row = await o.row(id);
    expect(row.config!.signing).toMatch(SEALED_VALUE);

    // The same innocent name on a type that does not mark it is plain data.
    const plain = await request(t.server)
      .post('/generic/v1/connectors')
      .set(o.auth)
      .send({ name: 'Plain', type: 'custom', data: { signing: 'not-a-secret-here' } })
      .expect(200);
    expect(plain.body.data.maskedData).toEqual({ signing: 'not-a-secret-here' });

    // round trip through the masks, then a change of one secret
    await request(t.server)
      .put(`/generic/v1/connectors/${id}`)
      .set(o.auth)
      .send({ data: shown })
      .expect(200);
    expect((await o.secrets(id)).config).toEqual(data);
    const newSigning = keep(`signing-${hex(10)}`);
    await request(t.server)
      .put(`/generic/v1/connectors/${id}`)
      .set(o.auth)
      .send({ data: { signing: newSigning } })
      .expect(200);
    expect((await o.secrets(id)).config).toEqual({ ...data, signing: newSigning });

    // a masked URL moved to another host does not take the password along
    const moved = await request(t.server)
      .put(`/generic/v1/connectors/${id}`)
      .set(o.auth)
      .send({ data: { mirror: `https://ops:${MASK}@evil.example.com/feed` } })
      .expect(400);
    expect(moved.body.details).toEqual([
      { field: 'data.mirror', reason: 'is a masked value, but no secret is stored to keep' },
    ]);
  });

  it('Cohere url: the password in its userinfo sealed, shown masked, kept through the mask', async () => {
    const o = await org();
    const password = keep(`pw-${hex(8)}`);
    const url = `https://search:${password}@search.example.com/v1/search?x=1`;
    const created = await request(t.server)
      .post('/v1/connectors')
      .set(o.auth)
      .send({ name: 'Rule Cohere', url })
      .expect(200);
    const id = created.body.connector.id as string;
    const shownUrl = `https://search:${MASK}@search.example.com/v1/search?x=1`;
    expect(created.body.connector.url).toBe(shownUrl);
    expect((await o.row(id)).url).toMatch(
      /^https:\/\/search:gw1\.[^@]+@search\.example\.com\/v1\/search\?x=1$/,
    );
    expect((await o.secrets(id)).url).toBe(url);

    // the masked URL sent back keeps the password, also with another path
    const patched = await request(t.server)
      .patch(`/v1/connectors/${id}`)
      .set(o.auth)
      .send({ url: `https://search:${MASK}@search.example.com/v2/search` })
      .expect(200);
    expect(patched.body.connector.url).toBe(`https://search:${MASK}@search.example.com/v2/search`);
    expect((await o.secrets(id)).url).toBe(
      `https://search:${password}@search.example.com/v2/search`,
    );

    // the same in the Coco and generic views of that connector
    for (const path of [`/connector/${id}`, `/generic/v1/connectors/${id}`]) {
      const view = await request(t.server).get(path).set(o.auth).expect(200);
      expect(JSON.stringify(view.body)).not.toContain(password);
    }
    const cocoView = await request(t.server).get(`/connector/${id}`).set(o.auth).expect(200);
    expect(cocoView.body._source.url).toBe(`https://search:${MASK}@search.example.com/v2/search`);

    // a mask for another host, or with nothing stored, is refused
    await request(t.server)
      .patch(`/v1/connectors/${id}`)
      .set(o.auth)
      .send({ url: `https://search:${MASK}@evil.example.com/v2/search` })
      .expect(400);
    const none = await request(t.server)
      .post('/v1/connectors')
      .set(o.auth)
      .send({ name: 'No Secret', url: `https://search:${MASK}@search.example.com/` })
      .expect(400);
    expect(none.body.message).toContain('url');
    expect((await o.secrets(id)).url).toBe(
      `https://search:${password}@search.example.com/v2/search`,
    );
  });
});

describe('connector types in the generic dialect', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(async () => t?.close());

  it('lists the types without an API key, in the envelope, credential fields marked', async () => {
    const res = await request(t.server)
      .get('/generic/v1/connector-types')
      .set('X-Request-Id', 'types-1')
      .expect(200);
    expect(res.headers['x-request-id']).toBe('types-1');
    expect(res.body).toMatchObject({ code: 200, message: 'success', requestId: 'types-1' });
    const types = res.body.data.items as Array<Record<string, unknown>>;
    const slugs = types.map((x) => x.type);
    for (const slug of [
      'github',
      'gitlab',
      'google-drive',
      's3',
      'notion',
      'confluence',
      'jira',
      'slack',
      'postgres',
      'webhook',
    ]) {
      expect(slugs).toContain(slug);
    }
    for (const type of types) {
      expect(Object.keys(type).sort()).toEqual([
        'category',
        'dataSchema',
        'description',
        'name',
        'provider',
        'tags',
        'type',
      ]);
    }
    const slack = types.find((x) => x.type === 'slack')!;
    expect(slack.dataSchema).toMatchObject({
      type: 'object',
      properties: { bot_token: { type: 'string', format: 'password', writeOnly: true } },
    });
  });

  it('answers one type, and 404 in the envelope for an unknown one', async () => {
    const one = await request(t.server).get('/generic/v1/connector-types/webhook').expect(200);
    expect(one.body.data).toMatchObject({
      type: 'webhook',
      dataSchema: { properties: { signing: { writeOnly: true, format: 'password' } } },
    });
    const missing = await request(t.server)
      .get('/generic/v1/connector-types/no-such-type')
      .set('X-Request-Id', 'types-2')
      .expect(404);
    expect(missing.body).toEqual({
      code: 404,
      details: [],
      message: "connector type 'no-such-type' not found",
      requestId: 'types-2',
    });
    expect(missing.headers['x-request-id']).toBe('types-2');
  });
});
