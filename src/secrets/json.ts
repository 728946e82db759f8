export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Depth of a JSON value (a scalar is 0). Iterative, so hostile input cannot blow the stack. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    const next = depth + 1;
    if (next > max) max = next;
    for (const child of Object.values(node)) stack.push([child, next]);
  }
  return max;
}

/**
 * Merges `over` into `base` key by key: objects merge recursively, arrays and scalars replace.
 * Keys for which `atomic` answers true are replaced whole even when both sides are objects.
 */
export function deepMerge(
  base: JsonObject,
  over: JsonObject,
  atomic: (key: string) => boolean = () => false,
): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const old = out[key];
    out[key] =
      !atomic(key) && isJsonObject(old) && isJsonObject(value)
        ? deepMerge(old, value, atomic)
        : value;
  }
  return out;
}
