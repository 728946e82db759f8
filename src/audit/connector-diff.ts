import type { Connector } from '../connectors/domain/connector';
import { SecretCipher } from '../secrets/cipher';
import { isJsonObject, type Json, type JsonObject } from '../secrets/json';
import { MASK } from '../secrets/mask';
import { isSecretKey, isSecretValue } from '../secrets/secret-rule';
import { maskUrlPassword } from '../secrets/secret-tree';
import type { AuditChange } from './audit';

/** A secret leaf: its sealed value and the field it is sealed for (`config`, `oauth`...). */
class SecretLeaf {
  constructor(
    readonly sealed: string,
    readonly field: SecretField,
  ) {}
}

export type SecretField = 'config' | 'oauth' | 'service_auth' | 'oauth_grant';

/** The fingerprint of the clear value behind a sealed one (the caller opens it). */
export type Fingerprint = (sealed: string, field: SecretField) => string;

type Node = Json | SecretLeaf | undefined | { [key: string]: Node } | Node[];

const secret = (value: string | null | undefined, field: SecretField): Node =>
  value == null ? null : new SecretLeaf(value, field);

/** Secrets in free-form configuration: under a secret key, or sealed wherever they are. */
function configNode(node: Json, underSecretKey: boolean): Node {
  if (typeof node === 'string' && SecretCipher.isSealed(node))
    return new SecretLeaf(node, 'config');
  // Never stored so (every secret is sealed), but a row written before the rule knew a name or a
  // value form may hold one in clear: masked, as responses show it, never recorded in clear.
  if (underSecretKey && node !== null) return MASK;
  if (isSecretValue(node)) return MASK;
  // A URL's password is sealed inside the URL: only its masked form is ever recorded.
  if (typeof node === 'string') return maskUrlPassword(node);
  if (Array.isArray(node)) return node.map((v) => configNode(v, false));
  if (isJsonObject(node)) {
    const out: { [key: string]: Node } = {};
    for (const [k, v] of Object.entries(node)) out[k] = configNode(v, isSecretKey(k));
    return out;
  }
  return node;
}

/**
 * What the audit compares: every field a client can change, secrets as leaves. The bookkeeping
 * fields (times, createdBy/updatedBy, version) are the entry's own columns, not changes.
 */
function document(c: Connector | null): { [key: string]: Node } {
  if (!c) return {};
  const doc: { [key: string]: Node } = {
    name: c.name,
    description: c.description,
    // A password in the URL is sealed inside it: shown masked, never as its sealed form.
    url: c.url === null ? null : maskUrlPassword(c.url),
    active: c.active,
    builtin: c.builtin,
    config: c.config ? configNode(c.config, false) : null,
    excludes: c.excludes,
    continueOnFailure: c.continueOnFailure,
    oauth: c.oauth && {
      clientId: c.oauth.clientId,
      clientSecret: secret(c.oauth.clientSecret, 'oauth'),
      authorizeUrl: c.oauth.authorizeUrl,
      tokenUrl: c.oauth.tokenUrl,
      scope: c.oauth.scope,
    },
    serviceAuth: c.serviceAuth && {
      type: c.serviceAuth.type,
      token: secret(c.serviceAuth.token, 'service_auth'),
    },
    category: c.category,
    icon: c.icon,
    tags: c.tags,
    pathHierarchy: c.pathHierarchy,
    assets: c.assets,
    oauthConnectImplemented: c.oauthConnectImplemented,
    processor: c.processor as JsonObject | null,
    type: c.type,
    provider: c.provider,
  };
  // A field that is not set (null) is no field: a create lists what it set, a clear is a removal.
  for (const key of Object.keys(doc)) if (doc[key] === null) delete doc[key];
  return doc;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A JSON path step (RFC 9535): `.name` where it can, `['odd key']` otherwise. */
function step(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (IDENTIFIER.test(key)) return `${path}.${key}`;
  return `${path}['${key.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}

/** A JSON path step as the audit trail writes them, for writers outside the connector diff. */
export const jsonPathStep = step;

function hasSecret(node: Node): boolean {
  if (node instanceof SecretLeaf) return true;
  if (Array.isArray(node)) return node.some(hasSecret);
  if (node !== null && typeof node === 'object') return Object.values(node).some(hasSecret);
  return false;
}

const isObject = (node: Node): node is { [key: string]: Node } =>
  node !== null &&
  typeof node === 'object' &&
  !Array.isArray(node) &&
  !(node instanceof SecretLeaf);

/** The node as plain JSON (no secret left in it: callers only pass secret-free nodes). */
const plain = (node: Node): Json | undefined => node as Json | undefined;

/** True when `old` holds the clear value fingerprinted `print` (false when it cannot be opened). */
function sameSecret(old: SecretLeaf, print: string, fingerprint: Fingerprint): boolean {
  try {
    return fingerprint(old.sealed, old.field) === print;
  } catch {
    return false;
  }
}

function equal(a: Node, b: Node): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The changes from `before` to `after` (null: the connector did not exist / no longer exists), as
 * JSON paths. Plain values show old and new; a secret shows only that it changed, with the
 * fingerprint of its new value, or that it was removed. Sealed values are compared as stored: a
 * secret sent back masked (kept) is no change.
 */
export function diffConnectors(
  before: Connector | null,
  after: Connector | null,
  fingerprint: Fingerprint,
): AuditChange[] {
  const changes: AuditChange[] = [];
  const walk = (path: string, old: Node, next: Node): void => {
    if (old instanceof SecretLeaf || next instanceof SecretLeaf) {
      if (old instanceof SecretLeaf && next instanceof SecretLeaf && old.sealed === next.sealed) {
        return;
      }
      if (next instanceof SecretLeaf) {
        const print = fingerprint(next.sealed, next.field);
        // Sealed anew (a key rotation's lazy re-seal, the same value sent again): no change.
        if (old instanceof SecretLeaf && sameSecret(old, print, fingerprint)) return;
        changes.push({ path, secret: 'changed', fingerprint: print });
      } else {
        changes.push({ path, secret: 'removed' });
        if (next !== undefined && next !== null) walk(path, undefined, next);
      }
      return;
    }
    // Objects are compared key by key (a missing one is empty), so each leaf is its own change.
    const oldObject = isObject(old) ? old : old === undefined ? {} : null;
    const nextObject = isObject(next) ? next : next === undefined ? {} : null;
    if ((isObject(old) || isObject(next)) && oldObject && nextObject) {
      const keys = new Set([...Object.keys(oldObject), ...Object.keys(nextObject)]);
      for (const key of keys) walk(step(path, key), oldObject[key], nextObject[key]);
      return;
    }
    if (hasSecret(old) || hasSecret(next)) {
      // Arrays holding secrets go entry by entry; anything else holding one changed its kind.
      if (Array.isArray(old) && (Array.isArray(next) || next === undefined)) {
        const nextArray = next ?? [];
        for (let i = 0; i < Math.max(old.length, nextArray.length); i++) {
          walk(step(path, i), old[i], nextArray[i]);
        }
        return;
      }
      if (Array.isArray(next) && old === undefined) {
        next.forEach((v, i) => walk(step(path, i), undefined, v));
        return;
      }
      walk(path, old, undefined);
      walk(path, undefined, next);
      return;
    }
    if (equal(old, next)) return;
    const change: { path: string; old?: Json; new?: Json } = { path };
    if (old !== undefined) change.old = plain(old);
    if (next !== undefined) change.new = plain(next);
    changes.push(change);
  };
  walk('$', document(before), document(after));
  return changes;
}
