import type { ConnectorView } from '../../connectors/domain/connector';
import type { FieldProblem } from '../../connectors/domain/connector.errors';
import type {
  ConnectorChanges,
  NewConnector,
  PageOf,
} from '../../connectors/domain/connector.input';
import type { CreateGenericConnectorDto, UpdateGenericConnectorDto } from './dto/generic.requests';
import type { GenericConnector, GenericConnectorPage } from './dto/generic.responses';

/** The `type` shown for a connector stored without one (made through Cohere or Coco). */
export const DEFAULT_TYPE = 'custom';

/** `createdBy` / `updatedBy` of what the gateway made itself (the built-in catalog). */
export const SYSTEM_ACTOR = 'system';

/**
 * Generic envelope dialect <-> canonical. Every field shown is listed here; generic `data` is the
 * canonical `config`, and only its masked view (`maskedData`) is ever shown.
 */
export const GenericMapper = {
  toNewConnector(dto: CreateGenericConnectorDto): NewConnector {
    return {
      name: dto.name,
      type: dto.type,
      config: dto.data,
      description: dto.description ?? null,
      provider: dto.provider ?? null,
    };
  },

  /** Left out: not touched. `data` merges key by key; `description: null` clears it. */
  toChanges(dto: UpdateGenericConnectorDto): ConnectorChanges {
    return {
      name: dto.name,
      description: dto.description,
      config: dto.data === undefined ? undefined : { merge: dto.data },
    };
  },

  toResponse(c: ConnectorView): GenericConnector {
    return {
      id: c.id,
      name: c.name,
      description: c.description ?? '',
      type: c.type ?? DEFAULT_TYPE,
      provider: c.provider ?? '',
      organizationId: c.organizationId,
      createdAt: c.createdAt.toISOString(),
      createdBy: c.createdBy ?? SYSTEM_ACTOR,
      updatedAt: c.updatedAt.toISOString(),
      updatedBy: c.updatedBy ?? SYSTEM_ACTOR,
      maskedData: c.config ?? {},
      version: c.version,
      authStatus: c.authStatus,
    };
  },

  toPage(page: PageOf<ConnectorView>, limit: number, offset: number): GenericConnectorPage {
    return {
      items: page.items.map((c) => GenericMapper.toResponse(c)),
      limit,
      offset,
      hasMore: offset + page.items.length < page.total,
    };
  },

  /** A domain field name as a generic client knows it: canonical `config` is generic `data`. */
  field(canonical: string): string {
    return canonical === 'config' ||
      canonical.startsWith('config.') ||
      canonical.startsWith('config[')
      ? `data${canonical.slice('config'.length)}`
      : canonical;
  },

  /** One entry per invalid field (its first reason), named as a generic client knows it. */
  details(problems: FieldProblem[]): FieldProblem[] {
    const byField = new Map<string, string>();
    for (const p of problems) {
      const field = GenericMapper.field(p.field);
      if (!byField.has(field)) byField.set(field, p.reason);
    }
    return [...byField].map(([field, reason]) => ({ field, reason }));
  },
};
