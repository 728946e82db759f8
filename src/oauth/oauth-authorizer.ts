import { ConnectorsService } from '../connectors/connectors.service';
import {
  InvalidConnectorError,
  OAuthNotConfiguredError,
} from '../connectors/domain/connector.errors';
import type { Actor } from '../connectors/domain/connector.input';
import { isHttpUrl } from '../connectors/domain/connector.rules';
import { OAuthStateSigner } from './oauth-state';

/** The path of the gateway's OAuth callback (Cohere's is /v1/connectors/oauth/token). */
export const OAUTH_CALLBACK_PATH = '/v1/connectors/oauth/token';

/**
 * Starts the RFC 6749 authorization code grant for a connector: the gateway is the OAuth client,
 * the data source the authorization server.
 */
export class OAuthAuthorizer {
  constructor(
    private readonly connectors: ConnectorsService,
    private readonly signer: OAuthStateSigner,
    private readonly publicUrl: string,
  ) {}

  get redirectUri(): string {
    return `${this.publicUrl}${OAUTH_CALLBACK_PATH}`;
  }

  async authorizationUrl(
    actor: Actor,
    connectorId: string,
    afterTokenRedirect?: string,
  ): Promise<string> {
    if (afterTokenRedirect !== undefined && !isHttpUrl(afterTokenRedirect)) {
      throw InvalidConnectorError.of('after_token_redirect', 'must be an absolute http(s) URL');
    }
    const connector = await this.connectors.get(actor, connectorId);
    if (!connector.oauth) throw new OAuthNotConfiguredError(connectorId);
    const url = new URL(connector.oauth.authorizeUrl);
    url.searchParams.set('response_type', 'code');
    if (connector.oauth.clientId) url.searchParams.set('client_id', connector.oauth.clientId);
    url.searchParams.set('redirect_uri', this.redirectUri);
    if (connector.oauth.scope) url.searchParams.set('scope', connector.oauth.scope);
    url.searchParams.set(
      'state',
      this.signer.sign({
        org: actor.organizationId,
        cid: connectorId,
        redirect: afterTokenRedirect ?? null,
      }),
    );
    return url.toString();
  }
}
