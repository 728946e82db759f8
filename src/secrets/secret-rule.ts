/**
 * The secret rule: which values of free-form configuration (Coco `config`, generic `data`) are
 * secrets, sealed when stored and masked when shown. It is the one place that decides it; the list
 * is documented in docs/architecture.md ("Secrets") and every entry is tested both ways in
 * secret-rule.spec.ts. A value is a secret when
 *
 * 1. its **key** names a secret (`isSecretKey`), or
 * 2. its **value** has the form of a well-known credential, whatever the key (`isSecretValue`), or
 * 3. the connector's **type** marks the field (`writeOnly` / `format: password` in the type's
 *    JSON Schema, see src/connectors/domain/connector-types.ts), or
 * 4. it is a URL with a password in its userinfo: then only the password is sealed, and the URL is
 *    shown as `https://user:******@host/...` (`splitUrlPassword`).
 *
 * The rule errs on the side of masking: a value wrongly taken for a secret is only shown as
 * `******`; a secret wrongly taken for a plain value would be stored and shown in clear.
 */

// ---------------------------------------------------------------------------------------------
// 1. By name
// ---------------------------------------------------------------------------------------------

/**
 * Keys are compared in lower case without separators (`GitHub-Token`, `github_token` and
 * `githubToken` are one key). A key containing one of these anywhere is secret (`secret_key`,
 * `aws_secret_access_key`, `passwords`, `db_password_2`, `service_account_json`).
 */
const SECRET_PARTS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'privatekey',
  'private',
  'credential',
  'accesskey',
  'signingkey',
  'sessionkey',
  'encryptionkey',
  'authorization',
  'cookie',
  'clientkey',
  'jwt',
  'serviceaccount',
];

/** Parts that hold the secret even where the key ends in `url`/`uri`/`endpoint` (`webhook_url`). */
const URL_SECRET_PARTS = ['webhook'];

/** Whole keys that are secrets but contain none of the parts. */
const SECRET_NAMES = ['key', 'pwd', 'pass', 'auth', 'pin', 'otp', 'dsn', 'sas', 'connectionstring'];

/**
 * Keys ending in `key`/`keys` are secret (`ssh_key`, `apikey`, `master_key`, `hmac_key`,
 * `license_key`), except these, which name a kind of key that is not a credential (database and
 * storage keys, public keys) or an ordinary word that merely ends in "key".
 */
const NON_SECRET_KEYS = [
  'primarykey',
  'foreignkey',
  'sortkey',
  'partitionkey',
  'routingkey',
  'idempotencykey',
  'cachekey',
  'objectkey',
  'lookupkey',
  'groupkey',
  'publickey',
  'hotkey',
  'shortcutkey',
  'monkey',
  'turkey',
  'hockey',
  'jockey',
  'donkey',
  'whiskey',
];

/**
 * Words (split at separators and camelCase) naming certificates and key files, which hold key
 * material (`client_cert`, `tls_certificate`, `privateKeyPem`, `keystore`).
 */
const KEY_MATERIAL_WORDS = ['cert', 'certs', 'certificate', 'certificates', 'pem', 'keystore'];

/** Endings that describe a secret (where, what kind, how long) instead of holding it. */
const DESCRIPTIVE_ENDINGS = [
  'url',
  'uri',
  'endpoint',
  'type',
  'kind',
  'name',
  'names',
  'expiry',
  'expires',
  'expiresat',
  'expiresin',
  'ttl',
  'count',
  'length',
  'limit',
  'policy',
  'field',
  'path',
  'file',
  'filename',
  'enabled',
  'email',
  'algorithm',
  'issuer',
  'audience',
];

/** Endings that describe a webhook or a certificate without holding it (`webhook_name`). */
const URL_ENDINGS = ['url', 'uri', 'endpoint'];

/**
 * First words that make a key a flag about a secret, not the secret (`is_private`,
 * `include_private`, `has_token`).
 */
const FLAG_PREFIXES = ['is', 'has', 'include', 'includes', 'allow', 'enable', 'use', 'show'];

function normalise(key: string): string {
  return key.toLowerCase().replace(/[_\-\s.]/g, '');
}

function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[_\-\s.]+/)
    .filter((w) => w.length > 0);
}

function decideKey(key: string): boolean {
  const n = normalise(key);
  const parts = words(key);
  if (SECRET_NAMES.includes(n)) return true;
  if (NON_SECRET_KEYS.includes(n)) return false;
  if (parts.length > 1 && FLAG_PREFIXES.includes(parts[0])) return false;
  // A header: secret when it carries authorization (`auth_header`), else it names a header.
  if (/headers?$/.test(n)) return n.includes('auth');
  // (`service_account` ends in "count" but counts nothing.)
  const descriptive =
    DESCRIPTIVE_ENDINGS.some((ending) => n.endsWith(ending)) && !n.endsWith('account');
  if (URL_SECRET_PARTS.some((part) => n.includes(part))) {
    return !descriptive || URL_ENDINGS.some((ending) => n.endsWith(ending));
  }
  if (descriptive) return false;
  if (SECRET_PARTS.some((part) => n.includes(part))) return true;
  if (/keys?$/.test(n)) return true;
  return parts.some((w) => KEY_MATERIAL_WORDS.includes(w));
}

const cache = new Map<string, boolean>();

/** Whether a key of free-form configuration names a secret (rule 1). */
export function isSecretKey(key: string): boolean {
  let hit = cache.get(key);
  if (hit === undefined) {
    hit = decideKey(key);
    if (cache.size < 10_000) cache.set(key, hit);
  }
  return hit;
}

// ---------------------------------------------------------------------------------------------
// 2. By value
// ---------------------------------------------------------------------------------------------

/** Well-known credential formats, recognised whatever the key they are stored under. */
export const SECRET_VALUE_FORMATS: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  { name: 'GitHub token', pattern: /^gh[pousr]_[A-Za-z0-9]{20,}$/ },
  { name: 'GitHub fine-grained token', pattern: /^github_pat_[A-Za-z0-9_]{20,}$/ },
  { name: 'GitLab token', pattern: /^glpat-[A-Za-z0-9_-]{20,}$/ },
  { name: 'Slack token', pattern: /^xox[abpre]-[A-Za-z0-9-]{10,}$/ },
  { name: 'AWS access key id', pattern: /^(AKIA|ASIA)[A-Z0-9]{16}$/ },
  { name: 'Stripe secret key', pattern: /^(sk|rk)_(live|test)_[A-Za-z0-9]{10,}$/ },
  { name: 'Google API key', pattern: /^AIza[A-Za-z0-9_-]{35}$/ },
  {
    name: 'PEM private key',
    pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/,
  },
  { name: 'JWT', pattern: /^eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*$/ },
  {
    name: 'Slack webhook URL',
    pattern: /^https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[^\s]+$/i,
  },
  {
    name: 'Discord webhook URL',
    pattern: /^https:\/\/(?:(?:canary|ptb)\.)?discord(?:app)?\.com\/api\/webhooks\/\d+\/[^\s]+$/i,
  },
  {
    // A scheme and a token-like credential (16+ token characters, not a lowercase word).
    name: 'Authorization header value',
    pattern: /^(?:Bearer|Basic|Token) (?=[^\s]*[A-Z0-9])[A-Za-z0-9._~+/=-]{16,}$/,
  },
];

/** The longest value the formats are tried on (a PEM key with its chain fits). */
const MAX_CHECKED_LENGTH = 64 * 1024;

/** Whether a value has the form of a well-known credential, whatever its key (rule 2). */
export function isSecretValue(value: unknown): boolean {
  if (typeof value !== 'string' || value.length < 16 || value.length > MAX_CHECKED_LENGTH) {
    return false;
  }
  return SECRET_VALUE_FORMATS.some((format) => format.pattern.test(value));
}

// ---------------------------------------------------------------------------------------------
// 4. A password in a URL's userinfo
// ---------------------------------------------------------------------------------------------

/**
 * `scheme://user:password@rest`: the password runs to the last `@` before the path (a password
 * may hold an unencoded `@`). Anchored, with no nested quantifier: linear time.
 */
const USERINFO = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#:@]*:)([^/?#]*)(@[^/?#@]*(?:[/?#].*)?)$/s;

/** A URL cut around the password of its userinfo: `before + password + after` is the URL. */
export interface UrlPassword {
  /** `scheme://user:` */
  before: string;
  /** As written in the URL (percent-encoded where it was). */
  password: string;
  /** `@host...` */
  after: string;
}

/** The password part of a URL with userinfo, or null (no URL, or no password in it). */
export function splitUrlPassword(value: unknown): UrlPassword | null {
  if (typeof value !== 'string' || value.length > MAX_CHECKED_LENGTH) return null;
  const match = USERINFO.exec(value);
  if (!match || !match[2]) return null;
  return { before: match[1], password: match[2], after: match[3] };
}

/**
 * Who a URL's password is for: scheme, user and host (with port). A masked URL sent back keeps
 * the stored password only when it names the same user at the same host: a password never moves
 * to another host by way of a mask.
 */
export function urlPasswordOwner(parts: UrlPassword): string {
  const host = /^@([^/?#]*)/.exec(parts.after)?.[1] ?? '';
  return `${parts.before.toLowerCase()}@${host.toLowerCase()}`;
}
