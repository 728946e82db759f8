import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { QueryNumber } from '../../../http/request-validation';
import { SERVICE_AUTH_TYPES, type ServiceAuthType } from '../../../connectors/domain/connector';

export class ListConnectorsQuery {
  @ApiPropertyOptional({
    description: 'Maximum number of connectors to return [0, 100]; 0 means the default, 30.',
    default: 30,
    minimum: 0,
    maximum: 100,
  })
  @IsOptional()
  @QueryNumber()
  @IsInt()
  @Min(0)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'Number of connectors to skip.', default: 0, minimum: 0 })
  @IsOptional()
  @QueryNumber()
  @IsInt()
  @Min(0)
  offset?: number;
}

export class OAuthAuthorizeQuery {
  @ApiPropertyOptional({ description: 'Where to send the user once the token is obtained.' })
  @IsOptional()
  @IsString()
  after_token_redirect?: string;
}

export class CreateConnectorOAuthDto {
  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  client_id?: string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Encrypted at rest; shown masked. Sending the mask back keeps it.',
  })
  @IsOptional()
  @IsString()
  client_secret?: string | null;
  @ApiProperty() @IsString() @IsNotEmpty() authorize_url!: string;
  @ApiProperty() @IsString() @IsNotEmpty() token_url!: string;
  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  scope?: string | null;
}

export class UpdateConnectorOAuthDto {
  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  client_id?: string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Left out (or masked): the stored secret is kept.',
  })
  @IsOptional()
  @IsString()
  client_secret?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  authorize_url?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  token_url?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  scope?: string | null;
}

export class ServiceAuthDto {
  @ApiPropertyOptional({ enum: SERVICE_AUTH_TYPES, default: 'noscheme' })
  @IsOptional()
  @IsIn(SERVICE_AUTH_TYPES)
  type?: ServiceAuthType;

  @ApiProperty({ description: 'Encrypted at rest and never returned.' })
  @IsString()
  @IsNotEmpty()
  token!: string;
}

export class CreateConnectorDto {
  @ApiProperty() @IsString() @IsNotEmpty() name!: string;
  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  description?: string | null;
  @ApiProperty({ description: 'An absolute http(s) URL.' }) @IsString() @IsNotEmpty() url!: string;
  @ApiPropertyOptional({ type: [String], nullable: true })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  excludes?: string[] | null;
  @ApiPropertyOptional({ type: CreateConnectorOAuthDto, nullable: true })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CreateConnectorOAuthDto)
  oauth?: CreateConnectorOAuthDto | null;
  @ApiPropertyOptional({ type: Boolean, nullable: true, default: true })
  @IsOptional()
  @IsBoolean()
  active?: boolean | null;
  @ApiPropertyOptional({ type: Boolean, nullable: true, default: false })
  @IsOptional()
  @IsBoolean()
  continue_on_failure?: boolean | null;
  @ApiPropertyOptional({ type: ServiceAuthDto, nullable: true })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ServiceAuthDto)
  service_auth?: ServiceAuthDto | null;
}

/** Every field optional; an omitted (or null, as the SDK sends for undefined) field is not updated. */
export class UpdateConnectorDto {
  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  name?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  description?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  url?: string | null;
  @ApiPropertyOptional({ type: [String], nullable: true, description: 'Replaces the list.' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  excludes?: string[] | null;
  @ApiPropertyOptional({
    type: UpdateConnectorOAuthDto,
    nullable: true,
    description: 'Merged with the stored settings.',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => UpdateConnectorOAuthDto)
  oauth?: UpdateConnectorOAuthDto | null;
  @ApiPropertyOptional({ type: Boolean, nullable: true })
  @IsOptional()
  @IsBoolean()
  active?: boolean | null;
  @ApiPropertyOptional({ type: Boolean, nullable: true })
  @IsOptional()
  @IsBoolean()
  continue_on_failure?: boolean | null;
  @ApiPropertyOptional({ type: ServiceAuthDto, nullable: true })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ServiceAuthDto)
  service_auth?: ServiceAuthDto | null;
}
