import { generateKey, parseKey, SecretCipher } from '../secrets/cipher';
import { MASK } from '../secrets/mask';
import { ConnectorsService } from './connectors.service';
import { BUILTIN_CONNECTORS } from './domain/builtin-catalog';
import type { Connector } from './domain/connector';
import {
  BuiltinConnectorNotDeletableError,
  ConnectorAlreadyExistsError,
  ConnectorNotFoundError,
  InvalidConnectorError,
} from './domain/connector.errors';
import type { Page, PageOf } from './domain/connector.input';
import { ConnectorRepository, type DeleteOutcome } from './domain/connector.repository';
import { isListed } from './domain/connector.rules';
import type { SearchResult } from './domain/connector.search';

/**
 * The domain runs without Nest or a database: this in-memory port keeps the use cases testable on
 * their own. The real store is exercised by the e2e suites against PostgreSQL.
 */
class InMemoryRepository extends ConnectorRepository {
  readonly rows = new Map<string, Connector>();
  private key = (org: string, id: string) => `${org}/${id}`;

  findById(org: string, id: string) {
    return Promise.resolve(structuredClone(this.rows.get(this.key(org, id)) ?? null));
  }
  list(org: string, page: Page): Promise<PageOf<Connector>> {
    const all = [...this.rows.values()]
      .filter((c) => c.organizationId === org && isListed(c))
      .reverse();
    return Promise.resolve({
      items: all.slice(page.offset, page.offset + page.limit),
      total: all.length,
    });
  }
  insert(c: Connector) {
    if (this.rows.has(this.key(c.organizationId, c.id)))
      throw new ConnectorAlreadyExistsError(c.id);
    this.rows.set(this.key(c.organizationId, c.id), structuredClone(c));
    return Promise.resolve(c);
  }
  async insertMissing(cs: Connector[]) {
    let n = 0;
    for (const c of cs)
      if (!this.rows.has(this.key(c.organizationId, c.id))) n += (await this.insert(c)) ? 1 : 0;
    return n;
  }
  update(org: string, id: string, change: (c: Connector) => Connector) {
    const current = this.rows.get(this.key(org, id));
    if (!current) return Promise.resolve(null);
    const next = change(structuredClone(current));
    this.rows.set(this.key(org, id), structuredClone(next));
    return Promise.resolve(next);
  }
  search(): Promise<SearchResult<Connector>> {
    // Search is SQL through and through: it is tested against PostgreSQL (test/coco-search).
    return Promise.reject(new Error('the in-memory repository does not search'));
  }
  delete(
    org: string,
    id: string,
    options: { check?: (current: Connector) => void } = {},
  ): Promise<DeleteOutcome> {
    const c = this.rows.get(this.key(org, id));
    if (!c) return Promise.resolve('not_found');
    if (c.builtin) return Promise.resolve('builtin');
    options.check?.(c);
    this.rows.delete(this.key(org, id));
    return Promise.resolve('deleted');
  }
}

describe('ConnectorsService', () => {
  const KEY = generateKey();
  const cipher = new SecretCipher(parseKey(KEY));
  let repo: InMemoryRepository;
  let clock: number;
  let service: ConnectorsService;
  const actor = { organizationId: 'acme', apiKeyId: 'key_1' };
  const other = { organizationId: 'globex', apiKeyId: 'key_2' };

  beforeEach(() => {
    repo = new InMemoryRepository();
    clock = Date.parse('2026-01-01T00:00:00Z');
    service = new ConnectorsService(repo, cipher, () => new Date(clock));
  });

  const oauth = {
    clientId: 'cid',
    clientSecret: 'the-client-secret',
    authorizeUrl: 'https://auth.example.com/authorize',
    tokenUrl: 'https://auth.example.com/token',
    scope: 'read',
  };

  it('creates with defaults, an id from the name, and secrets masked in the view', async () => {
    const view = await service.create(actor, {
      name: 'Web Search',
      url: 'https://example.com/search',
      oauth,
      config: { token: 'tok', repos: ['a'] },
    });
    expect(view.id).toMatch(/^web-search-[a-z0-9]{6}$/);
    expect(view).toMatchObject({
      active: true,
      continueOnFailure: false,
      builtin: false,
      createdBy: 'key_1',
      oauth: { ...oauth, clientSecret: MASK },
      config: { token: MASK, repos: ['a'] },
    });
    const stored = JSON.stringify([...repo.rows.values()]);
    expect(stored).not.toContain('the-client-secret');
    expect(stored).not.toContain('"tok"');
    expect(await service.openSecrets(actor, view.id)).toMatchObject({
      oauthClientSecret: 'the-client-secret',
      config: { token: 'tok', repos: ['a'] },
    });
  });

  it('refuses a taken client id, and hides other organizations', async () => {
    await service.create(actor, { id: 'mine', name: 'a' });
    await expect(service.create(actor, { id: 'mine', name: 'b' })).rejects.toBeInstanceOf(
      ConnectorAlreadyExistsError,
    );
    await expect(service.get(other, 'mine')).rejects.toBeInstanceOf(ConnectorNotFoundError);
    await expect(service.update(other, 'mine', { name: 'x' })).rejects.toBeInstanceOf(
      ConnectorNotFoundError,
    );
    await expect(service.delete(other, 'mine')).rejects.toBeInstanceOf(ConnectorNotFoundError);
  });

  it('updates only what is given, keeps secrets on omission and on masks, and moves updatedAt', async () => {
    const created = await service.create(actor, { name: 'a', oauth, excludes: ['x'] });
    clock += 1000;
    const updated = await service.update(actor, created.id, {
      oauth: { scope: 'write', clientSecret: '**********' },
      description: 'd',
    });
    expect(updated.oauth).toMatchObject({
      clientId: 'cid',
      scope: 'write',
      authorizeUrl: oauth.authorizeUrl,
    });
    expect(updated.excludes).toEqual(['x']);
    expect(updated.updatedAt.getTime()).toBe(clock);
    expect(updated.createdAt.getTime()).toBe(clock - 1000);
    expect((await service.openSecrets(actor, created.id)).oauthClientSecret).toBe(
      'the-client-secret',
    );

    await service.update(actor, created.id, { oauth: { clientSecret: 'rotated' } });
    expect((await service.openSecrets(actor, created.id)).oauthClientSecret).toBe('rotated');
  });

  it('moves updatedAt forward even when the clock did not', async () => {
    const created = await service.create(actor, { name: 'a' });
    const first = await service.update(actor, created.id, { name: 'b' });
    const second = await service.update(actor, created.id, { name: 'c' });
    expect(first.updatedAt.getTime()).toBeGreaterThan(created.updatedAt.getTime());
    expect(second.updatedAt.getTime()).toBeGreaterThan(first.updatedAt.getTime());
  });

  it('keeps one way to authenticate: service_auth replaces oauth and the reverse', async () => {
    const created = await service.create(actor, { name: 'a', oauth });
    const switched = await service.update(actor, created.id, {
      serviceAuth: { type: 'bearer', token: 't' },
    });
    expect(switched.oauth).toBeNull();
    expect(switched.serviceAuth).toEqual({ type: 'bearer', token: MASK });
    await expect(
      service.update(actor, created.id, { oauth: { clientId: 'only-an-id' } }),
    ).rejects.toThrow('oauth.authorize_url: is required');
  });

  it('refuses a masked secret with nothing stored behind it', async () => {
    await expect(
      service.create(actor, { name: 'a', oauth: { ...oauth, clientSecret: MASK } }),
    ).rejects.toThrow(InvalidConnectorError);
    await expect(
      service.create(actor, { name: 'a', config: { nested: { password: '***' } } }),
    ).rejects.toThrow('config.nested.password');
  });

  it('merges or replaces object fields', async () => {
    const c = await service.create(actor, {
      name: 'a',
      config: { token: 't1', opts: { a: 1, b: 2 } },
      processor: { enabled: true, name: 'p' },
      assets: { icons: { default: 'x' } },
    });
    const merged = await service.update(actor, c.id, {
      config: { merge: { opts: { b: 3 }, token: MASK } },
      processor: { merge: { enabled: false } },
      assets: { merge: { icons: { dark: 'y' } } },
    });
    expect(merged.config).toEqual({ token: MASK, opts: { a: 1, b: 3 } });
    expect(merged.processor).toEqual({ enabled: false, name: 'p' });
    expect(merged.assets).toEqual({ icons: { default: 'x', dark: 'y' } });
    expect((await service.openSecrets(actor, c.id)).config).toEqual({
      token: 't1',
      opts: { a: 1, b: 3 },
    });

    const replaced = await service.update(actor, c.id, {
      config: { replace: { token: '******' } },
    });
    expect(replaced.config).toEqual({ token: MASK });
    expect((await service.openSecrets(actor, c.id)).config).toEqual({ token: 't1' });
  });

  it('seals the fields a new type marks as credentials when only the type changes', async () => {
    const c = await service.create(actor, {
      name: 'retyped',
      type: 'custom',
      config: { signing: 'plain-before', target: 'https://in.example.com', token: 't1' },
    });
    const stored = () =>
      (repo.rows.get(`${actor.organizationId}/${c.id}`)?.config ?? {}) as Record<string, unknown>;
    expect(stored().signing).toBe('plain-before');
    const sealedToken = stored().token;

    const retyped = await service.update(actor, c.id, { type: 'webhook' });
    expect(retyped.config).toEqual({
      signing: MASK,
      target: 'https://in.example.com',
      token: MASK,
    });
    expect(SecretCipher.isSealed(stored().signing)).toBe(true);
    // What was sealed already is kept as it is, not sealed again.
    expect(stored().token).toBe(sealedToken);
    expect((await service.openSecrets(actor, c.id)).config).toEqual({
      signing: 'plain-before',
      target: 'https://in.example.com',
      token: 't1',
    });
  });

  it('refuses merges that would grow the stored config past its limit', async () => {
    const c = await service.create(actor, { name: 'a', config: { a: 'x'.repeat(600_000) } });
    await expect(
      service.update(actor, c.id, { config: { merge: { b: 'y'.repeat(600_000) } } }),
    ).rejects.toThrow('config: must not be larger than 1024 KiB once stored');
    expect((await service.get(actor, c.id)).config).toEqual({ a: 'x'.repeat(600_000) });
  });

  it('seeds the built-in catalog once, and never deletes a built-in', async () => {
    expect(await service.ensureBuiltins('acme')).toBe(BUILTIN_CONNECTORS.length);
    expect(await service.ensureBuiltins('acme')).toBe(0);
    const github = await service.get(actor, 'github');
    expect(github).toMatchObject({ builtin: true, name: 'GitHub', type: 'github' });
    await expect(service.delete(actor, 'github')).rejects.toBeInstanceOf(
      BuiltinConnectorNotDeletableError,
    );
    expect((await service.update(actor, 'github', { description: 'ours' })).builtin).toBe(true);
  });
  it('refuses a plain config value of the sealed form, which would pass for a secret under an unknown key', async () => {
    const lookalike = `gw1.0badc0de.${'A'.repeat(40)}`;
    await expect(
      service.create(actor, { name: 'x', config: { region: lookalike } }),
    ).rejects.toThrow(InvalidConnectorError);
    await service.create(actor, { id: 'plain', name: 'x', config: { region: 'eu' } });
    await expect(
      service.update(actor, 'plain', { config: { merge: { list: [lookalike] } } }),
    ).rejects.toThrow(InvalidConnectorError);
    // under a secret key it is a secret like any other: sealed, and opened back as sent
    await service.update(actor, 'plain', { config: { merge: { token: lookalike } } });
    expect((await service.openSecrets(actor, 'plain')).config).toEqual({
      region: 'eu',
      token: lookalike,
    });
  });

  it('re-seals every value a write keeps under the current key (lazy rotation)', async () => {
    await service.create(actor, {
      id: 'rot',
      name: 'Rotating',
      url: 'https://u:url-pw@search.example.com/search',
      config: {
        token: 'cfg-tok',
        nested: { password: 'pw' },
        plain: 'x',
        feed: 'https://f:feed-pw@feed.example.com/',
      },
      serviceAuth: { type: 'bearer', token: 'svc-tok' },
    });
    const keyIds = () =>
      [...JSON.stringify(repo.rows.get('acme/rot')).matchAll(/gw1\.([0-9a-f]{8})\./g)].map(
        (m) => m[1],
      );
    expect(keyIds()).toEqual(Array(5).fill(cipher.primaryKeyId));

    const next = parseKey(generateKey());
    const rotated = new ConnectorsService(
      repo,
      new SecretCipher(next, [parseKey(KEY)]),
      () => new Date(clock),
    );
    // A change that touches none of the secrets still moves every kept one to the new key.
    await rotated.update(actor, 'rot', { description: 'renamed' });
    expect(keyIds()).toEqual(Array(5).fill(next.id));
    expect(await rotated.openSecrets(actor, 'rot')).toMatchObject({
      url: 'https://u:url-pw@search.example.com/search',
      config: {
        token: 'cfg-tok',
        nested: { password: 'pw' },
        plain: 'x',
        feed: 'https://f:feed-pw@feed.example.com/',
      },
      serviceAuthToken: 'svc-tok',
    });
    // The old key alone can no longer open them: they really were sealed again.
    await expect(service.openSecrets(actor, 'rot')).rejects.toThrow(/no key with id/);
  });
});

describe('ConnectorsService: a stored secret only goes where it was given for', () => {
  const cipher = new SecretCipher(parseKey(generateKey()));
  const actor = { organizationId: 'acme', apiKeyId: 'key_1' };
  let service: ConnectorsService;
  const refused: string[] = [];

  beforeEach(() => {
    refused.length = 0;
    // The policy the gateway wires in (src/outbound): here, anything on 10.x is refused.
    service = new ConnectorsService(new InMemoryRepository(), cipher, undefined, {
      refuses: (url) => {
        const no = new URL(url).hostname.startsWith('10.');
        if (no) refused.push(url);
        return no;
      },
    });
  });

  const oauth = {
    clientId: 'cid',
    clientSecret: 'the-client-secret',
    authorizeUrl: 'https://auth.example.com/authorize',
    tokenUrl: 'https://auth.example.com/token',
  };

  it('refuses a url or token_url the gateway would not call, on create and on update', async () => {
    await expect(
      service.create(actor, { name: 'a', url: 'http://10.0.0.1/search' }),
    ).rejects.toMatchObject({ problems: [{ field: 'url' }] });
    await expect(
      service.create(actor, { name: 'a', oauth: { ...oauth, tokenUrl: 'http://10.1.1.1/t' } }),
    ).rejects.toMatchObject({ problems: [{ field: 'oauth.token_url' }] });
    const created = await service.create(actor, { name: 'a', url: 'https://ok.example/search' });
    await expect(
      service.update(actor, created.id, { url: 'http://10.0.0.1/search' }),
    ).rejects.toBeInstanceOf(InvalidConnectorError);
    await expect(
      service.update(actor, created.id, { oauth: { ...oauth, tokenUrl: 'http://10.2.2.2/t' } }),
    ).rejects.toBeInstanceOf(InvalidConnectorError);
    expect((await service.get(actor, created.id)).url).toBe('https://ok.example/search');
    expect(refused).toEqual([
      'http://10.0.0.1/search',
      'http://10.1.1.1/t',
      'http://10.0.0.1/search',
      'http://10.2.2.2/t',
    ]);
  });

  it('refuses moving token_url to another origin with the stored client_secret', async () => {
    const { id } = await service.create(actor, { name: 'a', oauth });
    for (const change of [
      { tokenUrl: 'https://evil.example/token' },
      { tokenUrl: 'https://evil.example/token', clientSecret: MASK },
      { tokenUrl: 'http://auth.example.com/token' }, // another scheme is another origin
      { tokenUrl: 'https://auth.example.com:8443/token' }, // and another port
    ]) {
      const error = await service.update(actor, id, { oauth: change }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidConnectorError);
      expect((error as Error).message).toBe(
        'client_secret must be sent again when token_url moves to another host',
      );
    }
    expect((await service.get(actor, id)).oauth?.tokenUrl).toBe(oauth.tokenUrl);
    expect((await service.openSecrets(actor, id)).oauthClientSecret).toBe('the-client-secret');
  });

  it('lets token_url move within its origin, or elsewhere with a new or no client_secret', async () => {
    const { id } = await service.create(actor, { name: 'a', oauth });
    await service.update(actor, id, { oauth: { tokenUrl: 'https://auth.example.com/v2/token' } });
    await service.update(actor, id, {
      oauth: { tokenUrl: 'https://new.example/token', clientSecret: 'new-secret' },
    });
    expect((await service.openSecrets(actor, id)).oauthClientSecret).toBe('new-secret');
    await service.update(actor, id, {
      oauth: { tokenUrl: 'https://third.example/token', clientSecret: null },
    });
    await service.update(actor, id, { oauth: { tokenUrl: 'https://fourth.example/token' } });
    expect((await service.get(actor, id)).oauth?.tokenUrl).toBe('https://fourth.example/token');
  });

  it('refuses moving url to another origin with the stored service_auth token', async () => {
    const { id } = await service.create(actor, {
      name: 'a',
      url: 'https://search.example.com/search',
      serviceAuth: { type: 'bearer', token: 'svc-token' },
    });
    for (const change of [
      { url: 'https://evil.example/search' },
      { url: 'https://evil.example/search', serviceAuth: { token: MASK } },
    ]) {
      const error = await service.update(actor, id, change).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidConnectorError);
      expect((error as Error).message).toBe(
        'service_auth.token must be sent again when url moves to another host',
      );
    }
    expect((await service.get(actor, id)).url).toBe('https://search.example.com/search');
    // Clearing the url sends the token nowhere; giving it a url again is a move like any other.
    await service.update(actor, id, { url: null });
    await expect(
      service.update(actor, id, { url: 'https://evil.example/search' }),
    ).rejects.toBeInstanceOf(InvalidConnectorError);
  });

  it('lets url move within its origin, or elsewhere with the token sent again', async () => {
    const { id } = await service.create(actor, {
      name: 'a',
      url: 'https://search.example.com/search',
      serviceAuth: { type: 'bearer', token: 'svc-token' },
    });
    await service.update(actor, id, { url: 'https://search.example.com/v2/search' });
    await service.update(actor, id, {
      url: 'https://moved.example/search',
      serviceAuth: { token: 'svc-token-2' },
    });
    expect((await service.openSecrets(actor, id)).serviceAuthToken).toBe('svc-token-2');
    // Without a service_auth token, the url moves freely.
    const plain = await service.create(actor, { name: 'b', url: 'https://a.example/search' });
    await service.update(actor, plain.id, { url: 'https://b.example/search' });
  });

  it('lists a built-in only once a key has changed it', async () => {
    await service.ensureBuiltins('acme');
    const own = await service.create(actor, { name: 'Own' });
    expect(await service.list(actor, { limit: 30, offset: 0 })).toMatchObject({
      items: [{ id: own.id }],
      total: 1,
    });
    await service.update(actor, 'notion', { description: 'ours' });
    const after = await service.list(actor, { limit: 30, offset: 0 });
    expect(after.items.map((c) => c.id).sort()).toEqual(['notion', own.id].sort());
    expect(after.total).toBe(2);
  });
});
