import { randomBytes } from 'node:crypto';
import type { Connector } from '../connectors/domain/connector';
import { type Sealed, SecretCipher, parseKey } from '../secrets/cipher';
import type { SealedTree } from '../secrets/secret-tree';
import { AuditHasher } from './audit-hash';
import { diffConnectors, type SecretField } from './connector-diff';

const key = randomBytes(32);
const cipher = new SecretCipher(parseKey(key.toString('base64')));
const hasher = new AuditHasher([key]);
const seal = (value: string) => cipher.seal(value, 'ctx');
/** As the service does: open the sealed value, fingerprint the clear one. */
const fingerprint = (sealed: string, field: SecretField) => {
  const clear = cipher.open(sealed as Sealed, 'ctx');
  return hasher.fingerprint(field === 'config' ? (JSON.parse(clear) as string) : clear);
};

function connector(overrides: Partial<Connector> = {}): Connector {
  return {
    organizationId: 'org',
    id: 'c1',
    name: 'Docs',
    description: null,
    url: 'https://a.example/search',
    active: true,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-01T00:00:00Z'),
    createdBy: 'k1',
    updatedBy: 'k1',
    config: null,
    builtin: false,
    version: 1,
    excludes: null,
    continueOnFailure: false,
    oauth: null,
    serviceAuth: null,
    category: null,
    icon: null,
    tags: null,
    pathHierarchy: false,
    assets: null,
    oauthConnectImplemented: false,
    processor: null,
    type: null,
    provider: null,
    ...overrides,
  };
}

describe('diffConnectors', () => {
  it('names each changed plain field by its JSON path, with old and new values', () => {
    const before = connector({
      config: { api: { region: 'eu', limit: 5 } } as unknown as SealedTree,
    });
    const after = connector({
      name: 'Docs 2',
      description: 'all of them',
      config: { api: { region: 'us', limit: 5 }, 'odd label': true } as unknown as SealedTree,
      tags: ['a', 'b'],
      version: 2,
      updatedAt: new Date(),
      updatedBy: 'k2',
    });
    expect(diffConnectors(before, after, fingerprint)).toEqual([
      { path: '$.name', old: 'Docs', new: 'Docs 2' },
      { path: '$.config.api.region', old: 'eu', new: 'us' },
      { path: "$.config['odd label']", new: true },
      { path: '$.description', new: 'all of them' },
      { path: '$.tags', new: ['a', 'b'] },
    ]);
  });

  it('records a cleared field as a removal and nothing for an unchanged connector', () => {
    const before = connector({ description: 'x' });
    expect(diffConnectors(before, connector(), fingerprint)).toEqual([
      { path: '$.description', old: 'x' },
    ]);
    expect(diffConnectors(before, { ...before, version: 2 }, fingerprint)).toEqual([]);
  });

  it('shows a secret only as changed, with the fingerprint of its new clear value', () => {
    const token = seal('tok-1');
    const secretConfig = seal(JSON.stringify('pw-1'));
    const before = connector({
      serviceAuth: { type: 'bearer', token },
      config: { password: secretConfig, user: 'me' } as unknown as SealedTree,
    });
    const newToken = seal('tok-2');
    const after = connector({
      serviceAuth: { type: 'bearer', token: newToken },
      config: { password: secretConfig, user: 'you' } as unknown as SealedTree,
    });
    const changes = diffConnectors(before, after, fingerprint);
    expect(changes).toEqual([
      { path: '$.config.user', old: 'me', new: 'you' },
      { path: '$.serviceAuth.token', secret: 'changed', fingerprint: hasher.fingerprint('tok-2') },
    ]);
    expect(JSON.stringify(changes)).not.toContain('tok-');
    expect(JSON.stringify(changes)).not.toContain(newToken);
    expect(hasher.matches('tok-2', hasher.fingerprint('tok-2'))).toBe(true);
    expect(hasher.matches('tok-1', hasher.fingerprint('tok-2'))).toBe(false);
  });

  it('lists every secret of a create and marks removed secrets', () => {
    const created = connector({
      oauth: {
        clientId: 'id',
        clientSecret: seal('cs'),
        authorizeUrl: 'https://a.example/auth',
        tokenUrl: 'https://a.example/token',
        scope: null,
      },
      config: {
        accounts: [{ name: 'a', api_key: seal(JSON.stringify('k-a')) }],
      } as unknown as SealedTree,
    });
    const changes = diffConnectors(null, created, fingerprint);
    expect(changes).toEqual(
      expect.arrayContaining([
        { path: '$.name', new: 'Docs' },
        { path: '$.config.accounts[0].name', new: 'a' },
        {
          path: '$.config.accounts[0].api_key',
          secret: 'changed',
          fingerprint: hasher.fingerprint('k-a'),
        },
        { path: '$.oauth.clientSecret', secret: 'changed', fingerprint: hasher.fingerprint('cs') },
        { path: '$.oauth.clientId', new: 'id' },
      ]),
    );
    const removed = diffConnectors(created, connector({ oauth: null }), fingerprint);
    expect(removed).toContainEqual({ path: '$.oauth.clientSecret', secret: 'removed' });
    expect(removed).toContainEqual({ path: '$.oauth.clientId', old: 'id' });
    expect(removed).toContainEqual({ path: '$.config.accounts[0].api_key', secret: 'removed' });
  });

  it('never records in clear a secret a row written before the rule knew it holds in clear', () => {
    const token = `ghp_${'a1B2'.repeat(9)}`;
    const before = connector({
      config: { note: token, api_key: 'old-plain-key', plain: 'x' } as unknown as SealedTree,
    });
    const removed = diffConnectors(before, connector({ config: null }), fingerprint);
    expect(JSON.stringify(removed)).not.toContain(token);
    expect(JSON.stringify(removed)).not.toContain('old-plain-key');
    expect(removed).toContainEqual({ path: '$.config.plain', old: 'x' });
  });

  it('a secret sealed anew with the same clear value (lazy re-seal) is no change', () => {
    const before = connector({ serviceAuth: { type: 'bearer', token: seal('same') } });
    const after = connector({ serviceAuth: { type: 'bearer', token: seal('same') } });
    expect(after.serviceAuth?.token).not.toBe(before.serviceAuth?.token);
    expect(diffConnectors(before, after, fingerprint)).toEqual([]);
  });

  it('a secret kept as it was (sent back masked) is no change', () => {
    const token = seal('same');
    const before = connector({ serviceAuth: { type: 'bearer', token } });
    const after = connector({ serviceAuth: { type: 'basic', token } });
    expect(diffConnectors(before, after, fingerprint)).toEqual([
      { path: '$.serviceAuth.type', old: 'bearer', new: 'basic' },
    ]);
  });
});

describe('AuditHasher', () => {
  it('verifies fingerprints made under a previous key, and only with the right value', () => {
    const old = randomBytes(32);
    const made = new AuditHasher([old]).fingerprint('v');
    const rotated = new AuditHasher([randomBytes(32), old]);
    expect(made).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(rotated.matches('v', made)).toBe(true);
    expect(rotated.matches('w', made)).toBe(false);
    expect(rotated.matches('v', 'sha1:00')).toBe(false);
    expect(new AuditHasher([randomBytes(32)]).matches('v', made)).toBe(false);
  });
});
