import { MASK } from '../../secrets/mask';
import { maskTree, maskUrlPassword } from '../../secrets/secret-tree';
import type { Connector, ConnectorView } from './connector';

/** The only way from a stored connector to something a response may carry: secrets masked. */
export function toView(c: Connector): ConnectorView {
  return {
    ...c,
    url: c.url === null ? null : maskUrlPassword(c.url),
    config: c.config ? maskTree(c.config) : null,
    oauth: c.oauth
      ? { ...c.oauth, clientSecret: c.oauth.clientSecret === null ? null : MASK }
      : null,
    serviceAuth: c.serviceAuth ? { type: c.serviceAuth.type, token: MASK } : null,
    oauthGrant: c.oauthGrant ? { ...c.oauthGrant, tokens: MASK } : null,
  };
}
