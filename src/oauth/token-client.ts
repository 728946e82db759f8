import { OutboundError, type OutboundHttp } from '../outbound';

/** Every token request goes through the one outbound client (SSRF guard, deadline, size limit). */
export type TokenHttp = Pick<OutboundHttp, 'request'>;

/** Who the gateway is at the authorization server. */
export interface OAuthClient {
  tokenUrl: string;
  clientId: string | null;
  /** Clear: only ever sent to `tokenUrl`. */
  clientSecret: string | null;
}

export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  /** Seconds, as the server said; null when it did not. */
  expiresIn: number | null;
  scope: string | null;
  tokenType: string;
}

/**
 * A token request's outcome. `error` is an OAuth error code (RFC 6749 §5.2, as the server sent it
 * when it is one) or one of the gateway's: token_endpoint_unreachable, token_endpoint_timeout,
 * token_endpoint_refused, token_endpoint_error, invalid_token_response. Never a secret.
 */
export type TokenResult = { ok: true; tokens: TokenSet } | { ok: false; error: string };

/** A token response is small; anything larger is not one. */
const MAX_TOKEN_RESPONSE = 256 * 1024;
/** An OAuth error code safe to show a user (a page, a redirect): anything else is replaced. */
export const ERROR_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

/** application/x-www-form-urlencoded, as RFC 6749 §2.3.1 asks for the Basic credentials too. */
function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/**
 * What a token request came to, for whoever counts them (the metrics): `ok` tokens received;
 * `refused` the server answered with an OAuth error or a non-2xx status; `failed` no usable answer
 * (unreachable, timeout, refused address, a body that is no token response).
 */
export type TokenRequestOutcome = 'ok' | 'refused' | 'failed';
export type TokenRequestKind = 'exchange' | 'refresh';
export type TokenRequestObserver = (kind: TokenRequestKind, outcome: TokenRequestOutcome) => void;

const KINDS: Record<string, TokenRequestKind> = {
  authorization_code: 'exchange',
  refresh_token: 'refresh',
};

type Attempt =
  | { kind: 'response'; status: number; json: Record<string, unknown> | null }
  | { kind: 'failed'; error: string };

/**
 * RFC 6749 token requests (§4.1.3 code exchange, §6 refresh) as a confidential client:
 * `client_secret_basic` first; when the server answers 401 or `invalid_client`, once more with
 * `client_secret_post`. A client without a secret sends its `client_id` in the body (public client).
 */
export class TokenClient {
  constructor(
    private readonly http: TokenHttp,
    private readonly timeoutMs: number,
    /** Told of every code exchange and refresh and its outcome (never a secret). */
    private readonly observe?: TokenRequestObserver,
  ) {}

  async request(client: OAuthClient, params: Record<string, string>): Promise<TokenResult> {
    const { result, outcome } = await this.attempt(client, params);
    const kind = KINDS[params.grant_type ?? ''];
    if (kind && this.observe) {
      try {
        this.observe(kind, outcome);
      } catch {
        // counting never changes a token request's outcome
      }
    }
    return result;
  }

  private async attempt(
    client: OAuthClient,
    params: Record<string, string>,
  ): Promise<{ result: TokenResult; outcome: TokenRequestOutcome }> {
    let attempt = await this.send(client, params, 'basic');
    if (
      client.clientSecret !== null &&
      client.clientId !== null &&
      attempt.kind === 'response' &&
      (attempt.status === 401 || attempt.json?.error === 'invalid_client')
    ) {
      attempt = await this.send(client, params, 'post');
    }
    if (attempt.kind === 'failed') {
      return { result: { ok: false, error: attempt.error }, outcome: 'failed' };
    }
    const { status, json } = attempt;
    if (status < 200 || status >= 300 || (json && typeof json.error === 'string')) {
      const code = json?.error;
      const error =
        typeof code === 'string' && ERROR_CODE.test(code) ? code : 'token_endpoint_error';
      return { result: { ok: false, error }, outcome: 'refused' };
    }
    const tokens = json && parseTokens(json);
    return tokens
      ? { result: { ok: true, tokens }, outcome: 'ok' }
      : { result: { ok: false, error: 'invalid_token_response' }, outcome: 'failed' };
  }

  private async send(
    client: OAuthClient,
    params: Record<string, string>,
    auth: 'basic' | 'post',
  ): Promise<Attempt> {
    const form = new URLSearchParams(params);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (client.clientId !== null) {
      if (client.clientSecret !== null && auth === 'basic') {
        const pair = `${formEncode(client.clientId)}:${formEncode(client.clientSecret)}`;
        headers.authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
      } else {
        form.set('client_id', client.clientId);
        if (client.clientSecret !== null) form.set('client_secret', client.clientSecret);
      }
    }
    try {
      const res = await this.http.request({
        method: 'POST',
        url: client.tokenUrl,
        headers,
        body: form.toString(),
        timeoutMs: this.timeoutMs,
        maxBytes: MAX_TOKEN_RESPONSE,
      });
      let json: Record<string, unknown> | null = null;
      try {
        const parsed: unknown = JSON.parse(res.body.toString('utf8'));
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
          json = parsed as Record<string, unknown>;
        }
      } catch {
        json = null;
      }
      return { kind: 'response', status: res.status, json };
    } catch (error) {
      return { kind: 'failed', error: failure(error) };
    }
  }
}

/** The outbound client's error kinds, as codes a user may see. */
function failure(error: unknown): string {
  if (!(error instanceof OutboundError)) return 'token_endpoint_unreachable';
  switch (error.kind) {
    case 'timeout':
      return 'token_endpoint_timeout';
    case 'refused_address':
    case 'invalid_url':
      return 'token_endpoint_refused';
    case 'too_large':
      return 'invalid_token_response';
    case 'network':
      return 'token_endpoint_unreachable';
  }
}

function parseTokens(json: Record<string, unknown>): TokenSet | null {
  const { access_token, refresh_token, expires_in, scope, token_type } = json;
  if (typeof access_token !== 'string' || !access_token) return null;
  const seconds = typeof expires_in === 'string' ? Number(expires_in) : expires_in;
  return {
    accessToken: access_token,
    refreshToken: typeof refresh_token === 'string' && refresh_token ? refresh_token : null,
    expiresIn:
      typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds : null,
    scope: typeof scope === 'string' ? scope : null,
    tokenType: typeof token_type === 'string' && token_type ? token_type : 'Bearer',
  };
}
