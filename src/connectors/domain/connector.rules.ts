import { randomInt } from 'node:crypto';
import { isJsonObject, jsonDepth } from '../../secrets/json';
import { type Connector, SERVICE_AUTH_TYPES } from './connector';
import { type FieldProblem, InvalidConnectorError } from './connector.errors';
import type { ConnectorChanges, NewConnector, OAuthInput } from './connector.input';

export const LIMITS = {
  id: 128,
  name: 256,
  description: 4096,
  url: 2048,
  shortText: 256,
  listItems: 256,
  configDepth: 32,
  /** The stored (sealed) configuration, as JSON: merges cannot grow it without bound. */
  configBytes: 1024 * 1024,
} as const;

/** Refuses a stored configuration larger than LIMITS.configBytes. */
export function checkConfigSize(config: object | null): void {
  if (config && Buffer.byteLength(JSON.stringify(config)) > LIMITS.configBytes) {
    throw InvalidConnectorError.of(
      'config',
      `must not be larger than ${LIMITS.configBytes / 1024} KiB once stored`,
    );
  }
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const TYPE_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** PostgreSQL text and jsonb cannot hold U+0000: refused here rather than failing in the store. */
const NUL = '\u0000';

/** True when a NUL character appears in any string, key or value, of a JSON value. */
function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(NUL);
  if (Array.isArray(value)) return value.some(hasNul);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).some(([k, v]) => k.includes(NUL) || hasNul(v));
  }
  return false;
}

/** Cohere's style: a slug of the name and a short random suffix, e.g. `github-kh3g8q`. */
export function generateConnectorId(name: string): string {
  const slug =
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48)
      .replace(/-+$/, '') || 'connector';
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += ALPHABET[randomInt(ALPHABET.length)];
  return `${slug}-${suffix}`;
}

export function isValidConnectorId(id: string): boolean {
  return id.length <= LIMITS.id && ID_PATTERN.test(id);
}

export function isHttpUrl(value: string): boolean {
  if (value.length > LIMITS.url) return false;
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
  } catch {
    return false;
  }
}

class Checker {
  readonly problems: FieldProblem[] = [];

  add(field: string, reason: string): void {
    this.problems.push({ field, reason });
  }

  text(field: string, value: string | null | undefined, max: number, required = false): void {
    if (value === undefined || value === null) {
      if (required) this.add(field, 'is required');
      return;
    }
    if (required && value.trim() === '') this.add(field, 'must not be empty');
    else if (value.length > max) this.add(field, `must be at most ${max} characters`);
    else if (value.includes(NUL)) this.add(field, 'must not contain NUL characters');
  }

  url(field: string, value: string | null | undefined): void {
    if (value !== undefined && value !== null && (!isHttpUrl(value) || value.includes(NUL))) {
      this.add(field, 'must be an absolute http(s) URL');
    }
  }

  list(field: string, value: string[] | null | undefined): void {
    if (value === undefined || value === null) return;
    if (value.length > LIMITS.listItems)
      this.add(field, `must have at most ${LIMITS.listItems} items`);
    if (value.some((v) => v.length > LIMITS.shortText)) {
      this.add(field, `items must be at most ${LIMITS.shortText} characters`);
    }
    if (hasNul(value)) this.add(field, 'items must not contain NUL characters');
  }

  object(field: string, value: unknown): void {
    if (value === undefined || value === null) return;
    if (!isJsonObject(value)) this.add(field, 'must be an object');
    else if (jsonDepth(value) > LIMITS.configDepth) {
      this.add(field, `must not be nested deeper than ${LIMITS.configDepth} levels`);
    } else if (hasNul(value)) this.add(field, 'must not contain NUL characters');
  }

  oauth(value: OAuthInput | null | undefined, creating: boolean): void {
    if (value === undefined || value === null) return;
    if (creating || value.authorizeUrl !== undefined) {
      this.text('oauth.authorize_url', value.authorizeUrl, LIMITS.url, creating);
    }
    if (creating || value.tokenUrl !== undefined) {
      this.text('oauth.token_url', value.tokenUrl, LIMITS.url, creating);
    }
    this.url('oauth.authorize_url', value.authorizeUrl);
    this.url('oauth.token_url', value.tokenUrl);
    this.text('oauth.client_id', value.clientId, LIMITS.shortText);
    this.text('oauth.client_secret', value.clientSecret, LIMITS.description);
    this.text('oauth.scope', value.scope, LIMITS.description);
  }

  throwIfAny(): void {
    if (this.problems.length) throw new InvalidConnectorError(this.problems);
  }
}

function checkCommon(c: Checker, input: NewConnector | ConnectorChanges, creating: boolean): void {
  c.text('name', input.name, LIMITS.name, creating || input.name !== undefined);
  c.text('description', input.description, LIMITS.description);
  c.url('url', input.url);
  c.list('excludes', input.excludes);
  c.list('tags', input.tags);
  for (const field of ['category', 'icon', 'provider'] as const) {
    c.text(field, input[field], LIMITS.shortText);
  }
  if (input.type !== undefined && input.type !== null) {
    if (!TYPE_PATTERN.test(input.type) || input.type.length > 64) {
      c.add('type', 'must be a lowercase slug such as "slack" or "telegram-bot"');
    }
  }
  if (input.oauth && input.serviceAuth) {
    c.add('oauth', 'oauth and service_auth cannot both be given');
  }
  c.oauth(input.oauth, creating);
  if (input.serviceAuth) {
    if (
      input.serviceAuth.type !== undefined &&
      !SERVICE_AUTH_TYPES.includes(input.serviceAuth.type)
    ) {
      c.add('service_auth.type', `must be one of ${SERVICE_AUTH_TYPES.join(', ')}`);
    }
    c.text('service_auth.token', input.serviceAuth.token, LIMITS.description, true);
  }
}

export function checkNewConnector(input: NewConnector): void {
  const c = new Checker();
  if (input.id !== undefined && !isValidConnectorId(input.id)) {
    c.add(
      'id',
      `must be 1 to ${LIMITS.id} letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  checkCommon(c, input, true);
  c.object('config', input.config);
  c.object('assets', input.assets);
  c.object('processor', input.processor);
  c.throwIfAny();
}

export function checkChanges(changes: ConnectorChanges): void {
  const c = new Checker();
  checkCommon(c, changes, false);
  for (const field of ['config', 'assets', 'processor'] as const) {
    const change = changes[field];
    if (change) c.object(field, 'merge' in change ? change.merge : change.replace);
  }
  c.throwIfAny();
}

/**
 * OAuth grants were obtained from one authorization server for one client and scope: when the
 * connector's OAuth settings change any of these (or go away), its grants no longer hold.
 */
export function oauthGrantsInvalidated(before: Connector, after: Connector): boolean {
  const a = before.oauth;
  const b = after.oauth;
  if (!a) return false;
  if (!b) return true;
  return (
    a.clientId !== b.clientId ||
    a.authorizeUrl !== b.authorizeUrl ||
    a.tokenUrl !== b.tokenUrl ||
    a.scope !== b.scope
  );
}
