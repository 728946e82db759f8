/** What every dialect shows in place of a secret (the Coco seed document's mask). */
export const MASK = '******';
export type Mask = typeof MASK;

/**
 * A value a client sends back in place of a secret it was shown masked. `***` (Coco's search),
 * `******` (the seed, Fivetran) and `**********` (Airbyte) and any other run of three or more
 * asterisks mean "keep the stored secret".
 */
export function isMask(value: unknown): boolean {
  return typeof value === 'string' && /^\*{3,}$/.test(value);
}
