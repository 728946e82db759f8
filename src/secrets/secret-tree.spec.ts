import { generateKey, parseKey, SecretCipher } from './cipher';
import type { JsonObject } from './json';
import { MASK } from './mask';
import {
  MaskWithoutSecretError,
  maskTree,
  mergeTree,
  openTree,
  sealTree,
  type SealedTree,
} from './secret-tree';

const cipher = new SecretCipher(parseKey(generateKey()));
const CTX = 'connector:acme/x#config';

const config: JsonObject = {
  token: 'ghp_top',
  repos: ['infinilabs/coco-server'],
  nested: { db: { password: 'pw1', host: 'db.local' } },
  accounts: [
    { name: 'a', api_key: 'k1' },
    { name: 'b', api_key: 'k2' },
  ],
  credentials: { type: 'service_account', private_key: 'pem' },
  empty_token: null,
};

describe('secret trees', () => {
  const sealed = sealTree(config, null, cipher, CTX);

  it('seals every secret at any depth, inside arrays too, and nothing else', () => {
    // Ciphertext is random base64url and may contain `k1` by chance: look for the clear secrets
    // in everything but the sealed values, and prove each sealed value holds its own secret.
    const text = JSON.stringify(sealed, (_key, value: unknown) =>
      SecretCipher.isSealed(value) ? '<sealed>' : value,
    );
    for (const secret of ['ghp_top', 'pw1', 'k1', 'k2', 'pem']) expect(text).not.toContain(secret);
    const opened = (value: unknown) =>
      SecretCipher.isSealed(value) ? (JSON.parse(cipher.open(value, CTX)) as unknown) : value;
    const accounts = sealed.accounts as JsonObject[];
    expect(opened(accounts[0]?.api_key)).toBe('k1');
    expect(opened(accounts[1]?.api_key)).toBe('k2');
    expect(opened(((sealed.nested as JsonObject).db as JsonObject).password)).toBe('pw1');
    expect(sealed.repos).toEqual(['infinilabs/coco-server']);
    expect((sealed.nested as JsonObject).db).toMatchObject({ host: 'db.local' });
    expect(SecretCipher.isSealed(sealed.token)).toBe(true);
    expect(SecretCipher.isSealed(sealed.credentials)).toBe(true);
    expect(sealed.empty_token).toBeNull();
  });

  it('masks every secret for a view', () => {
    expect(maskTree(sealed)).toEqual({
      token: MASK,
      repos: ['infinilabs/coco-server'],
      nested: { db: { password: MASK, host: 'db.local' } },
      accounts: [
        { name: 'a', api_key: MASK },
        { name: 'b', api_key: MASK },
      ],
      credentials: MASK,
      empty_token: null,
    });
  });

  it('opens back to the clear configuration, non-string secrets included', () => {
    expect(openTree(sealed, cipher, CTX)).toEqual(config);
  });

  it('keeps stored secrets where a mask comes back, on replace', () => {
    const replaced = sealTree(
      {
        token: '***',
        nested: { db: { password: '**********' } },
        accounts: [{ name: 'a', api_key: MASK }],
      },
      sealed,
      cipher,
      CTX,
    );
    expect(openTree(replaced, cipher, CTX)).toEqual({
      token: 'ghp_top',
      nested: { db: { password: 'pw1' } },
      accounts: [{ name: 'a', api_key: 'k1' }],
    });
  });

  it('follows an array entry by its identity, not its position, when entries are removed or moved', () => {
    const kept = sealTree(
      {
        accounts: [
          { name: 'b', api_key: MASK },
          { name: 'a', api_key: '***' },
        ],
      },
      sealed,
      cipher,
      CTX,
    );
    expect(openTree(kept, cipher, CTX).accounts).toEqual([
      { name: 'b', api_key: 'k2' },
      { name: 'a', api_key: 'k1' },
    ]);
  });

  it('refuses a masked entry that matches no stored entry, rather than guess', () => {
    expect(() =>
      sealTree({ accounts: [{ name: 'c', api_key: MASK }] }, sealed, cipher, CTX),
    ).toThrow('config.accounts[0].api_key');
  });

  it('identifies entries without an identity field by their non-secret content', () => {
    const stored = sealTree(
      {
        hosts: [
          { port: 1, password: 'p1' },
          { port: 2, password: 'p2' },
        ],
      },
      null,
      cipher,
      CTX,
    );
    const back = sealTree({ hosts: [{ port: 2, password: MASK }] }, stored, cipher, CTX);
    expect(openTree(back, cipher, CTX)).toEqual({ hosts: [{ port: 2, password: 'p2' }] });
    expect(() => sealTree({ hosts: [{ port: 3, password: MASK }] }, stored, cipher, CTX)).toThrow(
      'config.hosts[0].password',
    );
  });

  it('refuses a mask with nothing stored behind it, naming the path', () => {
    expect(() => sealTree({ a: [{ token: MASK }] }, null, cipher, CTX)).toThrow(
      MaskWithoutSecretError,
    );
    expect(() => sealTree({ a: [{ token: MASK }] }, null, cipher, CTX)).toThrow(
      'config.a[0].token',
    );
  });

  it('merges key by key: objects merge, arrays and scalars replace, masks keep, new values seal', () => {
    const merged = mergeTree(
      sealed,
      {
        nested: { db: { port: 5432 } },
        repos: ['a/b'],
        token: MASK,
        accounts: [{ name: 'c', api_key: 'k3' }],
      },
      cipher,
      CTX,
    );
    expect(openTree(merged, cipher, CTX)).toEqual({
      ...config,
      nested: { db: { password: 'pw1', host: 'db.local', port: 5432 } },
      repos: ['a/b'],
      accounts: [{ name: 'c', api_key: 'k3' }],
    });
    // untouched sealed values are carried over as they were, not sealed again
    expect((merged.nested as { db: { password: string } }).db.password).toBe(
      (sealed.nested as { db: { password: string } }).db.password,
    );
  });

  it('replaces a secret object whole rather than merging into it', () => {
    const merged = mergeTree(sealed, { credentials: { type: 'other' } }, cipher, CTX);
    expect(openTree(merged, cipher, CTX).credentials).toEqual({ type: 'other' });
  });

  it('changes a secret when a new value is sent', () => {
    const merged = mergeTree(sealed, { token: 'ghp_new' }, cipher, CTX);
    expect(openTree(merged, cipher, CTX).token).toBe('ghp_new');
  });
});

describe('secret trees: the value rule, URL passwords and fields marked by a type', () => {
  const GHP = `ghp_${'a1B2'.repeat(9)}`;
  const HOOK = 'https://hooks.slack.com/services/T0/B0/abcdefghijklmnop';
  const clear: JsonObject = {
    note: GHP,
    hooks: [{ channel: 'ops', target: HOOK }],
    db: 'postgres://app:s3cr3t%40x@db.internal:5432/app',
    signing: 'plain-looking-value',
    plain: 'https://github.com/acme/repo',
  };
  const marked = new Set(['signing']);
  const stored = sealTree(clear, null, cipher, CTX, 'data', marked);

  it('seals well-known credentials under any key, URL passwords in place, and marked fields', () => {
    const text = JSON.stringify(stored);
    for (const secret of [GHP, HOOK, 's3cr3t', 'plain-looking-value']) {
      expect(text).not.toContain(secret);
    }
    expect(SecretCipher.isSealed(stored.note)).toBe(true);
    expect(SecretCipher.isSealed(stored.signing)).toBe(true);
    expect(stored.db).toMatch(/^postgres:\/\/app:gw1\.[^@]+@db\.internal:5432\/app$/);
    expect(stored.plain).toBe('https://github.com/acme/repo');
  });

  it('masks them, the URL showing everything but its password', () => {
    expect(maskTree(stored)).toEqual({
      note: MASK,
      hooks: [{ channel: 'ops', target: MASK }],
      db: `postgres://app:${MASK}@db.internal:5432/app`,
      signing: MASK,
      plain: 'https://github.com/acme/repo',
    });
  });

  it('opens them back, and keeps them when their masks come back', () => {
    expect(openTree(stored, cipher, CTX)).toEqual(clear);
    const back = sealTree(maskTree(stored), stored, cipher, CTX, 'data', marked);
    expect(openTree(back, cipher, CTX)).toEqual(clear);
  });

  it('keeps a URL password sent back masked only for the same user at the same host', () => {
    const moved = sealTree(
      { db: `postgres://app:${MASK}@db.internal:5432/other` },
      stored,
      cipher,
      CTX,
    );
    expect(openTree(moved, cipher, CTX).db).toBe(
      'postgres://app:s3cr3t%40x@db.internal:5432/other',
    );
    expect(() =>
      sealTree({ db: `postgres://app:${MASK}@evil.example:5432/app` }, stored, cipher, CTX, 'data'),
    ).toThrow('data.db');
    expect(() => sealTree({ db: `https://x:${MASK}@h/` }, null, cipher, CTX, 'data')).toThrow(
      MaskWithoutSecretError,
    );
  });

  it('opens text in the sealed form stored in clear under a plain key as that text', () => {
    const legacy = cipher.seal('"x"', 'connector:other/x#config');
    const stored = { note: legacy } as unknown as SealedTree;
    expect(openTree(stored, cipher, CTX)).toEqual({ note: legacy });
    const secret = { token: legacy } as unknown as SealedTree;
    expect(() => openTree(secret, cipher, CTX)).toThrow('failed authentication');
  });

  it('treats a client-sent string in the sealed form as a secret, not as a stored value', () => {
    const forged = cipher.seal('"x"', 'connector:other/x#config');
    const sealedAgain = sealTree({ v: forged }, null, cipher, CTX);
    expect(sealedAgain.v).not.toBe(forged);
    expect(openTree(sealedAgain, cipher, CTX).v).toBe(forged);
  });
});
