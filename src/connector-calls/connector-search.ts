import type { ConnectorsService } from '../connectors/connectors.service';
import type { ConnectorView } from '../connectors/domain/connector';
import {
  ConnectorCallFailedError,
  InvalidConnectorError,
} from '../connectors/domain/connector.errors';
import type { Actor } from '../connectors/domain/connector.input';
import { isJsonObject, type JsonObject } from '../secrets/json';
import { OutboundError, type OutboundHttp, type OutboundResponse } from '../outbound/outbound-http';
import type { ConnectorCredentials } from './connector-credentials';

export const MAX_QUERY_LENGTH = 4096;

export interface ConnectorSearchResults {
  results: JsonObject[];
}

/**
 * Calls a connector as Cohere's chat API does: `POST <url>` with `{"query": ...}` and the
 * connector's credentials, and reads `{"results": [...]}` back, so that clients never hold the
 * secret. Dialects render the results and the errors (`ConnectorCallFailedError` → 502,
 * `ConnectorNotAuthorizedError` → 401).
 */
export class ConnectorSearch {
  constructor(
    private readonly connectors: ConnectorsService,
    private readonly credentials: ConnectorCredentials,
    private readonly http: OutboundHttp,
  ) {}

  async search(actor: Actor, id: string, query: string): Promise<ConnectorSearchResults> {
    const connector = await this.connectors.get(actor, id);
    const url = await this.urlOf(actor, connector);
    let authorization = await this.credentials.authorizationFor(actor, connector);
    let response = await this.call(connector, url, query, authorization);
    if (response.status === 401) {
      const retry = await this.credentials.afterUnauthorized(actor, connector, authorization);
      if (retry !== null) {
        authorization = retry;
        response = await this.call(connector, url, query, authorization);
      }
    }
    return { results: resultsOf(connector, response, connector.excludes ?? []) };
  }

  /** The URL in clear: a password in it (userinfo) is a secret, opened only here. */
  private async urlOf(actor: Actor, connector: ConnectorView): Promise<string> {
    if (!connector.url) {
      throw InvalidConnectorError.of('url', 'the connector has no url to call');
    }
    if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(connector.url)) return connector.url;
    const secrets = (await this.connectors.openSecrets(actor, connector.id)) as {
      url?: string | null;
    };
    return secrets.url ?? connector.url;
  }

  private async call(
    connector: ConnectorView,
    url: string,
    query: string,
    authorization: string | null,
  ): Promise<OutboundResponse> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (authorization !== null) headers.authorization = authorization;
    try {
      return await this.http.request({
        method: 'POST',
        url,
        headers,
        body: JSON.stringify({ query }),
      });
    } catch (error) {
      if (error instanceof OutboundError) throw callFailed(connector, error);
      throw error;
    }
  }
}

function callFailed(connector: ConnectorView, error: OutboundError): ConnectorCallFailedError {
  const message = ((): string => {
    switch (error.kind) {
      case 'timeout':
        return 'connector did not answer in time';
      case 'too_large':
        return 'connector answer is too large';
      case 'refused_address':
        return 'connector url leads to a non-public address, which the gateway does not call (GATEWAY_OUTBOUND_ALLOW_PRIVATE)';
      case 'invalid_url':
        return 'connector url cannot be called';
      case 'network':
        return 'connector could not be reached';
    }
  })();
  return new ConnectorCallFailedError(connector.id, message);
}

/**
 * The connector's results, each without the fields the connector `excludes`; anything but a 2xx
 * JSON object with a `results` array of objects is a failed call. The upstream body never goes
 * into the error: only its status.
 */
export function resultsOf(
  connector: Pick<ConnectorView, 'id'>,
  response: OutboundResponse,
  excludes: readonly string[],
): JsonObject[] {
  const fail = (what: string) =>
    new ConnectorCallFailedError(
      connector.id,
      `connector answered ${response.status}${what}`,
      response.status,
    );
  if (response.status < 200 || response.status > 299) throw fail('');
  let body: unknown;
  try {
    body = JSON.parse(response.body.toString('utf8'));
  } catch {
    throw fail(' with a body that is not JSON');
  }
  const results = isJsonObject(body) ? body.results : undefined;
  if (!Array.isArray(results)) throw fail(' without a "results" array');
  if (!results.every(isJsonObject)) throw fail(' with a result that is not an object');
  const dropped = new Set(excludes);
  return results.map((result): JsonObject =>
    Object.fromEntries(Object.entries(result).filter(([key]) => !dropped.has(key))),
  );
}
