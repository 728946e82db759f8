import type { JsonObject } from '../../secrets/json';
import type { Processor, ServiceAuthType } from './connector';

/** OAuth settings as a client writes them. `clientSecret` may be a mask: keep the stored one. */
export interface OAuthInput {
  clientId?: string | null;
  clientSecret?: string | null;
  authorizeUrl?: string;
  tokenUrl?: string;
  scope?: string | null;
}

/** `token` may be a mask: keep the stored one. */
export interface ServiceAuthInput {
  type?: ServiceAuthType;
  token: string;
}

/** A change to an object-valued field: merged key by key into what is stored, or replacing it. */
export type ObjectChange<T> = { merge: T } | { replace: T | null };

export interface NewConnector {
  /** A client-chosen id; one is made from the name when absent. */
  id?: string;
  name: string;
  description?: string | null;
  url?: string | null;
  active?: boolean;
  config?: JsonObject | null;
  excludes?: string[] | null;
  continueOnFailure?: boolean;
  oauth?: OAuthInput | null;
  serviceAuth?: ServiceAuthInput | null;
  category?: string | null;
  icon?: string | null;
  tags?: string[] | null;
  pathHierarchy?: boolean;
  assets?: JsonObject | null;
  oauthConnectImplemented?: boolean;
  processor?: Processor | null;
  type?: string | null;
  provider?: string | null;
}

/**
 * An update: a field left undefined is not touched, `null` clears it. Object fields say whether
 * they merge or replace; `oauth` always merges with the stored settings (a missing client secret
 * keeps the stored one). Setting `oauth` clears `serviceAuth` and the reverse: a connector has one
 * way to authenticate.
 */
export interface ConnectorChanges {
  name?: string;
  description?: string | null;
  url?: string | null;
  active?: boolean;
  config?: ObjectChange<JsonObject>;
  excludes?: string[] | null;
  continueOnFailure?: boolean;
  oauth?: OAuthInput | null;
  serviceAuth?: ServiceAuthInput | null;
  category?: string | null;
  icon?: string | null;
  tags?: string[] | null;
  pathHierarchy?: boolean;
  assets?: ObjectChange<JsonObject>;
  oauthConnectImplemented?: boolean;
  processor?: ObjectChange<Processor>;
  type?: string | null;
  provider?: string | null;
}

export interface Actor {
  organizationId: string;
  /** The API key acting; recorded as createdBy / updatedBy. */
  apiKeyId: string;
  /** Where the request came in (dialect name, method, route pattern, request id): for the audit. */
  dialect?: string;
  method?: string;
  route?: string;
  requestId?: string;
}

/**
 * A condition a write must meet, checked atomically with it (under the row lock):
 * - `revision`: the connector's current revision is one of these (`*`: it exists at all);
 * - `version`: the connector is at exactly this version;
 * - `absent`: a create with a chosen id only if no connector has that id.
 */
export type WriteCondition =
  | { kind: 'revision'; revisions: string[] | '*' }
  | { kind: 'version'; version: number }
  | { kind: 'absent' };

export interface Page {
  limit: number;
  offset: number;
}

export interface PageOf<T> {
  items: T[];
  total: number;
}
