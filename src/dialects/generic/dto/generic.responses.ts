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
  @ApiProperty({
    enum: ['valid', 'expired'],
    nullable: true,
    type: String,
    description:
      "The calling API key's OAuth grant for the connector: `valid`, `expired`, or null when this key has not authorized it.",
  })
  authStatus!: 'valid' | 'expired' | null;
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

export class GenericOAuthRedirect {
  @ApiProperty({
    description:
      "The data source's authorization URL to send the user to (response_type=code, client_id, redirect_uri, scope, state, PKCE S256 code_challenge).",
  })
  redirectUrl!: string;
}

export class GenericOAuthAuthorizeEnvelope {
  @ApiProperty({ example: 200 }) code!: number;
  @ApiProperty({ type: GenericOAuthRedirect }) data!: GenericOAuthRedirect;
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

/** A connector type as B3OS publishes it (`GET /v1/connector-types`). */
export class GenericConnectorType {
  @ApiProperty({
    example: 'slack',
    description: 'The slug a connector of this type has as `type`.',
  })
  type!: string;
  @ApiProperty({ example: 'Slack' }) name!: string;
  @ApiProperty({ example: 'Post to and read from Slack channels.' }) description!: string;
  @ApiProperty({ example: 'communication' }) category!: string;
  @ApiProperty({ type: [String], example: ['slack', 'chat'] }) tags!: string[];
  @ApiProperty({ description: 'Who brokers the credentials; empty string when the gateway does.' })
  provider!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'JSON Schema of the connector `data`. Credential fields are `writeOnly: true` with `format: password`: they are stored encrypted and shown masked, whatever their name.',
    example: {
      type: 'object',
      properties: {
        bot_token: { type: 'string', format: 'password', writeOnly: true },
        channel: { type: 'string' },
      },
    },
  })
  dataSchema!: JsonObject;
}

export class GenericConnectorTypeList {
  @ApiProperty({ type: [GenericConnectorType] }) items!: GenericConnectorType[];
}

export class GenericConnectorTypeListEnvelope {
  @ApiProperty({ example: 200 }) code!: number;
  @ApiProperty({ type: GenericConnectorTypeList }) data!: GenericConnectorTypeList;
  @ApiProperty({ example: 'success' }) message!: string;
  @ApiProperty({ example: 'abc-123' }) requestId!: string;
}

export class GenericConnectorTypeEnvelope {
  @ApiProperty({ example: 200 }) code!: number;
  @ApiProperty({ type: GenericConnectorType }) data!: GenericConnectorType;
  @ApiProperty({ example: 'success' }) message!: string;
  @ApiProperty({ example: 'abc-123' }) requestId!: string;
}
