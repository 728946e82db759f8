import type { AuditAction, AuditEntry } from '../audit/audit';
import type { AuditHasher } from '../audit/audit-hash';
import { diffConnectors, type SecretField } from '../audit/connector-diff';
import type { Sealed } from '../secrets/cipher';
import { SecretCipher } from '../secrets/cipher';
import { deepMerge, type JsonObject } from '../secrets/json';
import { isMask } from '../secrets/mask';
import { findSealedLookalike } from '../secrets/lookalike';
import { resealJson } from '../secrets/reseal';
import {
  MaskWithoutSecretError,
  mergeTree,
  openTree,
  openUrlPassword,
  sealTree,
  sealUrlPassword,
  type SealedTree,
} from '../secrets/secret-tree';
import { AuthStatusSource, NO_GRANTS } from './domain/auth-status';
import { BUILTIN_CONNECTORS } from './domain/builtin-catalog';
import { builtinTypeOf, credentialFieldsOf } from './domain/connector-types';
import type { Connector, ConnectorView, OAuthSettings, ServiceAuth } from './domain/connector';
import {
  BuiltinConnectorNotDeletableError,
  ConnectorAlreadyExistsError,
  ConnectorNotFoundError,
  type FieldProblem,
  InvalidConnectorError,
  SecretMustBeResentError,
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
  WriteCondition,
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
import { checkConditions } from './domain/connector.revision';
import { toView } from './domain/connector.view';

/** The clear secrets of one connector, for the features that must use them. */
export interface ConnectorSecrets {
  /** The connector's URL with the password of its userinfo (if any) in clear. */
  url: string | null;
  config: JsonObject | null;
  oauthClientSecret: string | null;
  serviceAuthToken: string | null;
}

/**
 * Which URLs the gateway refuses to store as a connector `url` or an OAuth `token_url`, because it
 * would never call them (a literal loopback, private or link-local address). Decided outside the
 * domain (src/outbound), with the operator's GATEWAY_OUTBOUND_ALLOW_PRIVATE.
 */
export interface OutboundUrlPolicy {
  refuses(url: string): boolean;
}

const ALLOW_EVERY_URL: OutboundUrlPolicy = { refuses: () => false };

/**
 * Every connector use case, shared by all dialects. Plain TypeScript: it knows no HTTP, no dialect
 * and no SQL. What it returns is always a masked view.
 */
export class ConnectorsService {
  constructor(
    private readonly repo: ConnectorRepository,
    private readonly cipher: SecretCipher,
    private readonly now: () => Date = () => new Date(),
    private readonly urlPolicy: OutboundUrlPolicy = ALLOW_EVERY_URL,
    private readonly authStatuses: AuthStatusSource = NO_GRANTS,
    /** Fingerprints secrets in the audit trail; without it (tools that never write) no audit. */
    private readonly auditHasher?: AuditHasher,
  ) {}

  async list(actor: Actor, page: Page): Promise<PageOf<ConnectorView>> {
    // An offset past any possible end is the end (PostgreSQL's OFFSET stops at 2^63).
    const offset = Math.min(page.offset, Number.MAX_SAFE_INTEGER);
    const result = await this.repo.list(actor.organizationId, { ...page, offset });
    return { items: await this.views(actor, result.items), total: result.total };
  }

  /** Full text, filters, sort, paging and terms aggregations; the hits are masked views. */
  async search(actor: Actor, spec: ConnectorSearch): Promise<SearchResult<ConnectorView>> {
    checkSearch(spec);
    const result = await this.repo.search(actor.organizationId, spec);
    const views = await this.views(
      actor,
      result.hits.map((hit) => hit.connector),
    );
    return {
      ...result,
      hits: result.hits.map((hit, i) => ({ connector: views[i], score: hit.score })),
    };
  }

  async get(actor: Actor, id: string): Promise<ConnectorView> {
    return this.view(actor, await this.find(actor, id));
  }

  async create(
    actor: Actor,
    input: NewConnector,
    conditions: readonly WriteCondition[] = [],
  ): Promise<ConnectorView> {
    checkNewConnector(input);
    this.checkOutboundUrls(input.url, input.oauth?.tokenUrl);
    // A generated id can collide (36^6 suffixes per name): try a few before giving up.
    for (let attempt = 0; ; attempt++) {
      const id = input.id ?? generateConnectorId(input.name);
      try {
        const connector = this.build(actor, id, input);
        return toView(
          await this.repo.insert(connector, this.auditEntry(actor, 'create', null, connector)),
        );
      } catch (error) {
        // If-None-Match: * on a chosen id: the taken id fails the precondition.
        if (error instanceof ConnectorAlreadyExistsError && input.id !== undefined) {
          const absent = conditions.some((c) => c.kind === 'absent');
          if (absent) checkConditions({ ...connectorKey(actor, id), version: 0 }, conditions);
        }
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

  /** `conditions` are checked under the row lock, with the write (If-Match, versions). */
  async update(
    actor: Actor,
    id: string,
    changes: ConnectorChanges,
    conditions: readonly WriteCondition[] = [],
  ): Promise<ConnectorView> {
    if (!isValidConnectorId(id)) throw new ConnectorNotFoundError(id);
    checkChanges(changes);
    this.checkOutboundUrls(changes.url, changes.oauth?.tokenUrl);
    const updated = await this.repo.update(
      actor.organizationId,
      id,
      (current) => {
        checkConditions(current, conditions);
        return this.apply(current, changes, actor);
      },
      (before, after) => this.auditEntry(actor, 'update', before, after),
    );
    if (!updated) throw new ConnectorNotFoundError(id);
    return this.view(actor, updated);
  }

  async delete(
    actor: Actor,
    id: string,
    conditions: readonly WriteCondition[] = [],
  ): Promise<ConnectorView> {
    if (!isValidConnectorId(id)) throw new ConnectorNotFoundError(id);
    let deleted = null as Connector | null;
    const outcome = await this.repo.delete(actor.organizationId, id, {
      check: (current) => {
        checkConditions(current, conditions);
        deleted = current;
      },
      audit: (before) => this.auditEntry(actor, 'delete', before, null),
    });
    switch (outcome) {
      case 'deleted':
        if (!deleted) throw new ConnectorNotFoundError(id);
        return toView(deleted);
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
    // Built with its type, so that what the type marks as a credential is sealed like any other.
    const connectors = BUILTIN_CONNECTORS.map((entry) => ({
      ...this.build(actor, entry.id, { ...entry, type: builtinTypeOf(entry) }, now),
      builtin: true,
      createdBy: null,
      updatedBy: null,
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
    };
  }

  /**
   * The audit entry of a change made by `actor` (null when this service audits nothing). Secrets
   * appear only as fingerprints of their new clear values, opened here for that alone.
   */
  auditEntry(
    actor: Actor,
    action: AuditAction,
    before: Connector | null,
    after: Connector | null,
  ): AuditEntry | undefined {
    const hasher = this.auditHasher;
    if (!hasher) return undefined;
    const subject = (after ?? before) as Connector;
    const ctx = sealContext(subject.organizationId, subject.id);
    const fingerprint = (sealed: string, field: SecretField) => {
      const clear = this.cipher.open(sealed as Sealed, `${ctx}#${field}`);
      return hasher.fingerprint(field === 'config' ? configSecretText(clear) : clear);
    };
    return {
      occurredAt: this.now(),
      organizationId: subject.organizationId,
      apiKeyId: actor.apiKeyId,
      dialect: actor.dialect ?? null,
      method: actor.method ?? null,
      route: actor.route ?? null,
      requestId: actor.requestId ?? null,
      action,
      connectorId: subject.id,
      version: after ? after.version : null,
      changes: diffConnectors(before, after, fingerprint),
    };
  }

  /** The masked views, each with the caller's own OAuth grant status. */
  private async views(actor: Actor, connectors: Connector[]): Promise<ConnectorView[]> {
    const withOAuth = connectors.filter((c) => c.oauth).map((c) => c.id);
    const statuses = withOAuth.length
      ? await this.authStatuses.statuses(actor, withOAuth)
      : new Map<string, never>();
    return connectors.map((c) => toView(c, statuses.get(c.id) ?? null));
  }

  private async view(actor: Actor, connector: Connector): Promise<ConnectorView> {
    return (await this.views(actor, [connector]))[0];
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
      version: 1,
      excludes: input.excludes ?? null,
      continueOnFailure: input.continueOnFailure ?? false,
      oauth: input.oauth ? this.sealOAuth(input.oauth, null, ctx) : null,
      serviceAuth: input.serviceAuth ? this.sealServiceAuth(input.serviceAuth, null, ctx) : null,
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
    } else if (next.type !== current.type && next.config) {
      // The new type may mark stored fields as credentials: they are sealed now (what is sealed
      // already stays as it is), not left in clear until the config is next written.
      const stored = next.config;
      const marked = credentialFieldsOf(next.type);
      next.config = withMaskCheck(() =>
        sealTree(stored, stored, this.cipher, `${ctx}#config`, 'config', marked),
      );
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
      // Grants obtained under other settings are dropped by the repository, in this transaction
      // (`oauthGrantsInvalidated`).
      next.oauth = changes.oauth && this.sealOAuth(changes.oauth, current.oauth, ctx);
      if (changes.oauth) next.serviceAuth = null;
    }
    if (changes.serviceAuth !== undefined) {
      next.serviceAuth =
        changes.serviceAuth && this.sealServiceAuth(changes.serviceAuth, current.serviceAuth, ctx);
      if (changes.serviceAuth) next.oauth = null;
    }

    checkSecretOrigins(current, next);

    const now = this.now();
    // Every change moves `updatedAt` forward, even within one millisecond of the previous one.
    next.updatedAt =
      now.getTime() > current.updatedAt.getTime() ? now : new Date(current.updatedAt.getTime() + 1);
    next.updatedBy = actor.apiKeyId;
    return this.resealKept(next, ctx);
  }

  /**
   * Lazy rotation: every sealed value a write keeps is sealed again under the current key (the
   * same context, so it stays bound to this connector and field). One that does not open is kept
   * as it was: a write never fails over a value it does not change.
   */
  private resealKept(c: Connector, ctx: string): Connector {
    const reseal = <T extends string | SealedTree>(value: T, field: string): T =>
      resealJson(this.cipher, value, `${ctx}#${field}`).value;
    return {
      ...c,
      // the password sealed inside the URL's userinfo (config's URLs are in `config`)
      url: c.url && reseal(c.url, 'url'),
      config: c.config && reseal(c.config, 'config'),
      oauth: c.oauth && {
        ...c.oauth,
        clientSecret: c.oauth.clientSecret && reseal(c.oauth.clientSecret, 'oauth'),
      },
      serviceAuth: c.serviceAuth && {
        ...c.serviceAuth,
        token: reseal(c.serviceAuth.token, 'service_auth'),
      },
    };
  }

  /** The gateway would refuse to call these URLs: refused when they are stored, too. */
  private checkOutboundUrls(url: string | null | undefined, tokenUrl: string | undefined): void {
    const problems: FieldProblem[] = [];
    const reason =
      'must not point to a loopback, private, link-local or other non-public address (GATEWAY_OUTBOUND_ALLOW_PRIVATE)';
    if (url && this.urlPolicy.refuses(url)) problems.push({ field: 'url', reason });
    if (tokenUrl && this.urlPolicy.refuses(tokenUrl))
      problems.push({ field: 'oauth.token_url', reason });
    if (problems.length) throw new InvalidConnectorError(problems);
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
    refuseSealedLookalike(value);
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
      refuseSealedLookalike(change.merge);
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

/**
 * A stored secret only goes where it was given for: a kept `client_secret` may not follow
 * `token_url` to another origin, nor a kept `service_auth` token the connector `url`. The caller
 * sends the secret again (or clears it) when the host really changed hands.
 */
function checkSecretOrigins(current: Connector, next: Connector): void {
  const keptClientSecret =
    next.oauth?.clientSecret != null && next.oauth.clientSecret === current.oauth?.clientSecret;
  if (keptClientSecret && originOf(next.oauth?.tokenUrl) !== originOf(current.oauth?.tokenUrl)) {
    throw new SecretMustBeResentError('oauth.client_secret', 'token_url');
  }
  const keptToken =
    next.serviceAuth?.token != null && next.serviceAuth.token === current.serviceAuth?.token;
  // A connector without a url sends the token nowhere; one that gains a url must be given it anew.
  if (keptToken && next.url && originOf(next.url) !== originOf(current.url)) {
    throw new SecretMustBeResentError('service_auth.token', 'url');
  }
}

/** scheme://host:port, the unit a secret is given for (an unparsable URL is its own origin). */
function originOf(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/**
 * A configuration secret is sealed as JSON text: a string secret is fingerprinted as the string
 * itself (what an operator holds), any other value as its JSON.
 */
function configSecretText(sealedJson: string): string {
  try {
    const value: unknown = JSON.parse(sealedJson);
    return typeof value === 'string' ? value : sealedJson;
  } catch {
    return sealedJson;
  }
}

function connectorKey(actor: Actor, id: string) {
  return { organizationId: actor.organizationId, id, createdAt: new Date(0) };
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

/**
 * A plain value of the sealed form, as the client sent it, would pass for a secret under an
 * unknown key: refused. Checked on what the client sent, not on the sealed result, which holds
 * the gateway's own sealed values under plain names too (secrets found by value or marked by the
 * connector's type).
 */
function refuseSealedLookalike(tree: JsonObject): void {
  const path = findSealedLookalike(tree);
  if (path) {
    throw InvalidConnectorError.of(
      path,
      'has the form of a sealed secret (gw1.<key id>.<data>), which is reserved',
    );
  }
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
