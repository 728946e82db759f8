import { generateKey, parseKey, SecretCipher, SecretCipherError } from './cipher';

describe('SecretCipher', () => {
  const primary = parseKey(generateKey());
  const cipher = new SecretCipher(primary);

  it('seals to a gw1 value naming its key, and opens it back', () => {
    const sealed = cipher.seal('s3cr3t value', 'ctx');
    expect(sealed).toMatch(/^gw1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+$/);
    expect(sealed.split('.')[1]).toBe(primary.id);
    expect(sealed).not.toContain('s3cr3t');
    expect(cipher.open(sealed, 'ctx')).toBe('s3cr3t value');
  });

  it('uses a fresh IV every time', () => {
    expect(cipher.seal('x', 'ctx')).not.toBe(cipher.seal('x', 'ctx'));
  });

  it('never repeats an IV, across refills of its pool of random bytes, and every value opens', () => {
    // 256 IVs to a pool: 1,000 seals cross several refills.
    const sealed = Array.from({ length: 1000 }, (_, i) => cipher.seal(`value ${i}`, 'ctx'));
    const ivs = sealed.map((v) =>
      Buffer.from(v.split('.')[2] ?? '', 'base64url')
        .subarray(0, 12)
        .toString('hex'),
    );
    expect(new Set(ivs).size).toBe(1000);
    expect(ivs).not.toContain('0'.repeat(24));
    sealed.forEach((v, i) => expect(cipher.open(v, 'ctx')).toBe(`value ${i}`));
  });

  it('refuses a value opened under another context (no replay into another field)', () => {
    const sealed = cipher.seal('token', 'connector:a/b#oauth');
    expect(() => cipher.open(sealed, 'connector:a/c#oauth')).toThrow(SecretCipherError);
  });

  it('refuses a tampered value', () => {
    const sealed = cipher.seal('token', 'ctx');
    const [p, k, body] = sealed.split('.') as [string, string, string];
    const bytes = Buffer.from(body, 'base64url');
    bytes[bytes.length - 1] ^= 1;
    expect(() => cipher.open(`${p}.${k}.${bytes.toString('base64url')}` as never, 'ctx')).toThrow(
      'failed authentication',
    );
  });

  it('opens values sealed under a previous key after rotation, and seals with the new one', () => {
    const old = new SecretCipher(primary);
    const sealed = old.seal('kept', 'ctx');
    const rotated = new SecretCipher(parseKey(generateKey()), [primary]);
    expect(rotated.open(sealed, 'ctx')).toBe('kept');
    expect(rotated.seal('new', 'ctx').split('.')[1]).toBe(rotated.primaryKeyId);
    expect(() => new SecretCipher(parseKey(generateKey())).open(sealed, 'ctx')).toThrow(
      /no key with id/,
    );
  });

  it('rejects keys that are not 32 bytes', () => {
    expect(() => parseKey(Buffer.alloc(16).toString('base64'))).toThrow(/32 bytes/);
  });

  it('recognises sealed values', () => {
    expect(SecretCipher.isSealed(cipher.seal('a'))).toBe(true);
    expect(SecretCipher.isSealed('gw1.')).toBe(false);
    expect(SecretCipher.isSealed('hello')).toBe(false);
    expect(SecretCipher.isSealed(42)).toBe(false);
  });
});
