import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class CocoProcessor {
  @ApiProperty() enabled!: boolean;
  @ApiPropertyOptional() name?: string;
}

export class CocoAssets {
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  icons?: Record<string, string>;
}

/**
 * A connector as Coco shows it. Always present: id, created, updated, name, path_hierarchy,
 * assets, builtin, oauth_connect_implemented, processor, enabled. The others are left out when
 * empty, as Coco's JSON (`omitempty`) leaves them out.
 */
export class CocoConnector {
  @ApiProperty({ example: 'd07abc123def456ghi' }) id!: string;
  @ApiProperty({ format: 'date-time' }) created!: string;
  @ApiProperty({ format: 'date-time' }) updated!: string;
  @ApiProperty() name!: string;
  @ApiPropertyOptional() description?: string;
  @ApiPropertyOptional() category?: string;
  @ApiPropertyOptional() icon?: string;
  @ApiPropertyOptional({ type: [String] }) tags?: string[];
  @ApiPropertyOptional() url?: string;
  @ApiProperty() path_hierarchy!: boolean;
  @ApiProperty({ type: CocoAssets }) assets!: Record<string, unknown>;
  @ApiProperty() builtin!: boolean;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Every secret value shown as "******".',
  })
  config?: Record<string, unknown>;
  @ApiProperty() oauth_connect_implemented!: boolean;
  @ApiProperty({ type: CocoProcessor }) processor!: CocoProcessor;
  @ApiProperty() enabled!: boolean;
}

export class CocoCreatedResponse {
  @ApiProperty() _id!: string;
  @ApiProperty({ example: 'created' }) result!: 'created';
  @ApiProperty({ example: 3, description: 'The connector version (1 at creation).' })
  _version!: number;
  @ApiProperty({
    example: 2,
    description: '`_version` - 1 (one store: one sequence per connector).',
  })
  _seq_no!: number;
  @ApiProperty({ example: 1, description: 'Always 1 (one store, never failed over).' })
  _primary_term!: number;
}

export class CocoResultResponse {
  @ApiProperty() _id!: string;
  @ApiProperty({ enum: ['updated', 'deleted', 'not_found'] }) result!:
    'updated' | 'deleted' | 'not_found';
  @ApiPropertyOptional({ example: 3, description: 'The version written (a delete: one more).' })
  _version?: number;
  @ApiPropertyOptional({ example: 2, description: '`_version` - 1.' })
  _seq_no?: number;
  @ApiPropertyOptional({ example: 1, description: 'Always 1.' })
  _primary_term?: number;
}

export class CocoGetResponse {
  @ApiProperty() _id!: string;
  @ApiPropertyOptional({ example: 3, description: 'The connector version (when found).' })
  _version?: number;
  @ApiPropertyOptional({ example: 2, description: '`_version` - 1 (when found).' })
  _seq_no?: number;
  @ApiPropertyOptional({ example: 1, description: 'Always 1 (when found).' })
  _primary_term?: number;
  @ApiPropertyOptional({ type: CocoConnector }) _source?: CocoConnector;
  @ApiProperty() found!: boolean;
}

export class CocoTotal {
  @ApiProperty() value!: number;
  @ApiProperty({ enum: ['eq', 'gte'] }) relation!: 'eq' | 'gte';
}

export class CocoSearchHit {
  @ApiProperty({ example: 'connector' }) _index!: string;
  @ApiProperty({ example: '_doc' }) _type!: string;
  @ApiProperty() _id!: string;
  @ApiPropertyOptional({ example: 3, description: 'With `version=true`.' })
  _version?: number;
  @ApiPropertyOptional({ example: 2, description: 'With `seq_no_primary_term=true`.' })
  _seq_no?: number;
  @ApiPropertyOptional({ example: 1, description: 'With `seq_no_primary_term=true`.' })
  _primary_term?: number;
  @ApiProperty({ type: Number, nullable: true, description: 'null unless sorted by _score.' })
  _score!: number | null;
  @ApiPropertyOptional({
    type: CocoConnector,
    description: 'Filtered by _source_includes / _source_excludes.',
  })
  _source?: Record<string, unknown>;
}

export class CocoHits {
  @ApiProperty({ type: CocoTotal }) total!: CocoTotal;
  @ApiProperty({ type: Number, nullable: true }) max_score!: number | null;
  @ApiProperty({ type: [CocoSearchHit] }) hits!: CocoSearchHit[];
}

export class CocoBucket {
  @ApiProperty() key!: string;
  @ApiProperty() doc_count!: number;
}

export class CocoTermsResult {
  @ApiProperty() doc_count_error_upper_bound!: number;
  @ApiProperty() sum_other_doc_count!: number;
  @ApiProperty({ type: [CocoBucket] }) buckets!: CocoBucket[];
}

export class CocoShards {
  @ApiProperty() total!: number;
  @ApiProperty() successful!: number;
  @ApiProperty() skipped!: number;
  @ApiProperty() failed!: number;
}

export class CocoSearchResponse {
  @ApiProperty({ description: 'Milliseconds the search took.' }) took!: number;
  @ApiProperty() timed_out!: boolean;
  @ApiProperty({ type: CocoShards }) _shards!: CocoShards;
  @ApiProperty({ type: CocoHits }) hits!: CocoHits;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/CocoTermsResult' },
  })
  aggregations?: Record<string, CocoTermsResult>;
}

export class CocoErrorReason {
  @ApiProperty() reason!: string;
}

export class CocoErrorBody {
  @ApiProperty({ description: 'The HTTP status.' }) status!: number;
  @ApiProperty({ type: CocoErrorReason }) error!: CocoErrorReason;
}
