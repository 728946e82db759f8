/**
 * Which keys of free-form configuration hold secrets. Keys are compared in lower case without
 * separators (`GitHub-Token`, `github_token` and `githubToken` are one key). A key is secret when
 * it contains one of SECRET_PARTS anywhere (`secret_key`, `aws_secret_access_key`, `passwords`,
 * `db_password_2`), or is one of SECRET_NAMES, unless it ends with a word that names something
 * about a secret rather than the secret itself (`token_url`, `secret_name`, `password_policy`).
 *
 * The rule errs on the side of masking: a value wrongly taken for a secret is only shown as
 * `******`; a secret wrongly taken for a plain value would be stored and shown in clear.
 */
const SECRET_PARTS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'privatekey',
  'credential',
  'accesskey',
  'signingkey',
  'sessionkey',
  'encryptionkey',
  'authorization',
  'cookie',
  'clientkey',
];

/** Whole keys that are secrets but contain none of the parts. */
const SECRET_NAMES = ['pwd', 'pass', 'auth', 'pin', 'otp', 'dsn', 'sas', 'connectionstring'];

/** Endings that describe a secret (where, what kind, how long) instead of holding it. */
const DESCRIPTIVE_ENDINGS = [
  'url',
  'uri',
  'endpoint',
  'type',
  'kind',
  'name',
  'expiry',
  'expires',
  'expiresat',
  'expiresin',
  'ttl',
  'count',
  'length',
  'limit',
  'policy',
  'header',
  'field',
  'path',
  'enabled',
];

function normalise(key: string): string {
  return key.toLowerCase().replace(/[_\-\s.]/g, '');
}

const cache = new Map<string, boolean>();

function decide(key: string): boolean {
  const n = normalise(key);
  if (SECRET_NAMES.includes(n)) return true;
  if (!SECRET_PARTS.some((part) => n.includes(part))) return false;
  return !DESCRIPTIVE_ENDINGS.some((ending) => n.endsWith(ending));
}

export function isSecretKey(key: string): boolean {
  let hit = cache.get(key);
  if (hit === undefined) {
    hit = decide(key);
    if (cache.size < 10_000) cache.set(key, hit);
  }
  return hit;
}
