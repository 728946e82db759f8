import type { ConnectorView } from '../../connectors/domain/connector';
import type {
  ConnectorChanges,
  NewConnector,
  OAuthInput,
} from '../../connectors/domain/connector.input';
import type {
  CreateConnectorDto,
  CreateConnectorOAuthDto,
  UpdateConnectorDto,
  UpdateConnectorOAuthDto,
} from './dto/cohere.requests';
import type { CohereConnector, CohereConnectorOAuth } from './dto/cohere.responses';

/** `null` from the SDK means "not given" in Cohere's dialect. */
const given = <T>(value: T | null | undefined): T | undefined =>
  value === null ? undefined : value;

function oauthInput(dto: CreateConnectorOAuthDto | UpdateConnectorOAuthDto): OAuthInput {
  return {
    clientId: given(dto.client_id),
    clientSecret: given(dto.client_secret),
    authorizeUrl: given(dto.authorize_url),
    tokenUrl: given(dto.token_url),
    scope: given(dto.scope),
  };
}

/** Cohere v1 <-> canonical. Every field shown is listed here; secrets are masked or absent. */
export const CohereMapper = {
  toNewConnector(dto: CreateConnectorDto): NewConnector {
    return {
      name: dto.name,
      url: dto.url,
      description: given(dto.description),
      excludes: given(dto.excludes),
      oauth: dto.oauth ? oauthInput(dto.oauth) : undefined,
      serviceAuth: dto.service_auth
        ? { type: dto.service_auth.type, token: dto.service_auth.token }
        : undefined,
      active: given(dto.active),
      continueOnFailure: given(dto.continue_on_failure),
    };
  },

  toChanges(dto: UpdateConnectorDto): ConnectorChanges {
    return {
      name: given(dto.name),
      description: given(dto.description),
      url: given(dto.url),
      excludes: given(dto.excludes),
      oauth: dto.oauth ? oauthInput(dto.oauth) : undefined,
      serviceAuth: dto.service_auth
        ? { type: dto.service_auth.type, token: dto.service_auth.token }
        : undefined,
      active: given(dto.active),
      continueOnFailure: given(dto.continue_on_failure),
    };
  },

  toResponse(c: ConnectorView): CohereConnector {
    let oauth: CohereConnectorOAuth | undefined;
    if (c.oauth) {
      oauth = {
        client_id: c.oauth.clientId ?? undefined,
        client_secret: c.oauth.clientSecret ?? undefined,
        authorize_url: c.oauth.authorizeUrl,
        token_url: c.oauth.tokenUrl,
        scope: c.oauth.scope ?? undefined,
      };
    }
    return {
      id: c.id,
      organization_id: c.organizationId,
      name: c.name,
      description: c.description ?? undefined,
      url: c.url ?? undefined,
      created_at: c.createdAt.toISOString(),
      updated_at: c.updatedAt.toISOString(),
      excludes: c.excludes ?? undefined,
      auth_type: c.oauth ? 'oauth' : c.serviceAuth ? 'service_auth' : undefined,
      oauth,
      auth_status: c.authStatus ?? undefined,
      active: c.active,
      continue_on_failure: c.continueOnFailure,
    };
  },
};
