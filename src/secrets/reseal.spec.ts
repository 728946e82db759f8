import { generateKey, parseKey, SecretCipher, SecretCipherError, type Sealed } from './cipher';
import type { JsonObject } from './json';
import { isStale, keyIdOf, resealJson, resealValue } from './reseal';

describe('re-sealing under the current key', () => {
  const k1 = parseKey(generateKey());
  const k2 = parseKey(generateKey());
  const before = new SecretCipher(k1);
  const after = new SecretCipher(k2, [k1]);
  const CTX = 'connector:acme/x#config';

  it('opens with the old key and seals with the current one, same context', () => {
    const old = before.seal('s3cret', CTX);
    const next = resealValue(after, old, CTX);
    expect(keyIdOf(old)).toBe(k1.id);
    expect(keyIdOf(next)).toBe(k2.id);
    expect(new SecretCipher(k2).open(next, CTX)).toBe('s3cret');
    // bound to the same context as before
    expect(() => after.open(next, 'connector:acme/y#config')).toThrow(SecretCipherError);
  });

  it('leaves a value already under the current key as it is (idempotent)', () => {
    const current = after.seal('v', CTX);
    expect(isStale(after, current)).toBe(false);
    expect(resealValue(after, current, CTX)).toBe(current);
  });

  it('refuses a value sealed for another context rather than move it', () => {
    const old = before.seal('v', 'connector:acme/other#config');
    expect(() => resealValue(after, old, CTX)).toThrow(SecretCipherError);
  });

  it('re-seals every stale value of a JSON tree, counting them, and keeps the rest', () => {
    const fresh = after.seal('"fresh"', CTX);
    const tree: JsonObject = {
      token: before.seal('"t"', CTX),
      list: [{ password: before.seal('"p"', CTX) }, 'plain'],
      fresh,
      lookalike: `gw1.${k1.id}.${'A'.repeat(48)}`,
      n: 3,
    };
    const outcome = resealJson(after, tree, CTX);
    expect(outcome).toMatchObject({ resealed: 2, failed: 1 });
    const value = outcome.value;
    expect(keyIdOf(value.token as Sealed)).toBe(k2.id);
    expect(after.open(value.token as Sealed, CTX)).toBe('"t"');
    const entry = (value.list as JsonObject[])[0];
    expect(after.open(entry.password as Sealed, CTX)).toBe('"p"');
    expect((value.list as unknown[])[1]).toBe('plain');
    expect(value.fresh).toBe(fresh);
    expect(value.lookalike).toBe(tree.lookalike);
    expect(value.n).toBe(3);
  });

  it('re-seals the sealed password inside a URL, in a tree and as a whole value', () => {
    const url = (password: string) => `https://bob:${password}@db.example.com:8443/x?y=1`;
    const tree: JsonObject = {
      endpoint: url(before.seal('"p@ss"', CTX)),
      other: url(`gw1.${k1.id}.${'A'.repeat(48)}`),
      text: `see ${url(before.seal('"q"', CTX))}`,
    };
    const outcome = resealJson(after, tree, CTX);
    // the lookalike does not open (failed, kept); text that is no URL is not looked into
    expect(outcome).toMatchObject({ resealed: 1, failed: 1 });
    const opened = /^https:\/\/bob:(gw1\.[^@]+)@db\.example\.com:8443\/x\?y=1$/.exec(
      outcome.value.endpoint as string,
    );
    expect(opened).not.toBeNull();
    expect(keyIdOf(opened?.[1] as Sealed)).toBe(k2.id);
    expect(new SecretCipher(k2).open(opened?.[1] as Sealed, CTX)).toBe('"p@ss"');
    expect(outcome.value.other).toBe(tree.other);
    expect(outcome.value.text).toBe(tree.text);

    const column = url(before.seal('"c"', '#url'));
    const alone = resealJson(after, column, '#url');
    expect(alone.resealed).toBe(1);
    expect(alone.value).toMatch(new RegExp(`^https://bob:gw1\\.${k2.id}\\.`));
    expect(resealJson(after, alone.value, '#url')).toEqual({
      value: alone.value,
      resealed: 0,
      failed: 0,
    });
  });

  it('returns the very same tree when nothing was stale', () => {
    const tree: JsonObject = { token: after.seal('"t"', CTX) };
    const outcome = resealJson(after, tree, CTX);
    expect(outcome).toEqual({ value: tree, resealed: 0, failed: 0 });
    expect(outcome.value).toBe(tree);
  });

  it('keeps a __proto__ key a key', () => {
    const tree = JSON.parse(`{"__proto__": {"token": "${before.seal('"x"', CTX)}"}}`) as JsonObject;
    const value = resealJson(after, tree, CTX).value;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });
});
