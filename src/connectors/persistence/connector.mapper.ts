import type { Sealed } from '../../secrets/cipher';
import type { JsonObject } from '../../secrets/json';
import type { SealedTree } from '../../secrets/secret-tree';
import type { Connector, ServiceAuthType } from '../domain/connector';
import { ConnectorEntity } from './connector.entity';

/** Row <-> domain. The domain connector already holds sealed secrets; nothing is opened here. */
export const ConnectorPersistenceMapper = {
  toDomain(row: ConnectorEntity): Connector {
    const oauth = row.oauth as {
      clientId: string | null;
      clientSecret: Sealed | null;
      authorizeUrl: string;
      tokenUrl: string;
      scope: string | null;
    } | null;
    return {
      organizationId: row.organizationId,
      id: row.id,
      name: row.name,
      description: row.description,
      url: row.url,
      active: row.active,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      createdBy: row.createdBy,
      updatedBy: row.updatedBy,
      config: row.config as SealedTree | null,
      builtin: row.builtin,
      version: row.version,
      excludes: row.excludes,
      continueOnFailure: row.continueOnFailure,
      oauth,
      serviceAuth:
        row.serviceAuthType && row.serviceAuthToken
          ? { type: row.serviceAuthType as ServiceAuthType, token: row.serviceAuthToken as Sealed }
          : null,
      category: row.category,
      icon: row.icon,
      tags: row.tags,
      pathHierarchy: row.pathHierarchy,
      assets: row.assets as JsonObject | null,
      oauthConnectImplemented: row.oauthConnectImplemented,
      processor: row.processor,
      type: row.type,
      provider: row.provider,
    };
  },

  toPersistence(c: Connector): Omit<ConnectorEntity, 'seq'> {
    return {
      organizationId: c.organizationId,
      id: c.id,
      name: c.name,
      description: c.description,
      url: c.url,
      active: c.active,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
      createdBy: c.createdBy,
      updatedBy: c.updatedBy,
      config: c.config,
      builtin: c.builtin,
      version: c.version,
      excludes: c.excludes,
      continueOnFailure: c.continueOnFailure,
      oauth: c.oauth ? { ...c.oauth } : null,
      serviceAuthType: c.serviceAuth?.type ?? null,
      serviceAuthToken: c.serviceAuth?.token ?? null,
      category: c.category,
      icon: c.icon,
      tags: c.tags,
      pathHierarchy: c.pathHierarchy,
      assets: c.assets,
      oauthConnectImplemented: c.oauthConnectImplemented,
      processor: c.processor ? { ...c.processor } : null,
      type: c.type,
      provider: c.provider,
    };
  },
};
