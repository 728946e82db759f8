import type { AuthStatus } from './connector';
import type { Actor } from './connector.input';

/**
 * Where the service learns the caller's OAuth grant status for the connectors it shows (the grants
 * live per API key in src/oauth). Connectors the caller holds no grant for are absent.
 */
export abstract class AuthStatusSource {
  abstract statuses(actor: Actor, connectorIds: string[]): Promise<Map<string, AuthStatus>>;
}

/** No OAuth grants anywhere (unit tests, tools without the OAuth module). */
export const NO_GRANTS: AuthStatusSource = {
  statuses: () => Promise.resolve(new Map()),
};
