import { createHmac, hkdfSync } from 'node:crypto';
import type { Json } from '../secrets/json';

/** The header a client sends to make a create safe to retry (IETF httpapi draft; Stripe's meaning). */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** Printable ASCII, 1 to 255 characters: what Stripe and the draft's examples accept. */
const KEY_FORMAT = /^[\x20-\x7e]{1,255}$/;

export type ParsedKey = { kind: 'absent' } | { kind: 'key'; key: string } | { kind: 'invalid' };

/** The key a request carries: none, one well-formed key, or something that cannot be one. */
export function parseIdempotencyKey(header: string | string[] | undefined): ParsedKey {
  if (header === undefined) return { kind: 'absent' };
  if (Array.isArray(header)) return { kind: 'invalid' };
  const key = header.trim();
  return KEY_FORMAT.test(key) ? { kind: 'key', key } : { kind: 'invalid' };
}

/** JSON with object keys sorted at every depth: one text for every spelling of the same body. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value)
    .sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, Json>)[k])}`);
  return `{${entries.join(',')}}`;
}

/**
 * What identifies a request for its key: route and body, as an HMAC under a key derived from the
 * encryption key. A body may carry secrets, so only this keyed digest is stored, never the body.
 */
export class RequestFingerprinter {
  private readonly key: Buffer;

  constructor(encryptionKey: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'idempotency', 32));
  }

  fingerprint(method: string, route: string, body: unknown): string {
    return createHmac('sha256', this.key)
      .update(`${method} ${route}\n`)
      .update(canonicalJson(body))
      .digest('base64url');
  }
}
