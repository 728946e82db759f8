/**
 * Which keys of free-form configuration hold secrets. A key is secret when, compared without case
 * and without `_`/`-` separators, it is one of these words or ends with one of them
 * (`github_token`, `dbPassword`, `X-Api-Key`).
 */
const SECRET_WORDS = [
  'password',
  'passwd',
  'token',
  'secret',
  'accesstoken',
  'refreshtoken',
  'clientsecret',
  'apikey',
  'privatekey',
  'credentials',
  'credential',
];

function normalise(key: string): string {
  return key.toLowerCase().replace(/[_\-\s.]/g, '');
}

const cache = new Map<string, boolean>();

export function isSecretKey(key: string): boolean {
  let hit = cache.get(key);
  if (hit === undefined) {
    const n = normalise(key);
    hit = SECRET_WORDS.some((word) => n === word || n.endsWith(word));
    if (cache.size < 10_000) cache.set(key, hit);
  }
  return hit;
}
