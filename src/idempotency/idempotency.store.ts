import type { DataSource } from 'typeorm';

/** How long a key answers with its first response (the draft's and Stripe's 24 hours). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
/**
 * How long a request may hold its key before another may take it over: longer than any request
 * can run (statement and lock timeouts are seconds), so only a crashed process's key is taken.
 */
export const IN_FLIGHT_LEASE_SECONDS = 120;

export interface StoredResponse {
  status: number;
  body: unknown;
}

/** What a request with a key finds. */
export type Begin =
  | { kind: 'started' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'mismatch' }
  | { kind: 'in_flight' };

interface Row {
  fingerprint: string;
  state: 'in_flight' | 'done';
  response_status: number | null;
  response_body: unknown;
}

/**
 * Idempotency keys in PostgreSQL, scoped per API key, so every replica sees the same record. A key
 * is claimed atomically (INSERT … ON CONFLICT), answered once its request has succeeded, released
 * when it failed (a retry runs again), and forgotten after 24 hours.
 */
export class IdempotencyStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly ttlSeconds = IDEMPOTENCY_TTL_SECONDS,
    private readonly leaseSeconds = IN_FLIGHT_LEASE_SECONDS,
  ) {}

  async begin(apiKeyId: string, key: string, fingerprint: string): Promise<Begin> {
    // Twice at most: a record purged between the claim and the read is claimed again.
    for (let attempt = 0; attempt < 2; attempt++) {
      const claimed: unknown[] = await this.dataSource.query(
        `INSERT INTO idempotency_keys AS k
           (api_key_id, key, fingerprint, state, locked_until, expires_at)
         VALUES ($1, $2, $3, 'in_flight', now() + make_interval(secs => $4), now() + make_interval(secs => $5))
         ON CONFLICT (api_key_id, key) DO UPDATE
           SET fingerprint = EXCLUDED.fingerprint, state = 'in_flight',
               locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at,
               response_status = NULL, response_body = NULL, created_at = now()
           WHERE k.expires_at <= now() OR (k.state = 'in_flight' AND k.locked_until <= now())
         RETURNING 1`,
        [apiKeyId, key, fingerprint, this.leaseSeconds, this.ttlSeconds],
      );
      if (claimed.length) return { kind: 'started' };
      const rows: Row[] = await this.dataSource.query(
        `SELECT fingerprint, state, response_status, response_body FROM idempotency_keys
          WHERE api_key_id = $1 AND key = $2`,
        [apiKeyId, key],
      );
      const row = rows[0];
      if (!row) continue;
      if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
      if (row.state === 'in_flight' || row.response_status === null) return { kind: 'in_flight' };
      return { kind: 'replay', response: { status: row.response_status, body: row.response_body } };
    }
    return { kind: 'in_flight' };
  }

  /** The request succeeded: from now on the key answers with this response. */
  async complete(
    apiKeyId: string,
    key: string,
    fingerprint: string,
    response: StoredResponse,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_keys SET state = 'done', response_status = $4, response_body = $5::jsonb
        WHERE api_key_id = $1 AND key = $2 AND fingerprint = $3 AND state = 'in_flight'`,
      [apiKeyId, key, fingerprint, response.status, JSON.stringify(response.body ?? null)],
    );
  }

  /** The request failed: nothing was made, so the key is free for a retry. */
  async release(apiKeyId: string, key: string, fingerprint: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_keys
        WHERE api_key_id = $1 AND key = $2 AND fingerprint = $3 AND state = 'in_flight'`,
      [apiKeyId, key, fingerprint],
    );
  }

  /** Forgets expired keys, in batches so that a large backlog never holds long locks. */
  async purgeExpired(batch = 5000): Promise<number> {
    let total = 0;
    for (;;) {
      // For a DELETE, TypeORM answers `[rows, rowCount]`.
      const [, count] = await this.dataSource.query<[unknown, number]>(
        `DELETE FROM idempotency_keys WHERE ctid IN (
           SELECT ctid FROM idempotency_keys WHERE expires_at <= now() LIMIT $1)`,
        [batch],
      );
      total += count;
      if (count < batch) return total;
    }
  }
}
