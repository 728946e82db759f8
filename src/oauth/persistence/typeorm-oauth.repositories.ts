import type { DataSource, EntityManager } from 'typeorm';
import type { AuditEntry } from '../../audit/audit';
import { writeAuditEntry } from '../../audit/persistence/typeorm-audit-trail';
import type { Sealed } from '../../secrets/cipher';
import {
  type GrantKey,
  type GrantSummary,
  type OAuthFlow,
  OAuthFlowRepository,
  type OAuthGrant,
  OAuthGrantRepository,
} from '../oauth.repositories';

interface FlowRow {
  id: string;
  organization_id: string;
  connector_id: string;
  api_key_id: string;
  after_token_redirect: string | null;
  settings_digest: string;
  code_verifier: string;
  expires_at: Date;
}

interface GrantRow {
  organization_id: string;
  connector_id: string;
  api_key_id: string;
  status: 'valid' | 'expired';
  access_token: string | null;
  refresh_token: string | null;
  token_type: string | null;
  scope: string | null;
  expires_at: Date | null;
}

const GRANT_COLUMNS =
  'organization_id, connector_id, api_key_id, status, access_token, refresh_token, token_type, scope, expires_at';

function toGrant(row: GrantRow): OAuthGrant {
  return {
    organizationId: row.organization_id,
    connectorId: row.connector_id,
    apiKeyId: row.api_key_id,
    status: row.status,
    accessToken: row.access_token as Sealed | null,
    refreshToken: row.refresh_token as Sealed | null,
    tokenType: row.token_type,
    scope: row.scope,
    expiresAt: row.expires_at,
  };
}

/** `oauth_flows`, in plain SQL: the consume is one `DELETE ... RETURNING`. */
export class TypeOrmOAuthFlowRepository extends OAuthFlowRepository {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async save(flow: OAuthFlow, now: Date): Promise<void> {
    await this.dataSource.query('DELETE FROM oauth_flows WHERE expires_at < $1', [now]);
    await this.dataSource.query(
      `INSERT INTO oauth_flows (id, organization_id, connector_id, api_key_id, after_token_redirect,
         settings_digest, code_verifier, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        flow.id,
        flow.organizationId,
        flow.connectorId,
        flow.apiKeyId,
        flow.afterTokenRedirect,
        flow.settingsDigest,
        flow.codeVerifier,
        flow.expiresAt,
      ],
    );
  }

  async consume(id: string): Promise<OAuthFlow | null> {
    // For a DELETE, `query` answers [rows, rowCount].
    const [rows] = await this.dataSource.query<[FlowRow[], number]>(
      `DELETE FROM oauth_flows WHERE id = $1
       RETURNING id, organization_id, connector_id, api_key_id, after_token_redirect,
         settings_digest, code_verifier, expires_at`,
      [id],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      organizationId: row.organization_id,
      connectorId: row.connector_id,
      apiKeyId: row.api_key_id,
      afterTokenRedirect: row.after_token_redirect,
      settingsDigest: row.settings_digest,
      codeVerifier: row.code_verifier as Sealed,
      expiresAt: row.expires_at,
    };
  }
}

/** `oauth_grants`; `withLock` is `SELECT ... FOR UPDATE` in a transaction. */
export class TypeOrmOAuthGrantRepository extends OAuthGrantRepository {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async find(key: GrantKey): Promise<OAuthGrant | null> {
    return this.select(this.dataSource.manager, key, false);
  }

  async save(grant: OAuthGrant, audit?: AuditEntry): Promise<void> {
    if (!audit) return this.upsert(this.dataSource.manager, grant);
    await this.dataSource.transaction(async (manager) => {
      await this.upsert(manager, grant);
      await writeAuditEntry(manager, audit);
    });
  }

  delete(key: GrantKey, audit?: (deleted: OAuthGrant) => AuditEntry | undefined): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      // For a DELETE, `query` answers [rows, rowCount].
      const [rows] = await manager.query<[GrantRow[], number]>(
        `DELETE FROM oauth_grants
         WHERE organization_id = $1 AND connector_id = $2 AND api_key_id = $3
         RETURNING ${GRANT_COLUMNS}`,
        [key.organizationId, key.connectorId, key.apiKeyId],
      );
      const row = rows[0];
      if (!row) return false;
      const entry = audit?.(toGrant(row));
      if (entry) await writeAuditEntry(manager, entry);
      return true;
    });
  }

  async summaries(
    organizationId: string,
    apiKeyId: string,
    connectorIds: string[],
  ): Promise<GrantSummary[]> {
    const rows = await this.dataSource.query<
      Array<{
        connector_id: string;
        status: 'valid' | 'expired';
        has_access: boolean;
        has_refresh: boolean;
        expires_at: Date | null;
      }>
    >(
      `SELECT connector_id, status, access_token IS NOT NULL AS has_access,
         refresh_token IS NOT NULL AS has_refresh, expires_at
       FROM oauth_grants
       WHERE organization_id = $1 AND api_key_id = $2 AND connector_id = ANY($3::text[])`,
      [organizationId, apiKeyId, connectorIds],
    );
    return rows.map((r) => ({
      connectorId: r.connector_id,
      status: r.status,
      hasAccessToken: r.has_access,
      hasRefreshToken: r.has_refresh,
      expiresAt: r.expires_at,
    }));
  }

  withLock<T>(
    key: GrantKey,
    fn: (grant: OAuthGrant | null, write: (grant: OAuthGrant) => Promise<void>) => Promise<T>,
  ): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      const grant = await this.select(manager, key, true);
      return fn(grant, (next) => this.upsert(manager, next));
    });
  }

  private async select(
    manager: EntityManager,
    key: GrantKey,
    lock: boolean,
  ): Promise<OAuthGrant | null> {
    const rows = await manager.query<GrantRow[]>(
      `SELECT ${GRANT_COLUMNS} FROM oauth_grants
       WHERE organization_id = $1 AND connector_id = $2 AND api_key_id = $3${lock ? ' FOR UPDATE' : ''}`,
      [key.organizationId, key.connectorId, key.apiKeyId],
    );
    return rows[0] ? toGrant(rows[0]) : null;
  }

  private async upsert(manager: EntityManager, g: OAuthGrant): Promise<void> {
    await manager.query(
      `INSERT INTO oauth_grants (${GRANT_COLUMNS}, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now(), now())
       ON CONFLICT (organization_id, connector_id, api_key_id) DO UPDATE SET
         status = EXCLUDED.status, access_token = EXCLUDED.access_token,
         refresh_token = EXCLUDED.refresh_token, token_type = EXCLUDED.token_type,
         scope = EXCLUDED.scope, expires_at = EXCLUDED.expires_at, updated_at = now()`,
      [
        g.organizationId,
        g.connectorId,
        g.apiKeyId,
        g.status,
        g.accessToken,
        g.refreshToken,
        g.tokenType,
        g.scope,
        g.expiresAt,
      ],
    );
  }
}
