import { OutboundError } from '../outbound';
import { type TokenHttp, TokenClient } from './token-client';

type Sent = Parameters<TokenHttp['request']>[0];

/** A token endpoint scripted answer by answer; records what was sent. */
function endpoint(...answers: Array<{ status: number; body: unknown } | Error>) {
  const sent: Sent[] = [];
  const http: TokenHttp = {
    request(req) {
      sent.push(req);
      const next = answers.shift();
      if (!next) throw new Error('no more answers');
      if (next instanceof Error) return Promise.reject(next);
      const text = typeof next.body === 'string' ? next.body : JSON.stringify(next.body);
      return Promise.resolve({ status: next.status, headers: {}, body: Buffer.from(text) });
    },
  };
  return { http, sent };
}

const form = (req: Sent) => Object.fromEntries(new URLSearchParams(String(req.body)));
const TOKENS = { access_token: 'at-1', refresh_token: 'rt-1', expires_in: 3600, scope: 'read' };

describe('TokenClient', () => {
  const client = {
    tokenUrl: 'https://idp.example.com/token',
    clientId: 'my app:1',
    clientSecret: 's3cr+t é',
  };

  it('sends a form with client_secret_basic, id and secret form-urlencoded first (RFC 6749 §2.3.1)', async () => {
    const { http, sent } = endpoint({ status: 200, body: TOKENS });
    const result = await new TokenClient(http, 1234).request(client, {
      grant_type: 'authorization_code',
      code: 'c',
    });
    expect(result).toEqual({
      ok: true,
      tokens: {
        accessToken: 'at-1',
        refreshToken: 'rt-1',
        expiresIn: 3600,
        scope: 'read',
        tokenType: 'Bearer',
      },
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'POST', url: client.tokenUrl, timeoutMs: 1234 });
    expect(sent[0].headers).toMatchObject({
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from('my+app%3A1:s3cr%2Bt+%C3%A9').toString('base64')}`,
    });
    expect(form(sent[0])).toEqual({ grant_type: 'authorization_code', code: 'c' });
  });

  it.each([
    ['a 401', { status: 401, body: '' }],
    ['invalid_client', { status: 400, body: { error: 'invalid_client' } }],
  ])('after %s retries once with client_secret_post', async (_what, refusal) => {
    const { http, sent } = endpoint(refusal, { status: 200, body: TOKENS });
    const result = await new TokenClient(http, 1000).request(client, {
      grant_type: 'refresh_token',
      refresh_token: 'r',
    });
    expect(result.ok).toBe(true);
    expect(sent).toHaveLength(2);
    expect(sent[1].headers?.authorization).toBeUndefined();
    expect(form(sent[1])).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'r',
      client_id: 'my app:1',
      client_secret: 's3cr+t é',
    });
  });

  it('does not retry other errors, and names them by their OAuth code', async () => {
    const { http, sent } = endpoint({ status: 400, body: { error: 'invalid_grant' } });
    expect(await new TokenClient(http, 1000).request(client, {})).toEqual({
      ok: false,
      error: 'invalid_grant',
    });
    expect(sent).toHaveLength(1);
  });

  it('a public client (no secret) sends its client_id in the body, no Basic', async () => {
    const { http, sent } = endpoint({ status: 200, body: TOKENS });
    await new TokenClient(http, 1000).request(
      { ...client, clientSecret: null },
      { grant_type: 'x' },
    );
    expect(sent[0].headers?.authorization).toBeUndefined();
    expect(form(sent[0])).toEqual({ grant_type: 'x', client_id: 'my app:1' });
  });

  it.each([
    [new OutboundError('timeout', 't'), 'token_endpoint_timeout'],
    [new OutboundError('network', 'n'), 'token_endpoint_unreachable'],
    [new OutboundError('refused_address', 'r'), 'token_endpoint_refused'],
    [{ status: 500, body: '<html>oops</html>' }, 'token_endpoint_error'],
    [{ status: 400, body: { error: 'has spaces and <html>' } }, 'token_endpoint_error'],
    [{ status: 200, body: { token_type: 'Bearer' } }, 'invalid_token_response'],
    [{ status: 200, body: 'not json' }, 'invalid_token_response'],
  ])('%p is the error %s', async (answer, error) => {
    const { http } = endpoint(answer);
    expect(await new TokenClient(http, 1000).request(client, {})).toEqual({ ok: false, error });
  });
  it('tells its observer each exchange and refresh with its outcome, once per request', async () => {
    const seen: string[] = [];
    const observe = (kind: string, outcome: string) => seen.push(`${kind} ${outcome}`);
    const { http } = endpoint(
      { status: 200, body: TOKENS },
      { status: 400, body: { error: 'invalid_grant' } },
      new OutboundError('timeout', 'slow'),
      { status: 200, body: { token_type: 'Bearer' } },
      { status: 401, body: '' },
      { status: 401, body: '' },
    );
    const tokens = new TokenClient(http, 1000, observe);
    await tokens.request(client, { grant_type: 'authorization_code', code: 'c' });
    await tokens.request(client, { grant_type: 'refresh_token', refresh_token: 'r' });
    await tokens.request(client, { grant_type: 'refresh_token', refresh_token: 'r' });
    await tokens.request(client, { grant_type: 'authorization_code', code: 'c' });
    // two attempts (Basic, then post), one request
    await tokens.request(client, { grant_type: 'authorization_code', code: 'c' });
    expect(seen).toEqual([
      'exchange ok',
      'refresh refused',
      'refresh failed',
      'exchange failed',
      'exchange refused',
    ]);
  });
});
