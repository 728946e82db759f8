import type { JsonObject } from '../../secrets/json';
import { BUILTIN_CONNECTORS } from './builtin-catalog';

/** A JSON Schema (draft 2020-12 subset) of a connector type's `data` / `config`. */
export interface DataSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  format?: string;
  /** The field holds a credential: stored sealed, never shown (secret rule, rule 3). */
  writeOnly?: boolean;
  properties?: Record<string, DataSchema>;
  items?: DataSchema;
  required?: string[];
  additionalProperties?: boolean | DataSchema;
  enum?: string[];
  default?: string | number | boolean;
}

/** What B3OS publishes per connector type (`GET /v1/connector-types`). */
export interface ConnectorType {
  /** The slug a connector's `type` holds (`slack`, `google-drive`). */
  type: string;
  name: string;
  description: string;
  category: string;
  tags: string[];
  /** Who brokers the credentials (e.g. `pipedream`); empty when the gateway holds them. */
  provider: string;
  /** JSON Schema of the connector's data; credential fields are `writeOnly` + `format: password`. */
  dataSchema: DataSchema;
}

/** A credential field: sealed when stored, masked when shown, whatever its name. */
function credential(description: string): DataSchema {
  return { type: 'string', format: 'password', writeOnly: true, description };
}

function object(properties: Record<string, DataSchema>, required: string[] = []): DataSchema {
  return { type: 'object', properties, required, additionalProperties: true };
}

const text = (description: string, format?: string): DataSchema =>
  format ? { type: 'string', format, description } : { type: 'string', description };
const list = (description: string): DataSchema => ({
  type: 'array',
  items: { type: 'string' },
  description,
});

/** The schema of each type's data, by slug. */
const SCHEMAS: Record<string, DataSchema> = {
  github: object({
    token: credential('Personal access token (classic or fine-grained)'),
    owner: text('User or organization'),
    repos: list('Repositories to index (owner/name)'),
    index_issues: { type: 'boolean', default: true },
    index_pull_requests: { type: 'boolean', default: true },
  }),
  gitlab: object({
    base_url: text('GitLab instance', 'uri'),
    token: credential('Personal or project access token'),
    projects: list('Projects to index (group/name)'),
  }),
  'google-drive': object({
    client_id: text('OAuth client id'),
    client_secret: credential('OAuth client secret'),
    refresh_token: credential('OAuth refresh token'),
    folder_ids: list('Folders to index (all when empty)'),
  }),
  notion: object({ token: credential('Integration token') }),
  confluence: object({
    endpoint: text('Confluence site', 'uri'),
    username: text('Account e-mail'),
    token: credential('API token'),
    spaces: list('Space keys to index'),
  }),
  jira: object({
    endpoint: text('Jira site', 'uri'),
    username: text('Account e-mail'),
    token: credential('API token'),
    projects: list('Project keys to index'),
  }),
  s3: object({
    endpoint: text('S3 endpoint (for S3-compatible stores)', 'uri'),
    bucket: text('Bucket'),
    region: text('Region'),
    access_key_id: credential('Access key id'),
    secret_access_key: credential('Secret access key'),
    prefix: text('Key prefix to index'),
  }),
  rss: object({ urls: list('Feed URLs') }),
  'local-fs': object({ paths: list('Folders to index'), extensions: list('File extensions') }),
  yuque: object({ token: credential('Personal token'), namespaces: list('Knowledge bases') }),
  slack: object({
    bot_token: credential('Bot user OAuth token (xoxb-)'),
    signing_secret: credential('Signing secret of the Slack app'),
    channel: text('Default channel'),
  }),
  'telegram-bot': object({
    bot_token: credential('Token from @BotFather'),
    chat_id: text('Chat to post to'),
  }),
  discord: object({
    webhook_url: credential('Channel webhook URL'),
    bot_token: credential('Bot token'),
  }),
  postgres: object({
    host: text('Host'),
    port: { type: 'integer', default: 5432 },
    database: text('Database'),
    user: text('User'),
    password: credential('Password'),
    ssl_mode: { type: 'string', enum: ['disable', 'require', 'verify-full'] },
  }),
  webhook: object(
    {
      target: text('Where events are posted', 'uri'),
      signing: credential('Shared value the HMAC signature of each event is made with'),
      events: list('Events to post'),
    },
    ['target'],
  ),
  custom: { type: 'object', additionalProperties: true, description: 'Free-form data' },
};

/** Types the gateway knows beside the built-in catalog. */
const EXTRA_TYPES: Array<Omit<ConnectorType, 'dataSchema' | 'provider'>> = [
  {
    type: 'slack',
    name: 'Slack',
    description: 'Post to and read from Slack channels.',
    category: 'communication',
    tags: ['slack', 'chat'],
  },
  {
    type: 'telegram-bot',
    name: 'Telegram Bot',
    description: 'Send and receive messages as a Telegram bot.',
    category: 'communication',
    tags: ['telegram', 'chat', 'bot'],
  },
  {
    type: 'discord',
    name: 'Discord',
    description: 'Post to Discord channels through a webhook or a bot.',
    category: 'communication',
    tags: ['discord', 'chat'],
  },
  {
    type: 'postgres',
    name: 'PostgreSQL',
    description: 'Read tables of a PostgreSQL database.',
    category: 'database',
    tags: ['postgres', 'sql', 'database'],
  },
  {
    type: 'webhook',
    name: 'Outgoing webhook',
    description: 'Post events to an HTTP endpoint, signed with a shared value.',
    category: 'developer_tools',
    tags: ['webhook', 'http'],
  },
  {
    type: 'custom',
    name: 'Custom',
    description: 'Any other source; its data is free-form (secrets found by name and by value).',
    category: 'other',
    tags: ['custom'],
  },
];

/** The slug of a built-in catalog entry's type (`google_drive` → `google-drive`). */
export function builtinTypeOf(entry: { id: string; type?: string | null }): string {
  return entry.type ?? entry.id.replace(/_/g, '-');
}

/** Every connector type: the built-in catalog's, then the others the gateway knows. */
export const CONNECTOR_TYPES: readonly ConnectorType[] = [
  ...BUILTIN_CONNECTORS.map((entry) => {
    const type = builtinTypeOf(entry);
    return {
      type,
      name: entry.name,
      description: entry.description ?? '',
      category: entry.category ?? 'other',
      tags: entry.tags ?? [],
      provider: '',
      dataSchema: SCHEMAS[type] ?? SCHEMAS.custom,
    };
  }),
  ...EXTRA_TYPES.map((t) => ({ ...t, provider: '', dataSchema: SCHEMAS[t.type] })),
];

const BY_TYPE = new Map(CONNECTOR_TYPES.map((t) => [t.type, t]));

export function findConnectorType(type: string): ConnectorType | undefined {
  return BY_TYPE.get(type);
}

/**
 * The fields a schema marks as credentials (`writeOnly` or `format: password`), as paths: `a.b`,
 * `a[]` for the entries of an array, `a[].b`.
 */
export function markedPaths(schema: DataSchema): Set<string> {
  const out = new Set<string>();
  const walk = (node: DataSchema, path: string) => {
    if (path && (node.writeOnly === true || node.format === 'password')) out.add(path);
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      walk(child, path ? `${path}.${key}` : key);
    }
    if (node.items) walk(node.items, `${path}[]`);
  };
  walk(schema, '');
  return out;
}

const MARKED = new Map(CONNECTOR_TYPES.map((t) => [t.type, markedPaths(t.dataSchema)]));
const NONE: ReadonlySet<string> = new Set();

/** The credential fields of a connector of this type (none for a type the gateway does not know). */
export function credentialFieldsOf(type: string | null | undefined): ReadonlySet<string> {
  return (type && MARKED.get(type)) || NONE;
}

/** A type as a JSON object (for the dialects' responses). */
export function connectorTypeJson(t: ConnectorType): JsonObject {
  return JSON.parse(JSON.stringify(t)) as JsonObject;
}
