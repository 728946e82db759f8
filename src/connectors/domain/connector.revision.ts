import { createHash } from 'node:crypto';
import type { ConnectorShape } from './connector';
import {
  ConnectorPreconditionFailedError,
  ConnectorVersionConflictError,
} from './connector.errors';
import type { WriteCondition } from './connector.input';

type Versioned = Pick<
  ConnectorShape<unknown, unknown>,
  'organizationId' | 'id' | 'createdAt' | 'version'
>;

/**
 * The connector's revision: its version and a short hash of what identifies this incarnation of
 * it (organization, id, creation time), so a connector deleted and made again with the same id
 * never repeats an old revision. Equal in every dialect; HTTP shows it as the strong ETag.
 */
export function revisionOf(c: Versioned): string {
  const incarnation = createHash('sha256')
    .update(`${c.organizationId}\u0000${c.id}\u0000${c.createdAt.toISOString()}`)
    .digest('base64url')
    .slice(0, 12);
  return `${c.version}-${incarnation}`;
}

/** Throws when `current` fails one of the conditions; runs under the write's row lock. */
export function checkConditions(current: Versioned, conditions: readonly WriteCondition[]): void {
  for (const condition of conditions) {
    switch (condition.kind) {
      case 'revision':
        if (condition.revisions !== '*' && !condition.revisions.includes(revisionOf(current))) {
          throw new ConnectorPreconditionFailedError(current.id);
        }
        break;
      case 'version':
        if (condition.version !== current.version) {
          throw new ConnectorVersionConflictError(current.id, condition.version, current.version);
        }
        break;
      case 'absent':
        throw new ConnectorPreconditionFailedError(
          current.id,
          `precondition failed: connector '${current.id}' already exists (If-None-Match: *)`,
        );
    }
  }
}
