import type { Json } from '../secrets/json';

/** What happened to a connector. The OAuth and key-rotation features record their own actions. */
export type AuditAction =
  'create' | 'update' | 'delete' | 'oauth_grant' | 'oauth_disconnect' | 'reseal';

export const AUDIT_ACTIONS: readonly AuditAction[] = [
  'create',
  'update',
  'delete',
  'oauth_grant',
  'oauth_disconnect',
  'reseal',
];

/**
 * One changed field, named by its JSON path in the canonical connector (`$.name`,
 * `$.config.api.region`, `$.oauth.clientSecret`). A plain field carries its old and new values
 * (left out: it did not exist). A secret carries only that it changed, with the fingerprint of
 * its new clear value, or that it was removed.
 */
export type AuditChange =
  | { path: string; old?: Json; new?: Json }
  | { path: string; secret: 'changed'; fingerprint: string }
  | { path: string; secret: 'removed' };

/** Who changed what, when, and through which door. Written in the transaction of the change. */
export interface AuditEntry {
  occurredAt: Date;
  organizationId: string;
  /** The API key acting; `system` for what the gateway does by itself. */
  apiKeyId: string | null;
  /** The dialect (`cohere`, `coco`, `generic`), or null outside HTTP (CLI, background work). */
  dialect: string | null;
  method: string | null;
  /** The route pattern, e.g. `/generic/v1/connectors/:id`. */
  route: string | null;
  requestId: string | null;
  action: AuditAction;
  connectorId: string;
  /** The connector's version after the change (null after a delete). */
  version: number | null;
  changes: AuditChange[];
}

/** A stored entry: `id` orders entries of the same instant. */
export interface AuditRecord extends AuditEntry {
  id: string;
}

/** A position in an organization's trail: entries strictly after it follow. */
export interface AuditCursor {
  occurredAt: Date;
  id: string;
}

/** The audit trail's reads (writes happen inside the writers' transactions). */
export abstract class AuditTrail {
  /** The connector's entries, newest first; `total` counts them all (0: none ever). */
  abstract history(
    organizationId: string,
    connectorId: string,
    page: { limit: number; offset: number },
  ): Promise<{ items: AuditRecord[]; total: number }>;

  /**
   * The organization's entries (or one connector's) from `since` (inclusive) or after `after`,
   * oldest first.
   */
  abstract export(
    organizationId: string,
    from: { since: Date } | { after: AuditCursor },
    limit: number,
    connectorId?: string,
  ): Promise<AuditRecord[]>;

  /** Deletes entries older than `before`, in batches; returns how many. */
  abstract purgeBefore(before: Date, batchSize?: number): Promise<number>;
}

/** The cursor text clients carry between export pages: opaque, URL-safe. */
export function encodeCursor(c: AuditCursor): string {
  return Buffer.from(`${c.occurredAt.toISOString()}|${c.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(text: string): AuditCursor | null {
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\|(\d{1,19})$/.exec(decoded);
  if (!match?.[1] || !match[2]) return null;
  const occurredAt = new Date(match[1]);
  return Number.isNaN(occurredAt.getTime()) ? null : { occurredAt, id: match[2] };
}
