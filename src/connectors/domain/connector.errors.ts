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
  | 'CONNECTOR.NOT_AUTHORIZED'
  | 'CONNECTOR.UPSTREAM_FAILED'
  | 'CONNECTOR.PRECONDITION_FAILED'
  | 'CONNECTOR.VERSION_CONFLICT';

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

/**
 * A stored secret would go to another origin than the one it was given for: the caller must send
 * it again. The message is the rule itself; `problems` names the field.
 */
export class SecretMustBeResentError extends InvalidConnectorError {
  constructor(field: 'oauth.client_secret' | 'service_auth.token', movedUrl: 'token_url' | 'url') {
    const secret = field === 'oauth.client_secret' ? 'client_secret' : 'service_auth.token';
    super([{ field, reason: `must be sent again when ${movedUrl} moves to another host` }]);
    this.message = `${secret} must be sent again when ${movedUrl} moves to another host`;
  }
}

/**
 * Calling the connector needs a credential the caller does not have (an OAuth grant). The message
 * names the authorize route after its mount (`.../connectors/:id/oauth/authorize`): each dialect
 * that calls connectors has it under its own (`/v1`, `/cohere/v1`, `/generic/v1`).
 */
export class ConnectorNotAuthorizedError extends ConnectorError {
  readonly code = 'CONNECTOR.NOT_AUTHORIZED' as const;
  constructor(
    readonly connectorId: string,
    message = `not authorized for connector '${connectorId}': authorize first (POST .../connectors/${connectorId}/oauth/authorize)`,
  ) {
    super(message);
  }
}

/**
 * The connector's own server failed the call: a non-2xx answer, no answer in time, an answer too
 * large or not the expected JSON, or an address the gateway refuses to call. The message names the
 * upstream status, never the upstream body.
 */
export class ConnectorCallFailedError extends ConnectorError {
  readonly code = 'CONNECTOR.UPSTREAM_FAILED' as const;
  constructor(
    readonly connectorId: string,
    message: string,
    readonly upstreamStatus: number | null = null,
  ) {
    super(message);
  }
}

/** A `revision` or `absent` condition (HTTP If-Match / If-None-Match) did not hold. */
export class ConnectorPreconditionFailedError extends ConnectorError {
  readonly code = 'CONNECTOR.PRECONDITION_FAILED' as const;
  constructor(
    readonly connectorId: string,
    message = `precondition failed: connector '${connectorId}' has changed since it was read (If-Match)`,
  ) {
    super(message);
  }
}

/** A `version` condition did not hold: the connector is at `current`, not at `expected`. */
export class ConnectorVersionConflictError extends ConnectorError {
  readonly code = 'CONNECTOR.VERSION_CONFLICT' as const;
  constructor(
    readonly connectorId: string,
    readonly expected: number,
    readonly current: number,
  ) {
    super(`version conflict: connector '${connectorId}' is at version ${current}, not ${expected}`);
  }
}
