import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { MAX_QUERY_LENGTH } from '../../../connector-calls/connector-search';
import type { JsonObject } from '../../../secrets/json';

export class SearchGenericConnectorDto {
  @ApiProperty({
    description: 'What to search for; sent to the connector as `{"query": ...}`.',
    minLength: 1,
    maxLength: MAX_QUERY_LENGTH,
    example: 'quarterly revenue',
  })
  @IsString()
  @Length(1, MAX_QUERY_LENGTH)
  query!: string;
}

export class GenericSearchResults {
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: "The connector's results, without the fields named in its `excludes`.",
  })
  results!: JsonObject[];
}

export class GenericSearchEnvelope {
  @ApiProperty({ example: 200 }) code!: number;
  @ApiProperty({ type: GenericSearchResults }) data!: GenericSearchResults;
  @ApiProperty({ example: 'success' }) message!: string;
  @ApiProperty({ example: 'abc-123' }) requestId!: string;
}
