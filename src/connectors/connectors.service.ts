import type { Sealed } from '../secrets/cipher';
import { SecretCipher } from '../secrets/cipher';
import { deepMerge, type JsonObject } from '../secrets/json';
import { isMask } from '../secrets/mask';
import {
  MaskWithoutSecretError,
  mergeTree,
  openTree,
  openUrlPassword,
  sealTree,
  sealUrlPassword,
  type SealedTree,
} from '../secrets/secret-tree';
import { BUILTIN_CONNECTORS } from './domain/builtin-catalog';
import { credentialFieldsOf } from './domain/connector-types';
import type { Connector, ConnectorView, OAuthSettings, ServiceAuth } from './domain/connector';
import {
  BuiltinConnectorNotDeletableError,
  ConnectorAlreadyExistsError,
  ConnectorNotFoundError,
  InvalidConnectorError,
} from './domain/connector.errors';
import type {
  Actor,
  ConnectorChanges,
  NewConnector,
  OAuthInput,
  ObjectChange,
  Page,
  PageOf,
  ServiceAuthInput,
} from './domain/connector.input';
import { ConnectorRepository } from './domain/connector.repository';
import { checkSearch, type ConnectorSearch, type SearchResult } from './domain/connector.search';
import {
  checkChanges,
  checkConfigSize,
  checkNewConnector,
  generateConnectorId,
  isValidConnectorId,
} from './domain/connector.rules';
import { toView } from './domain/connector.view';

/** The clear secrets of one connector, for the features that must use them. */
export interface ConnectorSecrets {
  /** The connector's URL with the password of its userinfo (if any) in clear. */
  url: string | null;
  config: JsonObject | null;
  oauthClientSecret: string | null;
  serviceAuthToken: string | null;
  oauthTokens: string | null;
}

/**
 * Every connector use case, shared by all dialects. Plain TypeScript: it knows no HTTP, no dialect
 * and no SQL. What it returns is always a masked view.
 */
export class ConnectorsService {
  constructor(
    private readonly repo: ConnectorRepository,
    private readonly cipher: SecretCipher,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async list(actor: Actor, page: Page): Promise<PageOf<ConnectorView>> {
    // An offset past any possible end is the end (PostgreSQL's OFFSET stops at 2^63).
    const offset = Math.min(page.offset, Number.MAX_SAFE_INTEGER);
    const result = await this.repo.list(actor.organizationId, { ...page, offset });
    return { items: result.items.map(toView), total: result.total };
  }

  /** Full text, filters, sort, paging and terms aggregations; the hits are masked views. */
  async search(actor: Actor, spec: ConnectorSearch): Promise<SearchResult<ConnectorView>> {
    checkSearch(spec);
    const result = await this.repo.search(actor.organizationId, spec);
    return {
      ...result,
      hits: result.hits.map((hit) => ({ connector: toView(hit.connector), score: hit.score })),
    };
  }

  async get(actor: Actor, id: string): Promise<ConnectorView> {
    return toView(await this.find(actor, id));
  }

  async create(actor: Actor, input: NewConnector): Promise<ConnectorView> {
    checkNewConnector(input);
    // A generated id can collide (36^6 suffixes per name): try a few before giving up.
    for (let attempt = 0; ; attempt++) {
      const id = input.id ?? generateConnectorId(input.name);
      try {
        return toView(await this.repo.insert(this.build(actor, id, input)));
      } catch (error) {
        if (
          !(error instanceof ConnectorAlreadyExistsError) ||
          input.id !== undefined ||
          attempt >= 4
        ) {
          throw error;
        }
      }
    }
  }

  async update(actor: Actor, id: string, changes: ConnectorChanges): Promise<ConnectorView> {
    if (!isValidConnectorId(id)) throw new ConnectorNotFoundError(id);
    checkChanges(changes);
    const updated = await this.repo.update(actor.organizationId, id, (current) =>
      this.apply(current, changes, actor),
    );
    if (!updated) throw new ConnectorNotFoundError(id);
    return toView(updated);
  }

  async delete(actor: Actor, id: string): Promise<void> {
    if (!isValidConnectorId(id)) throw new ConnectorNotFoundError(id);
    const outcome = await this.repo.delete(actor.organizationId, id);
    switch (outcome) {
      case 'deleted':
        return;
      case 'not_found':
        throw new ConnectorNotFoundError(id);
      case 'builtin':
        throw new BuiltinConnectorNotDeletableError(id);
    }
  }

  /** Creates the built-in catalog connectors the organization lacks. */
  async ensureBuiltins(organizationId: string): Promise<number> {
    const actor: Actor = { organizationId, apiKeyId: 'system' };
    const now = this.now();
    const connectors = BUILTIN_CONNECTORS.map((entry) => ({
      ...this.build(actor, entry.id, entry, now),
      builtin: true,
      createdBy: null,
      updatedBy: null,
      type: entry.type ?? entry.id.replace(/_/g, '-'),
    }));
    return this.repo.insertMissing(connectors);
  }

  /** Opens the connector's secrets. Never pass the result to a response. */
  async openSecrets(actor: Actor, id: string): Promise<ConnectorSecrets> {
    const c = await this.find(actor, id);
    const ctx = sealContext(c.organizationId, c.id);
    const open = (value: Sealed | null | undefined, field: string) =>
      value ? this.cipher.open(value, `${ctx}#${field}`) : null;
    return {
      url: c.url === null ? null : openUrlPassword(c.url, this.cipher, `${ctx}#url`),
      config: c.config ? openTree(c.config, this.cipher, `${ctx}#config`) : null,
      oauthClientSecret: open(c.oauth?.clientSecret, 'oauth'),
      serviceAuthToken: open(c.serviceAuth?.token, 'service_auth'),
      oauthTokens: open(c.oauthGrant?.tokens, 'oauth_grant'),
    };
  }

  private async find(actor: Actor, id: string): Promise<Connector> {
    // No stored id can have another form (create checks it): such an id is not looked up at all,
    // which also keeps characters PostgreSQL refuses (NUL) away from the store.
    const c = isValidConnectorId(id) ? await this.repo.findById(actor.organizationId, id) : null;
    if (!c) throw new ConnectorNotFoundError(id);
    return c;
  }

  private build(actor: Actor, id: string, input: NewConnector, now = this.now()): Connector {
    const ctx = sealContext(actor.organizationId, id);
    return {
      organizationId: actor.organizationId,
      id,
      name: input.name,
      description: input.description ?? null,
      url: input.url ? this.sealUrl(input.url, null, ctx) : (input.url ?? null),
      active: input.active ?? true,
      createdAt: now,
      updatedAt: now,
      createdBy: actor.apiKeyId,
      updatedBy: actor.apiKeyId,
      config: input.config ? this.sealConfig(input.config, null, ctx, input.type) : null,
      builtin: false,
      excludes: input.excludes ?? null,
      continueOnFailure: input.continueOnFailure ?? false,
      oauth: input.oauth ? this.sealOAuth(input.oauth, null, ctx) : null,
      serviceAuth: input.serviceAuth ? this.sealServiceAuth(input.serviceAuth, null, ctx) : null,
      oauthGrant: null,
      category: input.category ?? null,
      icon: input.icon ?? null,
      tags: input.tags ?? null,
      pathHierarchy: input.pathHierarchy ?? false,
      assets: input.assets ?? null,
      oauthConnectImplemented: input.oauthConnectImplemented ?? false,
      processor: input.processor ?? null,
      type: input.type ?? null,
      provider: input.provider ?? null,
    };
  }

  private apply(current: Connector, changes: ConnectorChanges, actor: Actor): Connector {
    const ctx = sealContext(current.organizationId, current.id);
    const next: Connector = { ...current };
    const set = <K extends keyof ConnectorChanges & keyof Connector>(key: K) => {
      const value = changes[key];
      if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
    };
    set('name');
    set('description');
    set('active');
    set('excludes');
    set('continueOnFailure');
    set('category');
    set('icon');
    set('tags');
    set('pathHierarchy');
    set('oauthConnectImplemented');
    set('type');
    set('provider');

    if (changes.url !== undefined) {
      next.url = changes.url === null ? null : this.sealUrl(changes.url, current.url, ctx);
    }
    if (changes.config) {
      next.config = this.changeConfig(current.config, changes.config, ctx, next.type);
      checkConfigSize(next.config);
    }
    if (changes.assets) next.assets = changeObject(current.assets, changes.assets);
    if (changes.processor) {
      next.processor =
        'merge' in changes.processor
          ? { ...(current.processor ?? {}), ...changes.processor.merge }
          : changes.processor.replace;
    }
    if (changes.oauth !== undefined) {
      next.oauth = changes.oauth && this.sealOAuth(changes.oauth, current.oauth, ctx);
      if (changes.oauth === null) next.oauthGrant = null;
      if (changes.oauth) next.serviceAuth = null;
    }
    if (changes.serviceAuth !== undefined) {
      next.serviceAuth =
        changes.serviceAuth && this.sealServiceAuth(changes.serviceAuth, current.serviceAuth, ctx);
      if (changes.serviceAuth) {
        next.oauth = null;
        next.oauthGrant = null;
      }
    }

    const now = this.now();
    // Every change moves `updatedAt` forward, even within one millisecond of the previous one.
    next.updatedAt =
      now.getTime() > current.updatedAt.getTime() ? now : new Date(current.updatedAt.getTime() + 1);
    next.updatedBy = actor.apiKeyId;
    return next;
  }

  /** A URL with the password of its userinfo sealed in place (a mask sent back keeps it). */
  private sealUrl(value: string, stored: string | null, ctx: string): string {
    return (
      withMaskCheck(() => sealUrlPassword(value, stored, this.cipher, `${ctx}#url`, 'url')) ?? value
    );
  }

  private sealConfig(
    value: JsonObject,
    stored: SealedTree | null,
    ctx: string,
    type: string | null | undefined,
  ): SealedTree {
    const marked = credentialFieldsOf(type);
    const sealed = withMaskCheck(() =>
      sealTree(value, stored, this.cipher, `${ctx}#config`, 'config', marked),
    );
    checkConfigSize(sealed);
    return sealed;
  }

  private changeConfig(
    stored: SealedTree | null,
    change: ObjectChange<JsonObject>,
    ctx: string,
    type: string | null,
  ): SealedTree | null {
    if ('merge' in change) {
      const marked = credentialFieldsOf(type);
      return withMaskCheck(() =>
        mergeTree(stored, change.merge, this.cipher, `${ctx}#config`, 'config', marked),
      );
    }
    return change.replace === null ? null : this.sealConfig(change.replace, stored, ctx, type);
  }

  private sealOAuth(
    input: OAuthInput,
    stored: OAuthSettings<Sealed> | null,
    ctx: string,
  ): OAuthSettings<Sealed> {
    const authorizeUrl = input.authorizeUrl ?? stored?.authorizeUrl;
    const tokenUrl = input.tokenUrl ?? stored?.tokenUrl;
    if (!authorizeUrl || !tokenUrl) {
      throw new InvalidConnectorError(
        [
          !authorizeUrl && { field: 'oauth.authorize_url', reason: 'is required' },
          !tokenUrl && { field: 'oauth.token_url', reason: 'is required' },
        ].filter((p) => p !== false),
      );
    }
    return {
      clientId: input.clientId !== undefined ? input.clientId : (stored?.clientId ?? null),
      clientSecret: this.keepOrSeal(
        input.clientSecret,
        stored?.clientSecret ?? null,
        'oauth.client_secret',
        `${ctx}#oauth`,
      ),
      authorizeUrl,
      tokenUrl,
      scope: input.scope !== undefined ? input.scope : (stored?.scope ?? null),
    };
  }

  private sealServiceAuth(
    input: ServiceAuthInput,
    stored: ServiceAuth<Sealed> | null,
    ctx: string,
  ): ServiceAuth<Sealed> {
    const token = this.keepOrSeal(
      input.token,
      stored?.token ?? null,
      'service_auth.token',
      `${ctx}#service_auth`,
    );
    if (token === null) throw InvalidConnectorError.of('service_auth.token', 'is required');
    return { type: input.type ?? stored?.type ?? 'noscheme', token };
  }

  /** undefined keeps, null clears, a mask keeps (or is refused with nothing stored), else seals. */
  private keepOrSeal(
    value: string | null | undefined,
    stored: Sealed | null,
    field: string,
    context: string,
  ): Sealed | null {
    if (value === undefined) return stored;
    if (value === null) return null;
    if (isMask(value)) {
      if (stored) return stored;
      throw InvalidConnectorError.of(field, 'is a masked value, but no secret is stored to keep');
    }
    return this.cipher.seal(value, context);
  }
}

/** What a sealed value is bound to (authenticated, not encrypted): its organization and connector. */
export function sealContext(organizationId: string, connectorId: string): string {
  return `connector:${organizationId}/${connectorId}`;
}

function changeObject(
  stored: JsonObject | null,
  change: ObjectChange<JsonObject>,
): JsonObject | null {
  return 'merge' in change ? deepMerge(stored ?? {}, change.merge) : change.replace;
}

function withMaskCheck<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof MaskWithoutSecretError) {
      throw InvalidConnectorError.of(
        error.path,
        'is a masked value, but no secret is stored to keep',
      );
    }
    throw error;
  }
}
