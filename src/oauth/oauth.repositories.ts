import type { AuditEntry } from '../audit/audit';
import type { Sealed } from '../secrets/cipher';

/** An authorization request in progress, from `authorize` to the callback. */
export interface OAuthFlow {
  /** SHA-256 (hex) of the `state` sent to the authorization server. */
  id: string;
  organizationId: string;
  connectorId: string;
  /** The API key that started the flow: the grant will be its own. */
  apiKeyId: string;
  afterTokenRedirect: string | null;
  /** Digest of the OAuth settings the flow started under (client, URLs, scope). */
  settingsDigest: string;
  /** The PKCE code_verifier, sealed. */
  codeVerifier: Sealed;
  expiresAt: Date;
}

/** Which grant: OAuth tokens belong to the API key that obtained them. */
export interface GrantKey {
  organizationId: string;
  connectorId: string;
  apiKeyId: string;
}

/** Tokens the gateway holds for one API key and connector; token values sealed. */
export interface OAuthGrant extends GrantKey {
  status: 'valid' | 'expired';
  accessToken: Sealed | null;
  refreshToken: Sealed | null;
  tokenType: string | null;
  scope: string | null;
  expiresAt: Date | null;
}

/** A grant without its tokens: what a view needs. */
export interface GrantSummary {
  connectorId: string;
  status: 'valid' | 'expired';
  hasAccessToken: boolean;
  hasRefreshToken: boolean;
  expiresAt: Date | null;
}

/** Port: flows in progress. */
export abstract class OAuthFlowRepository {
  /** Stores a new flow (and forgets the ones that expired before `now`). */
  abstract save(flow: OAuthFlow, now: Date): Promise<void>;

  /** Removes and returns the flow, atomically: a second call for the same id gets null. */
  abstract consume(id: string): Promise<OAuthFlow | null>;
}

/** Port: grants per (organization, connector, API key). */
export abstract class OAuthGrantRepository {
  abstract find(key: GrantKey): Promise<OAuthGrant | null>;

  /**
   * Inserts or replaces the grant; `audit`, when given, is written in the same transaction (the
   * entry exists exactly when the grant does).
   */
  abstract save(grant: OAuthGrant, audit?: AuditEntry): Promise<void>;

  /**
   * Deletes the grant; false when there was none. `audit` makes the entry of the grant it
   * deleted, written in the same transaction (none when nothing was deleted).
   */
  abstract delete(
    key: GrantKey,
    audit?: (deleted: OAuthGrant) => AuditEntry | undefined,
  ): Promise<boolean>;

  /** The key's grants among these connectors. */
  abstract summaries(
    organizationId: string,
    apiKeyId: string,
    connectorIds: string[],
  ): Promise<GrantSummary[]>;

  /**
   * Runs `fn` holding a lock on the grant's row (every replica waits for it), in one transaction:
   * `write` replaces the grant inside it. What `fn` returns is returned once committed; should it
   * throw, nothing it wrote is kept.
   */
  abstract withLock<T>(
    key: GrantKey,
    fn: (grant: OAuthGrant | null, write: (grant: OAuthGrant) => Promise<void>) => Promise<T>,
  ): Promise<T>;
}
