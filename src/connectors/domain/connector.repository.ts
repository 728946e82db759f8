import type { AuditEntry } from '../../audit/audit';
import type { Connector } from './connector';
import type { Page, PageOf } from './connector.input';
import type { ConnectorSearch, SearchResult } from './connector.search';

export type DeleteOutcome = 'deleted' | 'not_found' | 'builtin';

/** The store's port. The TypeORM adapter implements it; the domain never sees SQL. */
export abstract class ConnectorRepository {
  abstract findById(organizationId: string, id: string): Promise<Connector | null>;

  /**
   * The listed connectors (`isListed`: its own, and the built-ins a key has changed), newest first
   * (creation time, then insertion order), with their exact total.
   */
  abstract list(organizationId: string, page: Page): Promise<PageOf<Connector>>;

  /**
   * The connectors of the organization matching `spec` (already checked by `checkSearch`), the
   * total counted up to `spec.trackTotalHits`, and the requested aggregations.
   */
  abstract search(organizationId: string, spec: ConnectorSearch): Promise<SearchResult<Connector>>;

  /**
   * Throws ConnectorAlreadyExistsError when the id is taken in the organization. `audit` is
   * written in the same transaction.
   */
  abstract insert(connector: Connector, audit?: AuditEntry): Promise<Connector>;

  /** Inserts the connectors whose ids are free; returns how many were inserted. */
  abstract insertMissing(connectors: Connector[]): Promise<number>;

  /**
   * Reads the connector under a row lock, lets `change` compute the next version and writes it, in
   * one transaction: concurrent merges cannot lose each other's fields. Null when it does not exist.
   * The written connector's `version` is one more than the current one, whatever `change` returns;
   * `change` may throw (a failed condition), which writes nothing. `audit` is written in the same
   * transaction.
   * When the change invalidates the connector's OAuth grants (`oauthGrantsInvalidated`), they are
   * deleted in the same transaction.
   */
  abstract update(
    organizationId: string,
    id: string,
    change: (current: Connector) => Connector,
    audit?: (before: Connector, after: Connector) => AuditEntry | undefined,
  ): Promise<Connector | null>;

  /**
   * Deletes unless built-in, in one transaction under the row lock: `check` sees the current
   * connector first (and may throw: nothing is deleted), `audit` is written with the delete.
   */
  abstract delete(
    organizationId: string,
    id: string,
    options?: {
      check?: (current: Connector) => void;
      audit?: (before: Connector) => AuditEntry | undefined;
    },
  ): Promise<DeleteOutcome>;
}
