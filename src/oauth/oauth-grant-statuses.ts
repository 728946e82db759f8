import { AuthStatusSource } from '../connectors/domain/auth-status';
import type { AuthStatus } from '../connectors/domain/connector';
import type { Actor } from '../connectors/domain/connector.input';
import type { GrantSummary, OAuthGrantRepository } from './oauth.repositories';

/**
 * `auth_status` as Cohere means it, for the calling key: `valid` while it holds an unexpired
 * access token or a refresh token not yet refused; `expired` once the access token has expired
 * with no refresh token, or refreshing answered invalid_grant. No grant: absent.
 */
export function grantStatus(g: GrantSummary, now: number): AuthStatus {
  if (g.status === 'expired') return 'expired';
  const unexpired = g.hasAccessToken && (g.expiresAt === null || g.expiresAt.getTime() > now);
  return unexpired || g.hasRefreshToken ? 'valid' : 'expired';
}

/** The connectors service's source of the caller's grant statuses. */
export class OAuthGrantStatuses extends AuthStatusSource {
  constructor(
    private readonly grants: OAuthGrantRepository,
    private readonly now: () => number = () => Date.now(),
  ) {
    super();
  }

  async statuses(actor: Actor, connectorIds: string[]): Promise<Map<string, AuthStatus>> {
    const now = this.now();
    const summaries = await this.grants.summaries(
      actor.organizationId,
      actor.apiKeyId,
      connectorIds,
    );
    return new Map(summaries.map((g) => [g.connectorId, grantStatus(g, now)]));
  }
}
