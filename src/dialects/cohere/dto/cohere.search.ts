import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { MAX_QUERY_LENGTH } from '../../../connector-calls/connector-search';
import type { JsonObject } from '../../../secrets/json';

export class SearchConnectorDto {
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

export class CohereSearchResponse {
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: "The connector's results, without the fields named in its `excludes`.",
    example: [{ title: 'Q3 report', text: 'Revenue grew...', url: 'https://wiki.example.com/q3' }],
  })
  results!: JsonObject[];
}
