import { SecretCipher } from './cipher';
import { deepMerge, isJsonObject, type Json, type JsonObject } from './json';
import { isMask, MASK } from './mask';
import { isSecretKey } from './secret-keys';

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

function pathText(root: string, path: Path): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : `${acc}.${part}`),
    root,
  );
}

function childOf(node: Json | undefined, key: string): Json | undefined {
  return isJsonObject(node) && Object.hasOwn(node, key) ? node[key] : undefined;
}

/** Scalar fields that name an array entry (an account, a host) when the entry has one. */
const IDENTITY_FIELDS = ['id', 'name', 'key', 'host', 'url', 'username', 'email'];

/**
 * What identifies an array entry, whatever its secrets: its first identity field when it has one,
 * otherwise all of its non-secret content. Secrets (sealed, masked or clear) are left out, so an
 * entry read masked and sent back is recognised as the stored one.
 */
function identityOf(entry: Json): string {
  if (isJsonObject(entry)) {
    for (const field of IDENTITY_FIELDS) {
      const value = entry[field];
      if (typeof value === 'string' || typeof value === 'number')
        return `${field}=${JSON.stringify(value)}`;
    }
  }
  const strip = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(strip);
    if (!isJsonObject(node)) return node;
    const out: JsonObject = {};
    for (const key of Object.keys(node).sort()) {
      if (!isSecretKey(key)) out[key] = strip(node[key]);
    }
    return out;
  };
  return JSON.stringify(strip(entry));
}

/**
 * The stored entry each incoming array entry continues: the one with the same identity (the n-th
 * incoming entry of an identity takes the n-th stored one). By identity, not by position: a
 * client that removed or reordered entries must not hand one entry's secret to another.
 */
function matchEntries(incoming: Json[], stored: Json | undefined): Array<Json | undefined> {
  if (!Array.isArray(stored) || stored.length === 0) return incoming.map(() => undefined);
  const queues = new Map<string, Json[]>();
  for (const entry of stored) {
    const id = identityOf(entry);
    const queue = queues.get(id);
    if (queue) queue.push(entry);
    else queues.set(id, [entry]);
  }
  return incoming.map((entry) => queues.get(identityOf(entry))?.shift());
}

/**
 * Seals every secret of `incoming`. Where the client sent a mask back for a secret, the sealed value
 * stored at the same place in `stored` is kept (inside arrays, in the stored entry with the same
 * identity); a mask with nothing stored behind it is an error. A value identical to the sealed
 * value stored at its place (what a merge carries over) stays as it is.
 */
export function sealTree(
  incoming: JsonObject,
  stored: SealedTree | null,
  cipher: SecretCipher,
  context: string,
  root = 'config',
): SealedTree {
  const walk = (node: Json, old: Json | undefined, path: Path, secret: boolean): Json => {
    if (secret) {
      if (node === null) return null;
      if (SecretCipher.isSealed(node) && node === old) return node;
      if (isMask(node)) {
        if (SecretCipher.isSealed(old)) return old;
        throw new MaskWithoutSecretError(pathText(root, path));
      }
      return cipher.seal(JSON.stringify(node), context);
    }
    if (Array.isArray(node)) {
      const olds = matchEntries(node, old);
      return node.map((item, i) => walk(item, olds[i], [...path, i], false));
    }
    if (isJsonObject(node)) {
      const out: JsonObject = {};
      for (const [key, value] of Object.entries(node)) {
        out[key] = walk(value, childOf(old, key), [...path, key], isSecretKey(key));
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
): SealedTree {
  // A secret is one value: never merged into, only replaced (or kept, when sent back masked).
  const merged = deepMerge(stored ?? {}, patch, isSecretKey);
  // Sealing the merged tree against the stored one keeps untouched secrets (already sealed, and
  // identical to the stored value) and restores masked ones.
  return sealTree(merged, stored, cipher, context, root);
}

/** The view a response may carry: every secret value replaced by the mask. */
export function maskTree(stored: SealedTree): MaskedTree {
  const walk = (node: Json, secret: boolean): Json => {
    if (secret) return node === null ? null : MASK;
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
    if (secret && SecretCipher.isSealed(node))
      return JSON.parse(cipher.open(node, context)) as Json;
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
