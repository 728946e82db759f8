import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { FreeFormObject } from '../../../http/request-validation';
import {
  IsArray,
  IsBoolean,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';

/** An object whose every value is a string (Coco's `assets.icons`: icon key -> URL). */
function IsStringMap(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringMap',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.values(value).every((v) => typeof v === 'string'),
        defaultMessage: () => '$property must be an object of strings',
      },
    },
    options,
  );
}

/**
 * A nested object checked field by field: anything else (a string, a list) is "must be an object",
 * said once.
 */
function NestedObject(cls: () => new () => object): PropertyDecorator {
  const message = '$property must be an object';
  const notArray = ValidateBy({
    name: 'isNotArray',
    validator: {
      validate: (value: unknown) => !Array.isArray(value),
      defaultMessage: () => message,
    },
  });
  return (target, key) => {
    Type(cls)(target, key);
    ValidateNested({ message })(target, key);
    notArray(target, key);
  };
}

/** `null` on an optional field: for text fields it clears, for the others it means "not given". */
const optional = () => IsOptional();

export class CocoProcessorDto {
  @ApiPropertyOptional({
    type: Boolean,
    nullable: true,
    description: 'Whether the processing pipeline runs.',
  })
  @optional()
  @IsBoolean()
  enabled?: boolean | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Name of the processor.' })
  @optional()
  @IsString()
  name?: string | null;
}

export class CocoAssetsDto {
  @ApiPropertyOptional({
    description: 'Icon key -> icon URL.',
    type: 'object',
    nullable: true,
    additionalProperties: { type: 'string' },
  })
  @optional()
  @IsStringMap()
  icons?: Record<string, string> | null;
}

/**
 * The Coco fields a client may write. `id` (create only), `created`, `updated` and `builtin` are
 * the server's: on update they are ignored, as are fields Coco does not know (a client PUTs back
 * the whole object it loaded).
 */
class CocoWritableFields {
  @ApiPropertyOptional({ type: String, nullable: true })
  @optional()
  @IsString()
  description?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'version_control' })
  @optional()
  @IsString()
  category?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'font_github' })
  @optional()
  @IsString()
  icon?: string | null;
  @ApiPropertyOptional({ type: [String], nullable: true, description: 'Replaces the list.' })
  @optional()
  @IsArray()
  @IsString({ each: true })
  tags?: string[] | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'An absolute http(s) URL.' })
  @optional()
  @IsString()
  url?: string | null;
  @ApiPropertyOptional({ type: Boolean, nullable: true, default: false })
  @optional()
  @IsBoolean()
  path_hierarchy?: boolean | null;
  @ApiPropertyOptional({
    type: CocoAssetsDto,
    nullable: true,
    description: 'Merged key by key on update.',
  })
  @optional()
  @NestedObject(() => CocoAssetsDto)
  assets?: CocoAssetsDto | null;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      'Free-form settings. Secret values (keys such as token, password, secret, api_key) are encrypted at rest and shown as "******"; sending the mask back keeps the stored secret. Merged key by key on update.',
  })
  @optional()
  @IsObject()
  @FreeFormObject()
  config?: Record<string, unknown> | null;
  @ApiPropertyOptional({ type: Boolean, nullable: true, default: false })
  @optional()
  @IsBoolean()
  oauth_connect_implemented?: boolean | null;
  @ApiPropertyOptional({
    type: CocoProcessorDto,
    nullable: true,
    description: 'Merged key by key on update.',
  })
  @optional()
  @NestedObject(() => CocoProcessorDto)
  processor?: CocoProcessorDto | null;
  @ApiPropertyOptional({ type: Boolean, nullable: true, default: true })
  @optional()
  @IsBoolean()
  enabled?: boolean | null;
}

export class CreateCocoConnectorDto extends CocoWritableFields {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description:
      'A client-chosen id (letters, digits, ".", "_", "-"); a 20-character id is made otherwise.',
    example: 'd07abc123def456ghi',
  })
  @optional()
  @IsString()
  id?: string | null;

  @ApiProperty({ example: 'My GitHub Connector' }) @IsString() @IsNotEmpty() name!: string;
}

export class UpdateCocoConnectorDto extends CocoWritableFields {
  /** Required with `?replace=true` (checked by the mapper); never null. */
  @ApiPropertyOptional({ description: 'Required with ?replace=true.' })
  @ValidateIf((o: UpdateCocoConnectorDto) => o.name !== undefined)
  @IsString()
  @IsNotEmpty()
  name?: string;
}
