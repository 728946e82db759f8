import type { ConnectorsService } from '../connectors/connectors.service';
import type { ConnectorView, ServiceAuthType } from '../connectors/domain/connector';
import { ConnectorNotAuthorizedError } from '../connectors/domain/connector.errors';
import type { Actor } from '../connectors/domain/connector.input';

/**
 * The OAuth side of calling a connector: the calling API key's access token for it. Implemented
 * by the OAuth feature (src/oauth), which holds the grants; until it is wired in, the
 * `NoOAuthGrants` default answers that no key holds a grant.
 */
export abstract class OAuthAccessTokens {
  /**
   * The access token of `actor`'s grant for the connector, refreshed first when it is due.
   * Throws `ConnectorNotAuthorizedError` when the key holds no grant (or no working one).
   */
  abstract accessToken(actor: Actor, connector: ConnectorView): Promise<string>;

  /**
   * The connector answered 401 to `rejected`: refresh the grant (once) and return the new access
   * token to retry with, or null when there is nothing better to retry with.
   */
  abstract refreshAfterRejection(
    actor: Actor,
    connector: ConnectorView,
    rejected: string,
  ): Promise<string | null>;
}

/** No OAuth grants: every OAuth connector answers "authorize first". */
export class NoOAuthGrants extends OAuthAccessTokens {
  accessToken(_actor: Actor, connector: ConnectorView): Promise<string> {
    return Promise.reject(new ConnectorNotAuthorizedError(connector.id));
  }

  refreshAfterRejection(): Promise<string | null> {
    return Promise.resolve(null);
  }
}

/** The Authorization header a connector is called with, for the calling API key. */
export class ConnectorCredentials {
  constructor(
    private readonly connectors: ConnectorsService,
    private readonly oauth: OAuthAccessTokens,
  ) {}

  /**
   * `service_auth` → its token by type; OAuth → `Bearer` + the key's access token (throws
   * `ConnectorNotAuthorizedError` without a grant); neither → null (no header).
   */
  async authorizationFor(actor: Actor, connector: ConnectorView): Promise<string | null> {
    if (connector.serviceAuth) {
      const { serviceAuthToken } = await this.connectors.openSecrets(actor, connector.id);
      if (serviceAuthToken === null) return null;
      return serviceAuthorization(connector.serviceAuth.type, serviceAuthToken);
    }
    if (connector.oauth) {
      return `Bearer ${await this.oauth.accessToken(actor, connector)}`;
    }
    return null;
  }

  /**
   * The connector answered 401 to `rejected`: for OAuth, one refresh and the header to retry
   * with; otherwise (or when refreshing brings nothing new) null, and the 401 stands.
   */
  async afterUnauthorized(
    actor: Actor,
    connector: ConnectorView,
    rejected: string | null,
  ): Promise<string | null> {
    if (!connector.oauth || connector.serviceAuth || rejected === null) return null;
    const token = await this.oauth.refreshAfterRejection(
      actor,
      connector,
      rejected.replace(/^Bearer /, ''),
    );
    return token === null ? null : `Bearer ${token}`;
  }
}

/** Cohere's service_auth types: `Bearer <token>`, `Basic <token>`, or the token alone. */
export function serviceAuthorization(type: ServiceAuthType, token: string): string {
  switch (type) {
    case 'bearer':
      return `Bearer ${token}`;
    case 'basic':
      return `Basic ${token}`;
    case 'noscheme':
      return token;
  }
}
