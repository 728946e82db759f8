import { MASK } from '../../secrets/mask';
import { maskTree, maskUrlPassword } from '../../secrets/secret-tree';
import type { AuthStatus, Connector, ConnectorView } from './connector';

/**
 * The only way from a stored connector to something a response may carry: secrets masked, and
 * the caller's OAuth grant status (null: the caller holds none).
 */
export function toView(c: Connector, authStatus: AuthStatus | null = null): ConnectorView {
  return {
    ...c,
    url: c.url === null ? null : maskUrlPassword(c.url),
    config: c.config ? maskTree(c.config) : null,
    oauth: c.oauth
      ? { ...c.oauth, clientSecret: c.oauth.clientSecret === null ? null : MASK }
      : null,
    serviceAuth: c.serviceAuth ? { type: c.serviceAuth.type, token: MASK } : null,
    authStatus,
  };
}
