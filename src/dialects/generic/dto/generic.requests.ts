import { FreeFormObject, QueryNumber } from '../../../http/request-validation';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsDefined,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import type { JsonObject } from '../../../secrets/json';

export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 100;

// class-validator reports a field's failed constraints bottom-up and the dialect shows the first
// one per field: the type check sits last so that it is the reason given for a wrong type.

const REQUIRED = { message: '$property is required' };

/** Present and not undefined: `null` is then validated (and refused) like any other wrong type. */
const sent = (_: object, value: unknown): boolean => value !== undefined;

export class ListGenericConnectorsQuery {
  @ApiPropertyOptional({
    description: `Connectors per page, 1 to ${MAX_PAGE_LIMIT}; more than ${MAX_PAGE_LIMIT} is a 400 (never clamped).`,
    default: DEFAULT_PAGE_LIMIT,
    minimum: 1,
    maximum: MAX_PAGE_LIMIT,
  })
  @IsOptional()
  @QueryNumber()
  @Max(MAX_PAGE_LIMIT)
  @Min(1)
  @IsInt()
  limit?: number;

  @ApiPropertyOptional({ description: 'Connectors to skip.', default: 0, minimum: 0 })
  @IsOptional()
  @QueryNumber()
  @Min(0)
  @IsInt()
  offset?: number;
}

const DATA_DESCRIPTION =
  'Free-form connector data. Values under secret-looking keys (token, password, secret, api_key, ' +
  '...) at any depth are encrypted at rest and only ever returned masked in `maskedData`.';

export class CreateGenericConnectorDto {
  @ApiProperty({ example: 'Team Slack' })
  @IsNotEmpty()
  @IsString()
  @IsDefined(REQUIRED)
  name!: string;

  @ApiProperty({ description: 'A connector-type slug.', example: 'slack' })
  @IsNotEmpty()
  @IsString()
  @IsDefined(REQUIRED)
  type!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: DATA_DESCRIPTION,
    example: { channel: '#alerts', bot_token: 'xoxb-...' },
  })
  @IsObject()
  @IsDefined(REQUIRED)
  @FreeFormObject()
  data!: JsonObject;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  description?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Who brokers the credentials (e.g. `pipedream`); empty when not given.',
  })
  @IsOptional()
  @IsString()
  provider?: string | null;
}

/** The seed's "Option 2": every field optional; an unknown field is a 400. */
export class UpdateGenericConnectorDto {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'Merged key by key into the stored data (objects merge, arrays and scalars replace). A secret sent back masked (`******`) keeps its stored value; a new value replaces it.',
  })
  @ValidateIf(sent)
  @IsObject()
  @FreeFormObject()
  data?: JsonObject;

  @ApiPropertyOptional({ type: String, nullable: true, description: '`null` clears it.' })
  @IsOptional()
  @IsString()
  description?: string | null;

  @ApiPropertyOptional()
  @ValidateIf(sent)
  @IsNotEmpty()
  @IsString()
  name?: string;

  @ApiPropertyOptional({
    example: 3,
    description:
      'The `version` the change was made against: when the connector has moved on since, nothing is written and the answer is 409. Left out: no check.',
  })
  @ValidateIf(sent)
  @IsInt()
  @Min(1)
  version?: number;
}

export class GenericOAuthAuthorizeQuery {
  @ApiPropertyOptional({
    description:
      'Where the callback sends the browser once the token is obtained, with status=success|error and connector_id added.',
  })
  @IsOptional()
  @IsString()
  after_token_redirect?: string;
}
