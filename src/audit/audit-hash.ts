import {
  createHmac,
  createSecretKey,
  hkdfSync,
  type KeyObject,
  timingSafeEqual,
} from 'node:crypto';

const PREFIX = 'hmac-sha256:';

/** The audit hash key of one encryption key (HKDF-SHA256; never the encryption key itself). */
export function auditHashKey(encryptionKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', encryptionKey, 'connector-gateway', 'audit-hash-v1', 32));
}

/**
 * Vault's audit hash: the fingerprint of a secret is HMAC-SHA256 of its clear value under a key
 * derived from the encryption key. Whoever holds a candidate value (and the gateway's key) can
 * check it; the fingerprint alone tells nothing. The first key hashes; older keys (rotation)
 * still verify the fingerprints made before.
 */
export class AuditHasher {
  /** KeyObjects made once: an HMAC under a raw Buffer key costs Node a new one each time. */
  private readonly keys: KeyObject[];

  constructor(encryptionKeys: Buffer[]) {
    if (!encryptionKeys.length) throw new Error('the audit hash needs an encryption key');
    this.keys = encryptionKeys.map((key) => createSecretKey(auditHashKey(key)));
  }

  fingerprint(value: string): string {
    return PREFIX + this.hmac(this.keys[0], value);
  }

  /** True when `fingerprint` is the fingerprint of `candidate` under any key of the ring. */
  matches(candidate: string, fingerprint: string): boolean {
    if (!fingerprint.startsWith(PREFIX)) return false;
    const given = Buffer.from(fingerprint.slice(PREFIX.length), 'hex');
    return this.keys.some((key) => {
      const expected = Buffer.from(this.hmac(key, candidate), 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  }

  private hmac(key: KeyObject, value: string): string {
    return createHmac('sha256', key).update(value, 'utf8').digest('hex');
  }
}
