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

  /** Throws ConnectorAlreadyExistsError when the id is taken in the organization. */
  abstract insert(connector: Connector): Promise<Connector>;

  /** Inserts the connectors whose ids are free; returns how many were inserted. */
  abstract insertMissing(connectors: Connector[]): Promise<number>;

  /**
   * Reads the connector under a row lock, lets `change` compute the next version and writes it, in
   * one transaction: concurrent merges cannot lose each other's fields. Null when it does not exist.
   * When the change invalidates the connector's OAuth grants (`oauthGrantsInvalidated`), they are
   * deleted in the same transaction.
   */
  abstract update(
    organizationId: string,
    id: string,
    change: (current: Connector) => Connector,
  ): Promise<Connector | null>;

  /** Deletes unless built-in. */
  abstract delete(organizationId: string, id: string): Promise<DeleteOutcome>;
}
