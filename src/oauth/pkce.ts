import { createHash, randomBytes } from 'node:crypto';

/**
 * RFC 7636 (PKCE, S256) and the `state` parameter. Both are 256 random bits, base64url (43
 * characters, inside PKCE's 43..128 unreserved alphabet).
 */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** `code_challenge` = BASE64URL(SHA256(ASCII(code_verifier))). */
export function codeChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** What the store keys a flow by: the state itself is never stored. */
export function stateDigest(state: string): string {
  return createHash('sha256').update(state, 'utf8').digest('hex');
}
