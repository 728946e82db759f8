import { OAuthAccessTokens } from '../connector-calls/connector-credentials';
import type { ConnectorView } from '../connectors/domain/connector';
import type { Actor } from '../connectors/domain/connector.input';
import type { OAuthService } from './oauth.service';

/** Calling a connector with the calling key's OAuth grant (src/connector-calls' port). */
export class OAuthGrantAccessTokens extends OAuthAccessTokens {
  constructor(private readonly oauth: OAuthService) {
    super();
  }

  async accessToken(actor: Actor, connector: ConnectorView): Promise<string> {
    return (await this.oauth.accessToken(actor, connector.id)).token;
  }

  /** One refresh (unless another caller already replaced the rejected token). */
  async refreshAfterRejection(
    actor: Actor,
    connector: ConnectorView,
    rejected: string,
  ): Promise<string | null> {
    const { token } = await this.oauth.accessToken(actor, connector.id, rejected);
    return token === rejected ? null : token;
  }
}
