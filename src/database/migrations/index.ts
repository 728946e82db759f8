import { InitialSchema1795317055146 } from './1795317055146-InitialSchema';
import { ConnectorSearch1795317659569 } from './1795317659569-ConnectorSearch';
import { ConnectorSearchIndexes1795321092436 } from './1795321092436-ConnectorSearchIndexes';
import { OAuthGrants1795410000000 } from './1795410000000-OAuthGrants';
import { ConnectorCounts1795420000000 } from './1795420000000-ConnectorCounts';
import { ConnectorSearchDocumentColumn1795420000001 } from './1795420000001-ConnectorSearchDocumentColumn';
import { IdempotencyKeys1795440000000 } from './1795440000000-IdempotencyKeys';
import { ConnectorVersionsAndAudit1795450000000 } from './1795450000000-ConnectorVersionsAndAudit';

/** Every migration, in order. Committed; run at start under an advisory lock and by the CLI. */
export const MIGRATIONS = [
  InitialSchema1795317055146,
  ConnectorSearch1795317659569,
  ConnectorSearchIndexes1795321092436,
  OAuthGrants1795410000000,
  ConnectorCounts1795420000000,
  ConnectorSearchDocumentColumn1795420000001,
  IdempotencyKeys1795440000000,
  ConnectorVersionsAndAudit1795450000000,
];
