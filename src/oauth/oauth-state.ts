import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export interface OAuthState {
  /** organization */
  org: string;
  /** connector id */
  cid: string;
  /** where to send the user once the token is held (Cohere's after_token_redirect) */
  redirect: string | null;
  /** expiry, seconds since the epoch */
  exp: number;
  nonce: string;
}

/**
 * The OAuth `state` parameter: the flow's facts, signed with HMAC-SHA256 under a key derived from the
 * gateway's encryption key, so the callback can trust which connector and organization it is for.
 */
export class OAuthStateSigner {
  private readonly key: Buffer;

  constructor(
    encryptionKey: Buffer,
    private readonly ttlSeconds = 600,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'oauth-state', 32));
  }

  sign(fields: Omit<OAuthState, 'exp' | 'nonce'>, now = Date.now()): string {
    const state: OAuthState = {
      ...fields,
      exp: Math.floor(now / 1000) + this.ttlSeconds,
      nonce: randomBytes(9).toString('base64url'),
    };
    const body = Buffer.from(JSON.stringify(state)).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The state's facts, or null when it was altered, forged or has expired. */
  verify(token: string, now = Date.now()): OAuthState | null {
    const [body, mac] = token.split('.');
    if (!body || !mac) return null;
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      const state = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as OAuthState;
      return state.exp * 1000 > now ? state : null;
    } catch {
      return null;
    }
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
