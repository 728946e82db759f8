/**
 * The seed's Cohere schemas (shared/seeds/002: Connector, ConnectorOAuth, ConnectorAuthStatus,
 * ListConnectorsResponse) as checks that list every problem found, so a failing test says which
 * field is wrong. Stricter than the seed in one way: no key outside the schema may appear (a
 * `service_auth` block, say, would be a leak).
 */

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

type Kind = 'string' | 'date-time' | 'string[]' | 'boolean' | 'oauth' | 'auth_status' | 'auth_type';

const CONNECTOR: Record<string, { kind: Kind; required?: true }> = {
  id: { kind: 'string', required: true },
  organization_id: { kind: 'string' },
  name: { kind: 'string', required: true },
  description: { kind: 'string' },
  url: { kind: 'string' },
  created_at: { kind: 'date-time', required: true },
  updated_at: { kind: 'date-time', required: true },
  excludes: { kind: 'string[]' },
  auth_type: { kind: 'auth_type' },
  oauth: { kind: 'oauth' },
  auth_status: { kind: 'auth_status' },
  active: { kind: 'boolean' },
  continue_on_failure: { kind: 'boolean' },
};

const OAUTH: Record<string, { required?: true }> = {
  client_id: {},
  client_secret: {},
  authorize_url: { required: true },
  token_url: { required: true },
  scope: {},
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function checkValue(path: string, kind: Kind, value: unknown, out: string[]): void {
  switch (kind) {
    case 'string':
      if (typeof value !== 'string')
        out.push(`${path}: expected a string, got ${JSON.stringify(value)}`);
      return;
    case 'date-time':
      if (typeof value !== 'string' || !RFC3339.test(value) || Number.isNaN(Date.parse(value))) {
        out.push(`${path}: expected an RFC 3339 date-time, got ${JSON.stringify(value)}`);
      }
      return;
    case 'string[]':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
        out.push(`${path}: expected an array of strings, got ${JSON.stringify(value)}`);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean')
        out.push(`${path}: expected a boolean, got ${JSON.stringify(value)}`);
      return;
    case 'auth_status':
      if (value !== 'valid' && value !== 'expired') {
        out.push(`${path}: expected valid | expired, got ${JSON.stringify(value)}`);
      }
      return;
    case 'auth_type':
      if (value !== 'oauth' && value !== 'service_auth') {
        out.push(`${path}: expected oauth | service_auth, got ${JSON.stringify(value)}`);
      }
      return;
    case 'oauth':
      checkOAuth(path, value, out);
      return;
  }
}

function checkOAuth(path: string, value: unknown, out: string[]): void {
  if (!isObject(value)) {
    out.push(`${path}: expected a ConnectorOAuth object, got ${JSON.stringify(value)}`);
    return;
  }
  for (const [key, spec] of Object.entries(OAUTH)) {
    if (value[key] === undefined) {
      if (spec.required) out.push(`${path}.${key}: is required`);
    } else if (typeof value[key] !== 'string') {
      out.push(`${path}.${key}: expected a string, got ${JSON.stringify(value[key])}`);
    }
  }
  for (const key of Object.keys(value))
    if (!(key in OAUTH)) out.push(`${path}.${key}: not in the schema`);
  if (value.client_secret !== undefined && value.client_secret !== '******') {
    out.push(`${path}.client_secret: must be the mask, got ${JSON.stringify(value.client_secret)}`);
  }
}

/** Problems of one `Connector`; [] when it matches the seed's schema. */
export function cohereConnectorProblems(value: unknown, path = 'connector'): string[] {
  const out: string[] = [];
  if (!isObject(value)) return [`${path}: expected an object, got ${JSON.stringify(value)}`];
  for (const [key, spec] of Object.entries(CONNECTOR)) {
    if (value[key] === undefined) {
      if (spec.required) out.push(`${path}.${key}: is required`);
    } else checkValue(`${path}.${key}`, spec.kind, value[key], out);
  }
  for (const key of Object.keys(value))
    if (!(key in CONNECTOR)) out.push(`${path}.${key}: not in the schema`);
  // auth_type says which block is configured; only oauth has one in the schema.
  if ((value.auth_type === 'oauth') !== (value.oauth !== undefined)) {
    out.push(
      `${path}: auth_type ${JSON.stringify(value.auth_type)} does not match the oauth block`,
    );
  }
  return out;
}

/** Problems of a `ListConnectorsResponse`. */
export function cohereListProblems(value: unknown): string[] {
  if (!isObject(value)) return [`body: expected an object, got ${JSON.stringify(value)}`];
  const out: string[] = [];
  if (!Array.isArray(value.connectors)) out.push('connectors: expected an array');
  else
    value.connectors.forEach((c, i) => out.push(...cohereConnectorProblems(c, `connectors[${i}]`)));
  if (typeof value.total_count !== 'number' || !Number.isInteger(value.total_count)) {
    out.push(`total_count: expected an integer, got ${JSON.stringify(value.total_count)}`);
  }
  for (const key of Object.keys(value)) {
    if (key !== 'connectors' && key !== 'total_count') out.push(`${key}: not in the schema`);
  }
  return out;
}

/** `{connector: Connector}` (create, get, update). */
export function cohereConnectorResponseProblems(value: unknown): string[] {
  if (!isObject(value)) return [`body: expected an object, got ${JSON.stringify(value)}`];
  const extra = Object.keys(value).filter((k) => k !== 'connector');
  return [
    ...cohereConnectorProblems(value.connector),
    ...extra.map((k) => `${k}: not in the schema`),
  ];
}
