import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The seed's `ConnectorOAuth` schema. `client_secret` is only ever the mask. */
export class CohereConnectorOAuth {
  @ApiPropertyOptional() client_id?: string;
  @ApiPropertyOptional({
    example: '******',
    description: 'Always masked; absent when none is stored.',
  })
  client_secret?: string;
  @ApiProperty() authorize_url!: string;
  @ApiProperty() token_url!: string;
  @ApiPropertyOptional() scope?: string;
}

/** The seed's `Connector` schema, field for field. */
export class CohereConnector {
  @ApiProperty({ example: 'example-connector-kh3g8q' }) id!: string;
  @ApiPropertyOptional() organization_id?: string;
  @ApiProperty() name!: string;
  @ApiPropertyOptional() description?: string;
  @ApiPropertyOptional() url?: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiPropertyOptional({ type: [String] }) excludes?: string[];
  @ApiPropertyOptional({ enum: ['oauth', 'service_auth'] }) auth_type?: 'oauth' | 'service_auth';
  @ApiPropertyOptional({ type: CohereConnectorOAuth }) oauth?: CohereConnectorOAuth;
  @ApiPropertyOptional({ enum: ['valid', 'expired'] }) auth_status?: 'valid' | 'expired';
  @ApiPropertyOptional() active?: boolean;
  @ApiPropertyOptional() continue_on_failure?: boolean;
}

export class CohereConnectorResponse {
  @ApiProperty({ type: CohereConnector }) connector!: CohereConnector;
}

export class CohereListConnectorsResponse {
  @ApiProperty({ type: [CohereConnector] }) connectors!: CohereConnector[];
  @ApiProperty() total_count!: number;
}

export class CohereOAuthAuthorizeResponse {
  @ApiProperty() redirect_url!: string;
}

export class CohereDeleteResponse {}

export class CohereErrorBody {
  @ApiProperty({ description: 'What went wrong.' }) message!: string;
}
