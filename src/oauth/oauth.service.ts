import { createHash } from 'node:crypto';
import type { AuditAction, AuditChange, AuditEntry } from '../audit/audit';
import type { AuditHasher } from '../audit/audit-hash';
import { jsonPathStep } from '../audit/connector-diff';
import { sealContext, type ConnectorsService } from '../connectors/connectors.service';
import type { OAuthSettings } from '../connectors/domain/connector';
import {
  ConnectorNotFoundError,
  InvalidConnectorError,
  ConnectorCallFailedError,
  ConnectorNotAuthorizedError,
  OAuthNotConfiguredError,
} from '../connectors/domain/connector.errors';
import type { Actor } from '../connectors/domain/connector.input';
import { isHttpUrl } from '../connectors/domain/connector.rules';
import type { SecretCipher } from '../secrets/cipher';
import { codeChallenge, randomToken, stateDigest } from './pkce';
import type {
  GrantKey,
  OAuthFlowRepository,
  OAuthGrant,
  OAuthGrantRepository,
} from './oauth.repositories';
import { ERROR_CODE, type OAuthClient, type TokenClient, type TokenSet } from './token-client';

/** The gateway's one OAuth callback (Cohere's), to register at every authorization server. */
export const OAUTH_CALLBACK_PATH = '/v1/connectors/oauth/token';

export interface OAuthServiceOptions {
  /** Where browsers reach the gateway: the redirect_uri is built from it. */
  publicUrl: string;
  /** How long an authorization request may take, start to callback. */
  flowTtlSeconds?: number;
  /** A token expiring within this many seconds is refreshed before use. */
  refreshLeewaySeconds?: number;
  now?: () => number;
  /**
   * Fingerprints tokens for the audit trail: with it, every grant stored by the callback and every
   * disconnect writes one audit entry in the grant's own transaction.
   */
  auditHasher?: AuditHasher;
}

/** Where the callback request came in (it has no API key: the flow names the key), for the audit. */
export interface CallbackContext {
  dialect?: string;
  method?: string;
  route?: string;
  requestId?: string;
}

/** What the callback ends in. `error` is an OAuth error code, never a secret. */
export type CallbackOutcome =
  | { kind: 'invalid_state' }
  | { kind: 'connected'; connectorId: string; afterTokenRedirect: string | null }
  | { kind: 'failed'; connectorId: string; afterTokenRedirect: string | null; error: string };

/** An access token for one call. Never logged, never in a response. */
export interface AccessToken {
  token: string;
  tokenType: string;
}

/**
 * The gateway as an OAuth 2.0 client (RFC 6749 §4.1 with PKCE S256, RFC 7636): starts the
 * authorization request, completes it at the callback, holds one grant per (organization,
 * connector, API key), and hands out access tokens, refreshed first when due.
 */
export class OAuthService {
  private readonly flowTtlMs: number;
  private readonly leewayMs: number;
  private readonly now: () => number;

  constructor(
    private readonly connectors: ConnectorsService,
    private readonly flows: OAuthFlowRepository,
    private readonly grants: OAuthGrantRepository,
    private readonly tokens: TokenClient,
    private readonly cipher: SecretCipher,
    private readonly options: OAuthServiceOptions,
  ) {
    this.flowTtlMs = (options.flowTtlSeconds ?? 600) * 1000;
    this.leewayMs = (options.refreshLeewaySeconds ?? 60) * 1000;
    this.now = options.now ?? (() => Date.now());
  }

  get redirectUri(): string {
    return `${this.options.publicUrl}${OAUTH_CALLBACK_PATH}`;
  }

  /** The authorization URL to send the user to; the flow is remembered for the callback. */
  async start(actor: Actor, connectorId: string, afterTokenRedirect?: string): Promise<string> {
    if (afterTokenRedirect !== undefined && !isHttpUrl(afterTokenRedirect)) {
      throw InvalidConnectorError.of('after_token_redirect', 'must be an absolute http(s) URL');
    }
    const connector = await this.connectors.get(actor, connectorId);
    const oauth = connector.oauth;
    if (!oauth) throw new OAuthNotConfiguredError(connectorId);
    const state = randomToken();
    const verifier = randomToken();
    const id = stateDigest(state);
    const now = this.now();
    await this.flows.save(
      {
        id,
        organizationId: actor.organizationId,
        connectorId,
        apiKeyId: actor.apiKeyId,
        afterTokenRedirect: afterTokenRedirect ?? null,
        settingsDigest: settingsDigest(oauth),
        codeVerifier: this.cipher.seal(verifier, flowContext(actor, connectorId)),
        expiresAt: new Date(now + this.flowTtlMs),
      },
      new Date(now),
    );
    const url = new URL(oauth.authorizeUrl);
    const q = url.searchParams;
    q.set('response_type', 'code');
    if (oauth.clientId) q.set('client_id', oauth.clientId);
    q.set('redirect_uri', this.redirectUri);
    if (oauth.scope) q.set('scope', oauth.scope);
    q.set('state', state);
    q.set('code_challenge', codeChallenge(verifier));
    q.set('code_challenge_method', 'S256');
    return url.toString();
  }

  /**
   * The callback. An unknown, replayed or expired state ends here, before anything is sent
   * anywhere; otherwise the code is exchanged and the grant stored for the key that started.
   */
  async complete(
    params: {
      state?: string;
      code?: string;
      error?: string;
    },
    context: CallbackContext = {},
  ): Promise<CallbackOutcome> {
    const { state, code, error } = params;
    if (!state || state.length > 512) return { kind: 'invalid_state' };
    const flow = await this.flows.consume(stateDigest(state));
    if (!flow || flow.expiresAt.getTime() <= this.now()) return { kind: 'invalid_state' };
    // The key that started the flow acts; the request is the callback's.
    const actor: Actor = {
      organizationId: flow.organizationId,
      apiKeyId: flow.apiKeyId,
      ...context,
    };
    const failed = (reason: string): CallbackOutcome => ({
      kind: 'failed',
      connectorId: flow.connectorId,
      afterTokenRedirect: flow.afterTokenRedirect,
      error: reason,
    });
    if (error !== undefined) return failed(ERROR_CODE.test(error) ? error : 'authorization_failed');
    if (!code) return failed('invalid_request');

    let client: OAuthClient & { digest: string; version: number };
    try {
      client = await this.client(actor, flow.connectorId);
    } catch (e) {
      if (e instanceof ConnectorNotFoundError || e instanceof OAuthNotConfiguredError) {
        return failed('connector_not_found');
      }
      throw e;
    }
    // The code goes only to the token endpoint the flow started with.
    if (client.digest !== flow.settingsDigest) return failed('connector_changed');
    const verifier = this.cipher.open(flow.codeVerifier, flowContext(actor, flow.connectorId));
    const result = await this.tokens.request(client, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.redirectUri,
      code_verifier: verifier,
    });
    if (!result.ok) return failed(result.error);
    const key: GrantKey = {
      organizationId: flow.organizationId,
      connectorId: flow.connectorId,
      apiKeyId: flow.apiKeyId,
    };
    const before = await this.grants.find(key);
    const grant = this.sealGrant(key, result.tokens, null);
    await this.grants.save(
      grant,
      this.auditEntry(actor, 'oauth_grant', { id: key.connectorId, version: client.version }, (h) =>
        grantChanges(h, before, grant, result.tokens),
      ),
    );
    // Settings changed while the code was exchanged: that update dropped the grants it saw; this
    // one was not among them.
    const now = await this.client(actor, flow.connectorId);
    if (now.digest !== flow.settingsDigest) {
      await this.grants.delete(key, (deleted) =>
        this.auditEntry(
          actor,
          'oauth_disconnect',
          { id: key.connectorId, version: now.version },
          () => disconnectChanges(deleted),
        ),
      );
      return failed('connector_changed');
    }
    return {
      kind: 'connected',
      connectorId: flow.connectorId,
      afterTokenRedirect: flow.afterTokenRedirect,
    };
  }

  /**
   * The caller's access token for the connector, refreshed first when it expires within the
   * leeway (one refresh for any number of concurrent callers, on any number of replicas: the
   * grant's row is locked and its expiry read again once held). `rejected`: the token the
   * connector just answered 401 to, refreshed unless another caller already did.
   */
  async accessToken(actor: Actor, connectorId: string, rejected?: string): Promise<AccessToken> {
    const key: GrantKey = { ...actor, connectorId };
    const current = await this.grants.find(key);
    if (!current) throw notAuthorized(connectorId, false);
    const usable = this.usable(current, rejected);
    if (usable) return usable;

    const client = await this.client(actor, connectorId);
    const outcome = await this.grants.withLock(key, async (grant, write) => {
      if (!grant) return { kind: 'missing' as const };
      const again = this.usable(grant, rejected);
      if (again) return { kind: 'token' as const, token: again };
      const refreshToken = grant.refreshToken && this.open(key, grant.refreshToken, 'refresh');
      if (!refreshToken) {
        if (grant.status !== 'expired') await write(expired(grant));
        return { kind: 'expired' as const };
      }
      const result = await this.tokens.request(client, {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
      });
      if (!result.ok) {
        if (result.error === 'invalid_grant') {
          await write(expired(grant));
          return { kind: 'expired' as const };
        }
        return { kind: 'failed' as const, error: result.error };
      }
      const next = this.sealGrant(key, result.tokens, grant.refreshToken);
      await write(next);
      return {
        kind: 'token' as const,
        token: { token: result.tokens.accessToken, tokenType: next.tokenType ?? 'Bearer' },
      };
    });
    switch (outcome.kind) {
      case 'token':
        return outcome.token;
      case 'missing':
        throw notAuthorized(connectorId, false);
      case 'expired':
        throw notAuthorized(connectorId, true);
      case 'failed':
        throw new ConnectorCallFailedError(
          connectorId,
          `the token endpoint of connector '${connectorId}' did not give a token: ${outcome.error}`,
        );
    }
  }

  /** Removes the caller's grant (404 when the connector does not exist). */
  async disconnect(actor: Actor, connectorId: string): Promise<boolean> {
    const connector = await this.connectors.get(actor, connectorId);
    const key: GrantKey = {
      organizationId: actor.organizationId,
      connectorId,
      apiKeyId: actor.apiKeyId,
    };
    return this.grants.delete(key, (deleted) =>
      this.auditEntry(actor, 'oauth_disconnect', connector, () => disconnectChanges(deleted)),
    );
  }

  /**
   * The audit entry of a grant change by `actor` (none without a hasher). The connector itself is
   * unchanged: `version` is its current one.
   */
  private auditEntry(
    actor: Actor,
    action: AuditAction,
    connector: { id: string; version: number },
    changes: (hasher: AuditHasher) => AuditChange[],
  ): AuditEntry | undefined {
    const hasher = this.options.auditHasher;
    if (!hasher) return undefined;
    return {
      occurredAt: new Date(this.now()),
      organizationId: actor.organizationId,
      apiKeyId: actor.apiKeyId,
      dialect: actor.dialect ?? null,
      method: actor.method ?? null,
      route: actor.route ?? null,
      requestId: actor.requestId ?? null,
      action,
      connectorId: connector.id,
      version: connector.version,
      changes: changes(hasher),
    };
  }

  /** The stored access token when it can be used as is: not due, and not the rejected one. */
  private usable(grant: OAuthGrant, rejected: string | undefined): AccessToken | null {
    if (grant.status !== 'valid' || !grant.accessToken) return null;
    if (grant.expiresAt && grant.expiresAt.getTime() - this.leewayMs <= this.now()) {
      // Due: refresh when possible; without a refresh token use it while it lasts.
      if (grant.refreshToken || grant.expiresAt.getTime() <= this.now()) return null;
    }
    const token = this.open(grant, grant.accessToken, 'access');
    if (rejected !== undefined && token === rejected && grant.refreshToken) return null;
    return { token, tokenType: grant.tokenType ?? 'Bearer' };
  }

  /** The connector's client credentials, and the digest of the settings they belong to. */
  private async client(
    actor: Actor,
    connectorId: string,
  ): Promise<OAuthClient & { digest: string; version: number }> {
    const connector = await this.connectors.get(actor, connectorId);
    if (!connector.oauth) throw new OAuthNotConfiguredError(connectorId);
    const secrets = await this.connectors.openSecrets(actor, connectorId);
    return {
      tokenUrl: connector.oauth.tokenUrl,
      clientId: connector.oauth.clientId,
      clientSecret: secrets.oauthClientSecret,
      digest: settingsDigest(connector.oauth),
      version: connector.version,
    };
  }

  /** A refresh answer without a refresh token keeps the stored one (RFC 6749 §6). */
  private sealGrant(key: GrantKey, tokens: TokenSet, keptRefresh: OAuthGrant['refreshToken']) {
    const grant: OAuthGrant = {
      ...key,
      status: 'valid',
      accessToken: this.cipher.seal(tokens.accessToken, grantContext(key, 'access')),
      refreshToken: tokens.refreshToken
        ? this.cipher.seal(tokens.refreshToken, grantContext(key, 'refresh'))
        : keptRefresh,
      tokenType: tokens.tokenType,
      scope: tokens.scope,
      expiresAt: tokens.expiresIn === null ? null : new Date(this.now() + tokens.expiresIn * 1000),
    };
    return grant;
  }

  private open(
    key: GrantKey,
    sealed: NonNullable<OAuthGrant['accessToken']>,
    which: 'access' | 'refresh',
  ) {
    return this.cipher.open(sealed, grantContext(key, which));
  }
}

/** 401 in every dialect: the calling key must (again) authorize. */
function notAuthorized(connectorId: string, expired: boolean): ConnectorNotAuthorizedError {
  if (!expired) return new ConnectorNotAuthorizedError(connectorId);
  return new ConnectorNotAuthorizedError(
    connectorId,
    `the OAuth authorization of connector '${connectorId}' has expired for this API key: authorize again (POST .../connectors/${connectorId}/oauth/authorize)`,
  );
}

/**
 * A grant as the audit trail names it: `$.oauthGrants.<API key id>` (its tokens only as
 * fingerprints, never in clear).
 */
const grantPath = (key: GrantKey) => jsonPathStep('$.oauthGrants', key.apiKeyId);

function grantChanges(
  hasher: AuditHasher,
  before: OAuthGrant | null,
  after: OAuthGrant,
  tokens: TokenSet,
): AuditChange[] {
  const base = grantPath(after);
  const changes: AuditChange[] = [
    {
      path: `${base}.accessToken`,
      secret: 'changed',
      fingerprint: hasher.fingerprint(tokens.accessToken),
    },
  ];
  if (tokens.refreshToken) {
    changes.push({
      path: `${base}.refreshToken`,
      secret: 'changed',
      fingerprint: hasher.fingerprint(tokens.refreshToken),
    });
  } else if (before?.refreshToken) {
    changes.push({ path: `${base}.refreshToken`, secret: 'removed' });
  }
  const plain = (name: 'status' | 'tokenType' | 'scope', old: string | null | undefined) => {
    const next = after[name];
    if (old === next) return;
    changes.push({
      path: `${base}.${name}`,
      ...(old === undefined ? {} : { old }),
      new: next,
    });
  };
  plain('status', before?.status);
  plain('tokenType', before?.tokenType);
  plain('scope', before?.scope);
  return changes;
}

function disconnectChanges(deleted: OAuthGrant): AuditChange[] {
  const base = grantPath(deleted);
  const changes: AuditChange[] = [];
  if (deleted.accessToken) changes.push({ path: `${base}.accessToken`, secret: 'removed' });
  if (deleted.refreshToken) {
    changes.push({ path: `${base}.refreshToken`, secret: 'removed' });
  }
  changes.push({ path: `${base}.status`, old: deleted.status });
  return changes;
}

function expired(grant: OAuthGrant): OAuthGrant {
  return { ...grant, status: 'expired', accessToken: null, refreshToken: null, expiresAt: null };
}

/** Sealed grant tokens are bound to their organization, connector, API key and kind. */
export function grantContext(key: GrantKey, which: 'access' | 'refresh'): string {
  return `${sealContext(key.organizationId, key.connectorId)}#oauth_grant/${key.apiKeyId}/${which}`;
}

/** A flow's sealed PKCE verifier is bound to its organization, connector and API key. */
export function flowContext(
  actor: Pick<Actor, 'organizationId' | 'apiKeyId'>,
  connectorId: string,
): string {
  return `${sealContext(actor.organizationId, connectorId)}#oauth_flow/${actor.apiKeyId}`;
}

function settingsDigest(s: OAuthSettings<unknown>): string {
  return createHash('sha256')
    .update(JSON.stringify([s.clientId, s.authorizeUrl, s.tokenUrl, s.scope]))
    .digest('hex');
}
