import type { Sealed } from '../../secrets/cipher';
import type { Json, JsonObject } from '../../secrets/json';
import type { Mask } from '../../secrets/mask';
import type { MaskedTree, SealedTree } from '../../secrets/secret-tree';

export type ServiceAuthType = 'bearer' | 'basic' | 'noscheme';
export const SERVICE_AUTH_TYPES: readonly ServiceAuthType[] = ['bearer', 'basic', 'noscheme'];
export type AuthStatus = 'valid' | 'expired';

/** OAuth 2.0 client settings of a connector (the gateway is the client, the data source the server). */
export interface OAuthSettings<S> {
  clientId: string | null;
  clientSecret: S | null;
  authorizeUrl: string;
  tokenUrl: string;
  scope: string | null;
}

export interface ServiceAuth<S> {
  type: ServiceAuthType;
  token: S;
}

export interface Processor {
  enabled?: boolean;
  name?: string;
}

/**
 * The canonical connector: one record holding every field of every dialect. `S` is how secrets
 * appear (sealed in the store, masked in a view) and `T` how free-form configuration appears.
 */
export interface ConnectorShape<S, T> {
  organizationId: string;
  id: string;
  // shared by the dialects
  name: string;
  description: string | null;
  url: string | null;
  /** Cohere `active`, Coco `enabled`. */
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
  /** Id of the API key that made the change. */
  createdBy: string | null;
  updatedBy: string | null;
  /** Coco `config` and generic `data`: one free-form object, secrets sealed. */
  config: T | null;
  /** True for the catalog connectors every organization has; they cannot be deleted. */
  builtin: boolean;
  /** 1 at creation, one more with every write of the connector (conditional writes, ETags). */
  version: number;
  // Cohere
  excludes: string[] | null;
  continueOnFailure: boolean;
  oauth: OAuthSettings<S> | null;
  serviceAuth: ServiceAuth<S> | null;
  // Coco
  category: string | null;
  icon: string | null;
  tags: string[] | null;
  pathHierarchy: boolean;
  assets: JsonObject | null;
  oauthConnectImplemented: boolean;
  processor: Processor | null;
  // generic
  type: string | null;
  provider: string | null;
}

/** What is stored: secrets sealed. Only the service and the persistence layer see this. */
export type Connector = ConnectorShape<Sealed, SealedTree>;

/**
 * What a dialect may show: every secret replaced by the mask. Mappers only ever get this.
 * `authStatus` is the calling API key's OAuth grant status (OAuth tokens belong to the key that
 * obtained them, see src/oauth): null when that key holds no grant for the connector.
 */
export type ConnectorView = ConnectorShape<Mask, MaskedTree> & { authStatus: AuthStatus | null };

export type { Json, JsonObject };
