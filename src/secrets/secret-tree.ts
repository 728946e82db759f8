import { SecretCipher, SecretCipherError } from './cipher';
import { deepMerge, isJsonObject, type Json, type JsonObject } from './json';
import { isMask, MASK } from './mask';
import { isSecretKey, isSecretValue, splitUrlPassword, urlPasswordOwner } from './secret-rule';

/**
 * Free-form configuration (Coco `config`, generic `data`) in its three forms:
 * - clear: what a client sends, secrets readable;
 * - sealed: what is stored, every value under a secret-looking key sealed;
 * - masked: what a dialect may show, every such value replaced by the mask.
 * The brands make it a type error to hand stored or clear configuration to a response mapper.
 */
export type SealedTree = JsonObject & { readonly __tree: 'sealed' };
export type MaskedTree = JsonObject & { readonly __tree: 'masked' };

/** A client sent a mask for a secret the gateway does not hold. */
export class MaskWithoutSecretError extends Error {
  constructor(readonly path: string) {
    super(`${path} is a masked value, but no secret is stored there to keep`);
  }
}

type Path = Array<string | number>;

/**
 * Fields a connector's type marks as secrets (rule 3 of secret-rule.ts), as schema paths: `a.b`
 * for a property, `a[].b` for a property of every entry of an array.
 */
export type MarkedFields = ReadonlySet<string>;
const NONE: MarkedFields = new Set();

function pathText(root: string, path: Path): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : `${acc}.${part}`),
    root,
  );
}

/** `accounts[].password` for the path `accounts, 3, password`. */
function schemaPath(path: Path): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[]` : acc ? `${acc}.${part}` : part),
    '',
  );
}

function childOf(node: Json | undefined, key: string): Json | undefined {
  return isJsonObject(node) && Object.hasOwn(node, key) ? node[key] : undefined;
}

/** A value that is, or stands for, a secret: sealed, masked, or a well-known credential. */
function secretValue(value: Json | undefined): boolean {
  return SecretCipher.isSealed(value) || isMask(value) || isSecretValue(value);
}

/** A value as it identifies an entry: a URL without its password, no secret at all. */
function identityValue(value: Json | undefined): Json | undefined {
  if (secretValue(value)) return undefined;
  const url = splitUrlPassword(value);
  return url ? `${url.before}@${url.after}` : value;
}

/** Scalar fields that name an array entry (an account, a host) when the entry has one. */
const IDENTITY_FIELDS = ['id', 'name', 'key', 'host', 'url', 'username', 'email'];

/**
 * What identifies an array entry, whatever its secrets: its first identity field when it has one,
 * otherwise all of its non-secret content. Secrets (sealed, masked or clear; by name, by value or
 * marked by the type) are left out, so an entry read masked and sent back is recognised as the
 * stored one.
 */
function identityOf(entry: Json, secretField: (key: string) => boolean): string {
  if (isJsonObject(entry)) {
    for (const field of IDENTITY_FIELDS) {
      if (secretField(field)) continue;
      const value = identityValue(entry[field]);
      if (typeof value === 'string' || typeof value === 'number')
        return `${field}=${JSON.stringify(value)}`;
    }
  }
  const strip = (node: Json, top: boolean): Json | undefined => {
    if (Array.isArray(node)) return node.map((item) => strip(item, false) ?? null);
    if (!isJsonObject(node)) return identityValue(node);
    const out: JsonObject = {};
    for (const key of Object.keys(node).sort()) {
      if (isSecretKey(key) || (top && secretField(key))) continue;
      const value = strip(node[key], false);
      if (value !== undefined) out[key] = value;
    }
    return out;
  };
  return JSON.stringify(strip(entry, true) ?? null);
}

/**
 * The stored entry each incoming array entry continues: the one with the same identity (the n-th
 * incoming entry of an identity takes the n-th stored one). By identity, not by position: a
 * client that removed or reordered entries must not hand one entry's secret to another.
 */
function matchEntries(
  incoming: Json[],
  stored: Json | undefined,
  secretField: (key: string) => boolean,
): Array<Json | undefined> {
  if (!Array.isArray(stored) || stored.length === 0) return incoming.map(() => undefined);
  const queues = new Map<string, Json[]>();
  for (const entry of stored) {
    const id = identityOf(entry, secretField);
    const queue = queues.get(id);
    if (queue) queue.push(entry);
    else queues.set(id, [entry]);
  }
  return incoming.map((entry) => queues.get(identityOf(entry, secretField))?.shift());
}

/**
 * Seals a URL's userinfo password in place (`https://user:gw1.<sealed>@host/...`); a mask sent
 * back for it keeps the password stored at the same place when the URL still names the same user
 * at the same host. Null when the URL holds no password; throws MaskWithoutSecretError (with
 * `where`) for a mask with nothing to keep.
 */
export function sealUrlPassword(
  value: string,
  stored: unknown,
  cipher: SecretCipher,
  context: string,
  where: string,
): string | null {
  const url = splitUrlPassword(value);
  if (!url) return null;
  if (value === stored && SecretCipher.isSealed(url.password)) return value;
  if (isMask(url.password)) {
    const old = splitUrlPassword(stored);
    if (
      old &&
      SecretCipher.isSealed(old.password) &&
      urlPasswordOwner(old) === urlPasswordOwner(url)
    )
      return `${url.before}${old.password}${url.after}`;
    throw new MaskWithoutSecretError(where);
  }
  return `${url.before}${cipher.seal(JSON.stringify(url.password), context)}${url.after}`;
}

/** A URL as a response may show it: its sealed password replaced by the mask. */
export function maskUrlPassword(value: string): string {
  const url = splitUrlPassword(value);
  return url && (SecretCipher.isSealed(url.password) || !isMask(url.password))
    ? `${url.before}${MASK}${url.after}`
    : value;
}

/** A URL with its sealed password opened (for the features that call the URL). */
export function openUrlPassword(value: string, cipher: SecretCipher, context: string): string {
  const url = splitUrlPassword(value);
  if (!url || !SecretCipher.isSealed(url.password)) return value;
  const password = JSON.parse(cipher.open(url.password, context)) as string;
  return `${url.before}${password}${url.after}`;
}

/**
 * Seals every secret of `incoming` (secret-rule.ts: by name, by value, marked by the connector's
 * type, URL passwords). Where the client sent a mask back for a secret, the sealed value stored at
 * the same place in `stored` is kept (inside arrays, in the stored entry with the same identity);
 * a mask with nothing stored behind it is an error. A value identical to the sealed value stored
 * at its place (what a merge carries over) stays as it is.
 */
export function sealTree(
  incoming: JsonObject,
  stored: SealedTree | null,
  cipher: SecretCipher,
  context: string,
  root = 'config',
  marked: MarkedFields = NONE,
): SealedTree {
  const isMarked = (path: Path) => marked.size > 0 && marked.has(schemaPath(path));
  const seal = (node: Json, old: Json | undefined, path: Path): Json => {
    if (node === null) return null;
    if (SecretCipher.isSealed(node) && node === old) return node;
    if (isMask(node)) {
      if (SecretCipher.isSealed(old)) return old;
      throw new MaskWithoutSecretError(pathText(root, path));
    }
    return cipher.seal(JSON.stringify(node), context);
  };
  const walk = (node: Json, old: Json | undefined, path: Path, secret: boolean): Json => {
    if (secret) return seal(node, old, path);
    if (typeof node === 'string') {
      // A mask where a secret found by its value is stored keeps it; elsewhere it is plain text.
      if (isMask(node)) return SecretCipher.isSealed(old) ? old : node;
      if (SecretCipher.isSealed(node) || isSecretValue(node)) return seal(node, old, path);
      return sealUrlPassword(node, old, cipher, context, pathText(root, path)) ?? node;
    }
    if (Array.isArray(node)) {
      const secretField = (key: string) => isMarked([...path, 0, key]);
      const olds = matchEntries(node, old, secretField);
      return node.map((item, i) => walk(item, olds[i], [...path, i], isMarked([...path, i])));
    }
    if (isJsonObject(node)) {
      const out: JsonObject = {};
      for (const [key, value] of Object.entries(node)) {
        const at = [...path, key];
        out[key] = walk(value, childOf(old, key), at, isSecretKey(key) || isMarked(at));
      }
      return out;
    }
    return node;
  };
  return walk(incoming, stored ?? undefined, [], false) as SealedTree;
}

/**
 * Merges `patch` into `stored` key by key: objects merge, arrays and scalars replace, and secrets
 * sent back masked keep their stored values. Returns the new sealed tree.
 */
export function mergeTree(
  stored: SealedTree | null,
  patch: JsonObject,
  cipher: SecretCipher,
  context: string,
  root = 'config',
  marked: MarkedFields = NONE,
): SealedTree {
  // A secret is one value: never merged into, only replaced (or kept, when sent back masked).
  const merged = deepMerge(stored ?? {}, patch, isSecretKey);
  // Sealing the merged tree against the stored one keeps untouched secrets (already sealed, and
  // identical to the stored value) and restores masked ones.
  return sealTree(merged, stored, cipher, context, root, marked);
}

/**
 * The view a response may carry: every secret value replaced by the mask. What was sealed is
 * masked wherever it is; so is anything the rule takes for a secret that is stored in clear
 * (stored before the rule knew it).
 */
export function maskTree(stored: SealedTree): MaskedTree {
  const walk = (node: Json, secret: boolean): Json => {
    if (secret) return node === null ? null : MASK;
    if (typeof node === 'string') {
      if (SecretCipher.isSealed(node) || isSecretValue(node)) return MASK;
      return maskUrlPassword(node);
    }
    if (Array.isArray(node)) return node.map((v) => walk(v, false));
    if (isJsonObject(node)) {
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(node)) out[k] = walk(v, isSecretKey(k));
      return out;
    }
    return node;
  };
  return walk(stored, false) as MaskedTree;
}

/** The clear configuration, for the few features that must use a secret (and for tests). */
export function openTree(stored: SealedTree, cipher: SecretCipher, context: string): JsonObject {
  const walk = (node: Json, secret: boolean): Json => {
    if (SecretCipher.isSealed(node)) {
      try {
        return JSON.parse(cipher.open(node, context)) as Json;
      } catch (error) {
        // Text in the sealed form that the gateway did not seal (stored in clear, under a plain
        // key, before the value rule sealed such text) is that text; a real secret must open.
        if (secret || !(error instanceof SecretCipherError)) throw error;
        return node;
      }
    }
    if (typeof node === 'string') return openUrlPassword(node, cipher, context);
    if (Array.isArray(node)) return node.map((v) => walk(v, false));
    if (isJsonObject(node)) {
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(node)) out[k] = walk(v, isSecretKey(k));
      return out;
    }
    return node;
  };
  return walk(stored, false) as JsonObject;
}
