/**
 * Domain errors carry a stable code; each dialect's exception filter decides the status and body
 * (its `switch` over `code` is checked for exhaustiveness by the compiler).
 */
export type ConnectorErrorCode =
  | 'CONNECTOR.NOT_FOUND'
  | 'CONNECTOR.ALREADY_EXISTS'
  | 'CONNECTOR.INVALID'
  | 'CONNECTOR.BUILTIN_NOT_DELETABLE'
  | 'CONNECTOR.OAUTH_NOT_CONFIGURED'
  | 'CONNECTOR.OAUTH_NOT_AUTHORIZED'
  | 'CONNECTOR.OAUTH_TOKEN_FAILED';

export interface FieldProblem {
  field: string;
  reason: string;
}

export abstract class ConnectorError extends Error {
  abstract readonly code: ConnectorErrorCode;
}

export class ConnectorNotFoundError extends ConnectorError {
  readonly code = 'CONNECTOR.NOT_FOUND' as const;
  constructor(readonly connectorId: string) {
    super(`connector '${connectorId}' not found`);
  }
}

export class ConnectorAlreadyExistsError extends ConnectorError {
  readonly code = 'CONNECTOR.ALREADY_EXISTS' as const;
  constructor(readonly connectorId: string) {
    super(`connector '${connectorId}' already exists`);
  }
}

export class InvalidConnectorError extends ConnectorError {
  readonly code = 'CONNECTOR.INVALID' as const;
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.reason}`).join('; '));
  }

  static of(field: string, reason: string): InvalidConnectorError {
    return new InvalidConnectorError([{ field, reason }]);
  }
}

export class BuiltinConnectorNotDeletableError extends ConnectorError {
  readonly code = 'CONNECTOR.BUILTIN_NOT_DELETABLE' as const;
  constructor(readonly connectorId: string) {
    super('builtin connector cannot be deleted');
  }
}

export class OAuthNotConfiguredError extends ConnectorError {
  readonly code = 'CONNECTOR.OAUTH_NOT_CONFIGURED' as const;
  constructor(readonly connectorId: string) {
    super(`connector '${connectorId}' has no oauth configuration`);
  }
}

/** The calling API key holds no usable OAuth grant for the connector: it must authorize first. */
export class OAuthNotAuthorizedError extends ConnectorError {
  readonly code = 'CONNECTOR.OAUTH_NOT_AUTHORIZED' as const;
  constructor(
    readonly connectorId: string,
    readonly expired: boolean,
  ) {
    super(
      expired
        ? `the OAuth authorization of connector '${connectorId}' has expired for this API key: authorize again (POST /v1/connectors/${connectorId}/oauth/authorize)`
        : `this API key has not authorized connector '${connectorId}': authorize first (POST /v1/connectors/${connectorId}/oauth/authorize)`,
    );
  }
}

/** The authorization server did not give a token (refresh refused for another reason than invalid_grant, down, slow). */
export class OAuthTokenFailedError extends ConnectorError {
  readonly code = 'CONNECTOR.OAUTH_TOKEN_FAILED' as const;
  constructor(
    readonly connectorId: string,
    readonly error: string,
  ) {
    super(`the token endpoint of connector '${connectorId}' did not give a token: ${error}`);
  }
}
