import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Actor } from '../connectors/domain/connector.input';
import { ApiKeyEntity } from './auth.entities';

export interface IssuedKey {
  id: string;
  organizationId: string;
  key: string;
}

const ORG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const CACHE_TTL_MS = 30_000;
const CACHE_MAX = 10_000;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function isValidOrganizationId(id: string): boolean {
  return ORG_PATTERN.test(id);
}

/**
 * Organizations and their API keys. Resolving a key is one indexed lookup by digest, cached for a
 * short while so a busy client does not cost a query per request.
 */
export class ApiKeysService {
  private readonly cache = new Map<string, { actor: Actor | null; until: number }>();

  constructor(
    private readonly dataSource: DataSource,
    /** Called once for every organization that is created (the built-in catalog is seeded here). */
    private readonly onOrganizationCreated: (organizationId: string) => Promise<unknown>,
    /** Milliseconds since the epoch; tests move it to expire the cache without waiting. */
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The cached answer for a key, without waiting: the actor, null for a key known to be invalid,
   * undefined when the database must be asked (`resolve`).
   */
  cached(key: string): Actor | null | undefined {
    const hit = this.cache.get(hashApiKey(key));
    return hit && hit.until > this.now() ? hit.actor : undefined;
  }

  async resolve(key: string): Promise<Actor | null> {
    const digest = hashApiKey(key);
    const hit = this.cache.get(digest);
    if (hit && hit.until > this.now()) return hit.actor;
    const rows: Array<{ id: string; organization_id: string }> = await this.dataSource.query(
      'SELECT id, organization_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL',
      [digest],
    );
    const actor = rows[0]
      ? { organizationId: rows[0].organization_id, apiKeyId: rows[0].id }
      : null;
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(digest, { actor, until: this.now() + CACHE_TTL_MS });
    return actor;
  }

  /** Creates the organization if it is new; returns true when it was created now. */
  async ensureOrganization(organizationId: string): Promise<boolean> {
    if (!isValidOrganizationId(organizationId)) {
      throw new Error(`invalid organization id '${organizationId}'`);
    }
    const created: unknown[] = await this.dataSource.query(
      'INSERT INTO organizations (id) VALUES ($1) ON CONFLICT (id) DO NOTHING RETURNING id',
      [organizationId],
    );
    if (created.length) await this.onOrganizationCreated(organizationId);
    return created.length > 0;
  }

  /** Registers a key the operator chose (GATEWAY_API_KEYS); idempotent. */
  async register(organizationId: string, key: string, label: string): Promise<string> {
    // A key taken by another organization is refused before this one is created.
    const owners: Array<{ organization_id: string }> = await this.dataSource.query(
      'SELECT organization_id FROM api_keys WHERE key_hash = $1',
      [hashApiKey(key)],
    );
    if (owners[0] && owners[0].organization_id !== organizationId) {
      throw new Error('that API key is already registered to another organization');
    }
    await this.ensureOrganization(organizationId);
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `INSERT INTO api_keys (id, organization_id, label, key_hash) VALUES ($1, $2, $3, $4)
       ON CONFLICT (key_hash) DO UPDATE SET key_hash = EXCLUDED.key_hash RETURNING id, organization_id`,
      [newKeyId(), organizationId, label, hashApiKey(key)],
    );
    const row = rows[0] as { id: string; organization_id: string };
    if (row.organization_id !== organizationId) {
      throw new Error(`that API key is already registered to another organization`);
    }
    return row.id;
  }

  /** Makes a new random key; the clear key is returned once and never stored. */
  async issue(organizationId: string, label = 'cli'): Promise<IssuedKey> {
    const key = `gw_${randomBytes(24).toString('base64url')}`;
    const id = await this.register(organizationId, key, label);
    return { id, organizationId, key };
  }

  async organizationIds(): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query('SELECT id FROM organizations');
    return rows.map((r) => r.id);
  }

  /** For tests and the CLI: the key rows of an organization (never the digests). */
  async listKeys(organizationId: string): Promise<ApiKeyEntity[]> {
    return this.dataSource.getRepository(ApiKeyEntity).findBy({ organizationId });
  }
}

function newKeyId(): string {
  return `key_${randomBytes(8).toString('hex')}`;
}
