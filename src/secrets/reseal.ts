import { SecretCipher, SecretCipherError, type Sealed } from './cipher';
import { isJsonObject, type Json } from './json';
import { splitUrlPassword } from './secret-rule';

/**
 * Key rotation, value by value: a value sealed under an older key is opened with that key and sealed
 * again under the current one, with the same context (so it stays bound to the same organization,
 * connector and field). The one place both the `secrets reseal` command and every write (lazy
 * rotation) go through.
 */

/** The key id a sealed value names (`gw1.<keyId>.<payload>`). */
export function keyIdOf(sealed: Sealed): string {
  return sealed.split('.')[1] ?? '';
}

/** True when `value` is sealed under a key other than the cipher's current one. */
export function isStale(cipher: SecretCipher, value: unknown): value is Sealed {
  return SecretCipher.isSealed(value) && keyIdOf(value) !== cipher.primaryKeyId;
}

/**
 * The value sealed under the current key. A value already under it is returned as it is (the same
 * string: re-sealing is idempotent). Throws SecretCipherError when the value cannot be opened.
 */
export function resealValue(cipher: SecretCipher, sealed: Sealed, context: string): Sealed {
  if (!isStale(cipher, sealed)) return sealed;
  return cipher.seal(cipher.open(sealed, context), context);
}

/** `resealValue` for an optional value (null and undefined pass through). */
export function resealOptional<T extends Sealed | null | undefined>(
  cipher: SecretCipher,
  sealed: T,
  context: string,
): T {
  return (sealed ? resealValue(cipher, sealed, context) : sealed) as T;
}

export interface ResealOutcome<T> {
  value: T;
  /** Values now sealed under the current key that were not before. */
  resealed: number;
  /** Values under an older key that could not be opened (left as they were). */
  failed: number;
}

/**
 * Re-seals every stale sealed string anywhere in a JSON value (a configuration tree, a column
 * holding `{clientSecret: sealed}`, a URL), all under one context: whole sealed strings, and the
 * sealed password inside a URL's userinfo (`https://user:gw1.<keyId>.<payload>@host/...`, what
 * `sealUrlPassword` stores, sealed with the same context as the tree or column holding it).
 * A string that only looks sealed but
 * does not open (authenticated encryption: it is not ours, or not for this context) is left alone
 * and counted as failed, never guessed at.
 */
export function resealJson<T extends Json>(
  cipher: SecretCipher,
  node: T,
  context: string,
): ResealOutcome<T> {
  let resealed = 0;
  let failed = 0;
  const reseal = (value: Sealed): Sealed | null => {
    try {
      const next = resealValue(cipher, value, context);
      resealed++;
      return next;
    } catch (error) {
      if (!(error instanceof SecretCipherError)) throw error;
      failed++;
      return null;
    }
  };
  const walk = (value: Json): Json => {
    if (isStale(cipher, value)) return reseal(value) ?? value;
    if (typeof value === 'string') {
      const url = splitUrlPassword(value);
      if (!url || !isStale(cipher, url.password)) return value;
      const next = reseal(url.password);
      return next ? `${url.before}${next}${url.after}` : value;
    }
    if (Array.isArray(value)) return value.map(walk);
    if (isJsonObject(value)) {
      // fromEntries: a `__proto__` key stays a key, as JSON.parse made it.
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    }
    return value;
  };
  const value = walk(node) as T;
  return { value: resealed ? value : node, resealed, failed };
}
