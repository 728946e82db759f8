/** Raised by the API key guard; each dialect renders them as its own 401. */
export class MissingApiKeyError extends Error {
  readonly code = 'AUTH.MISSING_KEY' as const;
  constructor() {
    super('no api key supplied');
  }
}

export class InvalidApiKeyError extends Error {
  readonly code = 'AUTH.INVALID_KEY' as const;
  constructor() {
    super('invalid api token');
  }
}

export type AuthError = MissingApiKeyError | InvalidApiKeyError;
