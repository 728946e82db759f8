import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { QueryNumber } from '../../../http/request-validation';

export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1000;

/** RFC 3339 date-time (a `Z` or an offset; fractions of seconds allowed). */
const RFC3339 = /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d{1,9})?([Zz]|[+-]\d\d:\d\d)$/;

export class AuditExportQuery {
  @ApiPropertyOptional({
    description: 'RFC 3339: entries at or after this instant (default: the oldest kept).',
    example: '2026-12-01T00:00:00Z',
  })
  @IsOptional()
  @Matches(RFC3339, { message: 'since must be an RFC 3339 date-time (2026-12-01T00:00:00Z)' })
  @IsString()
  since?: string;

  @ApiPropertyOptional({
    description: 'The `next` of the previous page: the entries after it (wins over `since`).',
    example: 'MjAyNi0xMi0wMlQwMzoxMjoyMS4wMDBafDQy',
  })
  @IsOptional()
  @IsString()
  after?: string;

  @ApiPropertyOptional({
    description: `Entries per page, 1 to ${MAX_AUDIT_LIMIT}.`,
    default: DEFAULT_AUDIT_LIMIT,
    example: 100,
  })
  @IsOptional()
  @QueryNumber()
  @Max(MAX_AUDIT_LIMIT)
  @Min(1)
  @IsInt()
  limit?: number;
}

/** Any JSON value, null too (a plain field's old or new value). */
const ANY_JSON = [
  { type: 'string' },
  { type: 'number' },
  { type: 'boolean' },
  { type: 'array', items: {} },
  { type: 'object', additionalProperties: true },
];

export class GenericAuditChange {
  @ApiProperty({ example: '$.data.region', description: 'JSON path in the canonical connector.' })
  path!: string;
  @ApiPropertyOptional({
    allOf: [{ oneOf: ANY_JSON, nullable: true }],
    example: 'eu',
    description: 'Plain fields: the value before (absent: none).',
  })
  old?: unknown;
  @ApiPropertyOptional({
    allOf: [{ oneOf: ANY_JSON, nullable: true }],
    example: 'us',
    description: 'Plain fields: the value after (absent: none).',
  })
  new?: unknown;
  @ApiPropertyOptional({
    enum: ['changed', 'removed'],
    example: 'changed',
    description: 'Secret fields: only that they changed or were removed, never a value.',
  })
  secret?: 'changed' | 'removed';
  @ApiPropertyOptional({
    example: 'hmac-sha256:5b0c3f0e4d1f8a7e2c9b6a4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f',
    description:
      'HMAC-SHA256 of the new clear value under a key derived from the encryption key: check a candidate with `npm run audit -- --fingerprint`.',
  })
  fingerprint?: string;
}

export class GenericAuditEntry {
  @ApiProperty({ example: '42' }) id!: string;
  @ApiProperty({ example: '2026-12-02T03:12:21.000Z' }) occurredAt!: string;
  @ApiProperty({ example: 'acme' }) organizationId!: string;
  @ApiProperty({ example: 'a1b2c3d4', nullable: true, type: String }) apiKeyId!: string | null;
  @ApiProperty({ example: 'generic', nullable: true, type: String }) dialect!: string | null;
  @ApiProperty({ example: 'PUT', nullable: true, type: String }) method!: string | null;
  @ApiProperty({ example: '/generic/v1/connectors/:id', nullable: true, type: String })
  route!: string | null;
  @ApiProperty({ example: 'req-7f3a', nullable: true, type: String }) requestId!: string | null;
  @ApiProperty({
    example: 'update',
    enum: ['create', 'update', 'delete', 'oauth_grant', 'oauth_disconnect', 'reseal'],
  })
  action!: string;
  @ApiProperty({ example: 'slack-x1y2z3' }) connectorId!: string;
  @ApiProperty({ example: 3, nullable: true, type: Number, description: 'After the change.' })
  version!: number | null;
  @ApiProperty({ type: [GenericAuditChange] }) changes!: GenericAuditChange[];
}

export class GenericHistoryPage {
  @ApiProperty({ type: [GenericAuditEntry], description: 'Newest first.' })
  items!: GenericAuditEntry[];
  @ApiProperty({ example: 20 }) limit!: number;
  @ApiProperty({ example: 0 }) offset!: number;
  @ApiProperty({ example: false, description: 'True when older entries follow.' })
  hasMore!: boolean;
}

export class GenericHistoryEnvelope {
  @ApiProperty({ example: 200 }) code!: number;
  @ApiProperty({ type: GenericHistoryPage }) data!: GenericHistoryPage;
  @ApiProperty({ example: 'success' }) message!: string;
  @ApiProperty({ example: 'abc-123' }) requestId!: string;
}

export class GenericAuditPage {
  @ApiProperty({ type: [GenericAuditEntry], description: 'Oldest first.' })
  items!: GenericAuditEntry[];
  @ApiProperty({ example: 100 }) limit!: number;
  @ApiProperty({
    example: true,
    description: 'True when this page is full: ask again with `after`.',
  })
  hasMore!: boolean;
  @ApiProperty({
    example: 'MjAyNi0xMi0wMlQwMzoxMjoyMS4wMDBafDQy',
    nullable: true,
    type: String,
    description: 'Pass as `after` for the entries that follow (null: no entry yet).',
  })
  next!: string | null;
}

export class GenericAuditEnvelope {
  @ApiProperty({ example: 200 }) code!: number;
  @ApiProperty({ type: GenericAuditPage }) data!: GenericAuditPage;
  @ApiProperty({ example: 'success' }) message!: string;
  @ApiProperty({ example: 'abc-123' }) requestId!: string;
}
