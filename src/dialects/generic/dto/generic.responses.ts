import { ApiProperty } from '@nestjs/swagger';
import type { JsonObject } from '../../../secrets/json';

/** The seed's connector, field for field. */
export class GenericConnector {
  @ApiProperty({ example: 'team-slack-kh3g8q' }) id!: string;
  @ApiProperty({ example: 'Team Slack' }) name!: string;
  @ApiProperty({ description: 'Empty string when none.' }) description!: string;
  @ApiProperty({
    example: 'slack',
    description:
      'Connector-type slug. Connectors created through another dialect without one show `custom`.',
  })
  type!: string;
  @ApiProperty({ description: 'Who brokers the credentials; empty string unless set.' })
  provider!: string;
  @ApiProperty() organizationId!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({
    example: 'key_3f9a0c1d2e4b5a69',
    description: 'Id of the API key that created it (never the key); `system` for built-ins.',
  })
  createdBy!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({
    example: 'key_3f9a0c1d2e4b5a69',
    description: 'Id of the API key that last changed it (never the key); `system` for built-ins.',
  })
  updatedBy!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'Computed field, not persisted: the stored data with every secret replaced by `******`.',
    example: { channel: '#alerts', bot_token: '******' },
  })
  maskedData!: JsonObject;
  @ApiProperty({
    example: 3,
    description:
      'One more with every change, through any dialect: send it back in a PUT to write only over this version (409 otherwise).',
  })
  version!: number;
}

export class GenericConnectorPage {
  @ApiProperty({ type: [GenericConnector], description: 'Newest first.' })
  items!: GenericConnector[];
  @ApiProperty({ example: 20 }) limit!: number;
  @ApiProperty({ example: 0 }) offset!: number;
  @ApiProperty({ description: 'True when connectors exist after this page.' }) hasMore!: boolean;
}

export class GenericConnectorEnvelope {
  @ApiProperty({ example: 200 }) code!: number;
  @ApiProperty({ type: GenericConnector }) data!: GenericConnector;
  @ApiProperty({ example: 'success' }) message!: string;
  @ApiProperty({ example: 'abc-123', description: 'The X-Request-Id sent, or one made.' })
  requestId!: string;
}

export class GenericConnectorListEnvelope {
  @ApiProperty({ example: 200 }) code!: number;
  @ApiProperty({ type: GenericConnectorPage }) data!: GenericConnectorPage;
  @ApiProperty({ example: 'success' }) message!: string;
  @ApiProperty({ example: 'abc-123' }) requestId!: string;
}

/** Delete answers the envelope without `data`. */
export class GenericDeleteEnvelope {
  @ApiProperty({ example: 200 }) code!: number;
  @ApiProperty({ example: 'success' }) message!: string;
  @ApiProperty({ example: 'abc-123' }) requestId!: string;
}

export class GenericErrorDetail {
  @ApiProperty({ example: 'data.api_token' }) field!: string;
  @ApiProperty({ example: 'must be a string' }) reason!: string;
}

export class GenericErrorEnvelope {
  @ApiProperty({ example: 400, description: 'The HTTP status.' }) code!: number;
  @ApiProperty({
    type: [GenericErrorDetail],
    description: 'One entry per invalid field on a 400; empty otherwise.',
  })
  details!: GenericErrorDetail[];
  @ApiProperty({ example: 'name: is required' }) message!: string;
  @ApiProperty({ example: 'abc-123' }) requestId!: string;
}
