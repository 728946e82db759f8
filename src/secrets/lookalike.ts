import { isJsonObject, type Json } from './json';
import { isSecretKey } from './secret-rule';

/** What the store takes for a sealed value (`gw1.<keyId>.<base64url>`). */
const SEALED_FORM = /^gw1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * The path of the first plain value of a sealed configuration (one not under a secret key) that has
 * the form of a sealed value, or null. Such a value would be counted as a secret under a key id the
 * gateway does not hold, and stop the next start: the form is reserved for sealed values.
 */
export function findSealedLookalike(tree: Json, root = 'config'): string | null {
  const walk = (node: Json, path: string, secret: boolean): string | null => {
    if (secret) return null;
    if (typeof node === 'string') return SEALED_FORM.test(node) ? path : null;
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) {
        const found = walk(item, `${path}[${i}]`, false);
        if (found) return found;
      }
      return null;
    }
    if (isJsonObject(node)) {
      for (const [key, value] of Object.entries(node)) {
        const found = walk(value, `${path}.${key}`, isSecretKey(key));
        if (found) return found;
      }
    }
    return null;
  };
  return walk(tree, root, false);
}
