/**
 * Domain errors carry a stable code; each dialect's exception filter decides the status and body
 * (its `switch` over `code` is checked for exhaustiveness by the compiler).
 */
export type ConnectorErrorCode =
  | 'CONNECTOR.NOT_FOUND'
  | 'CONNECTOR.ALREADY_EXISTS'
  | 'CONNECTOR.INVALID'
  | 'CONNECTOR.BUILTIN_NOT_DELETABLE'
  | 'CONNECTOR.OAUTH_NOT_CONFIGURED';

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
