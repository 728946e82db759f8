import { canonicalJson, parseIdempotencyKey, RequestFingerprinter } from './idempotency-key';

describe('parseIdempotencyKey', () => {
  it('takes one printable key of 1 to 255 characters', () => {
    expect(parseIdempotencyKey(undefined)).toEqual({ kind: 'absent' });
    expect(parseIdempotencyKey('  order-42  ')).toEqual({ kind: 'key', key: 'order-42' });
    expect(parseIdempotencyKey('k'.repeat(255))).toEqual({ kind: 'key', key: 'k'.repeat(255) });
  });

  it('refuses empty, over-long, non-ASCII and repeated keys', () => {
    for (const bad of ['', '   ', 'k'.repeat(256), 'clé', 'a\tb', ['a', 'b']]) {
      expect(parseIdempotencyKey(bad)).toEqual({ kind: 'invalid' });
    }
  });
});

describe('canonicalJson', () => {
  it('spells the same object the same way whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });

  it('tells different bodies apart', () => {
    expect(canonicalJson({ a: '1' })).not.toBe(canonicalJson({ a: 1 }));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
    expect(canonicalJson(undefined)).toBe('null');
  });
});

describe('RequestFingerprinter', () => {
  const f = new RequestFingerprinter(Buffer.alloc(32, 7));

  it('depends on route and body, not on key order', () => {
    const a = f.fingerprint('POST', '/v1/connectors', { name: 'x', url: 'https://a' });
    expect(f.fingerprint('POST', '/v1/connectors', { url: 'https://a', name: 'x' })).toBe(a);
    expect(f.fingerprint('POST', '/v1/connectors', { name: 'y', url: 'https://a' })).not.toBe(a);
    expect(f.fingerprint('POST', '/connector', { name: 'x', url: 'https://a' })).not.toBe(a);
  });

  it('is keyed: another encryption key gives another fingerprint', () => {
    const other = new RequestFingerprinter(Buffer.alloc(32, 8));
    expect(other.fingerprint('POST', '/v1/connectors', { token: 's3cret' })).not.toBe(
      f.fingerprint('POST', '/v1/connectors', { token: 's3cret' }),
    );
  });
});
