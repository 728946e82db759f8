import type { ConnectorsService } from '../connectors/connectors.service';
import { ConnectorNotAuthorizedError } from '../connectors/domain/connector.errors';
import { generateKey, parseKey, SecretCipher } from '../secrets/cipher';
import {
  type GrantKey,
  type GrantSummary,
  type OAuthFlow,
  OAuthFlowRepository,
  type OAuthGrant,
  OAuthGrantRepository,
} from './oauth.repositories';
import { OAuthService } from './oauth.service';
import { type TokenHttp, TokenClient } from './token-client';

class MemoryFlows extends OAuthFlowRepository {
  readonly rows = new Map<string, OAuthFlow>();
  save(flow: OAuthFlow) {
    this.rows.set(flow.id, flow);
    return Promise.resolve();
  }
  consume(id: string) {
    const flow = this.rows.get(id) ?? null;
    this.rows.delete(id);
    return Promise.resolve(flow);
  }
}

class MemoryGrants extends OAuthGrantRepository {
  readonly rows = new Map<string, OAuthGrant>();
  private id = (k: GrantKey) => `${k.organizationId}/${k.connectorId}/${k.apiKeyId}`;
  find(k: GrantKey) {
    return Promise.resolve(this.rows.get(this.id(k)) ?? null);
  }
  save(g: OAuthGrant) {
    this.rows.set(this.id(g), g);
    return Promise.resolve();
  }
  delete(k: GrantKey) {
    return Promise.resolve(this.rows.delete(this.id(k)));
  }
  summaries(): Promise<GrantSummary[]> {
    return Promise.resolve([]);
  }
  withLock<T>(
    k: GrantKey,
    fn: (g: OAuthGrant | null, w: (g: OAuthGrant) => Promise<void>) => Promise<T>,
  ) {
    return fn(this.rows.get(this.id(k)) ?? null, (g) => this.save(g));
  }
}

const ACTOR = { organizationId: 'org', apiKeyId: 'key_1' };
const OAUTH = {
  clientId: 'app',
  clientSecret: '******',
  authorizeUrl: 'https://idp.example.com/authorize',
  tokenUrl: 'https://idp.example.com/token',
  scope: 'read',
};

/** The service with a scripted token endpoint and a clock the test moves. */
function setup(...answers: unknown[]) {
  let now = Date.parse('2026-06-01T00:00:00Z');
  const sent: Array<Record<string, string>> = [];
  const http: TokenHttp = {
    request(req) {
      sent.push(Object.fromEntries(new URLSearchParams(String(req.body))));
      const body = answers.shift();
      const status = body && typeof body === 'object' && 'error' in body ? 400 : 200;
      return Promise.resolve({ status, headers: {}, body: Buffer.from(JSON.stringify(body)) });
    },
  };
  const connectors = {
    get: () => Promise.resolve({ id: 'drive', oauth: OAUTH }),
    openSecrets: () => Promise.resolve({ oauthClientSecret: 'client-secret' }),
  } as unknown as ConnectorsService;
  const cipher = new SecretCipher(parseKey(generateKey()));
  const flows = new MemoryFlows();
  const grants = new MemoryGrants();
  const service = new OAuthService(connectors, flows, grants, new TokenClient(http, 1000), cipher, {
    publicUrl: 'https://gw.example.com',
    now: () => now,
  });
  const connect = async () => {
    const url = new URL(await service.start(ACTOR, 'drive'));
    return service.complete({ state: url.searchParams.get('state')!, code: 'the-code' });
  };
  return { service, sent, grants, flows, connect, advance: (ms: number) => (now += ms) };
}

describe('OAuthService', () => {
  it('keeps the stored refresh token when a refresh answer carries none', async () => {
    const s = setup(
      { access_token: 'at-1', refresh_token: 'rt-1', expires_in: 120 },
      { access_token: 'at-2', expires_in: 3600 },
      { access_token: 'at-3', expires_in: 3600 },
    );
    expect(await s.connect()).toMatchObject({ kind: 'connected' });
    s.advance(61_000); // 59 s left: due
    expect((await s.service.accessToken(ACTOR, 'drive')).token).toBe('at-2');
    expect(s.sent[1]).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'rt-1' });
    s.advance(3600_000);
    expect((await s.service.accessToken(ACTOR, 'drive')).token).toBe('at-3');
    expect(s.sent[2]).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'rt-1' });
  });

  it('refreshes a token the connector rejected, once; a token already replaced is reused', async () => {
    const s = setup(
      { access_token: 'at-1', refresh_token: 'rt-1', expires_in: 3600 },
      { access_token: 'at-2', refresh_token: 'rt-2', expires_in: 3600 },
    );
    await s.connect();
    expect((await s.service.accessToken(ACTOR, 'drive', 'at-1')).token).toBe('at-2');
    expect((await s.service.accessToken(ACTOR, 'drive', 'at-1')).token).toBe('at-2');
    expect(s.sent).toHaveLength(2);
  });

  it('without a refresh token, uses the access token until it expires, then says to authorize again', async () => {
    const s = setup({ access_token: 'at-1', expires_in: 30 });
    await s.connect();
    expect((await s.service.accessToken(ACTOR, 'drive')).token).toBe('at-1');
    s.advance(30_000);
    await expect(s.service.accessToken(ACTOR, 'drive')).rejects.toThrow(
      ConnectorNotAuthorizedError,
    );
    expect([...s.grants.rows.values()][0]).toMatchObject({ status: 'expired', accessToken: null });
    expect(s.sent).toHaveLength(1);
  });

  it('a flow is single-use and sends nothing for an unknown or expired state', async () => {
    const s = setup({ access_token: 'at-1' });
    const url = new URL(await s.service.start(ACTOR, 'drive'));
    const state = url.searchParams.get('state')!;
    expect(await s.service.complete({ state: 'nope', code: 'c' })).toEqual({
      kind: 'invalid_state',
    });
    s.advance(600_000);
    expect(await s.service.complete({ state, code: 'c' })).toEqual({ kind: 'invalid_state' });
    expect(s.sent).toHaveLength(0);
    expect(s.flows.rows.size).toBe(0);
  });
});
