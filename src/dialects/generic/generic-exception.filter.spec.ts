import { Logger, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { InvalidApiKeyError, MissingApiKeyError } from '../../auth/auth.errors';
import {
  BuiltinConnectorNotDeletableError,
  ConnectorAlreadyExistsError,
  ConnectorNotFoundError,
  InvalidConnectorError,
  OAuthNotConfiguredError,
} from '../../connectors/domain/connector.errors';
import { RequestValidationError } from '../../http/request-validation';
import { genericError } from './generic-exception.filter';
import { ownsGenericPath } from './generic.module';

describe('genericError', () => {
  it('maps every domain error to its status, details only for field problems', () => {
    expect(genericError(new ConnectorNotFoundError('x'))).toStrictEqual({
      code: 404,
      details: [],
      message: "connector 'x' not found",
    });
    expect(genericError(new ConnectorAlreadyExistsError('x'))).toStrictEqual({
      code: 409,
      details: [],
      message: "connector 'x' already exists",
    });
    expect(genericError(new BuiltinConnectorNotDeletableError('github'))).toStrictEqual({
      code: 403,
      details: [],
      message: 'builtin connector cannot be deleted',
    });
    expect(genericError(new OAuthNotConfiguredError('x')).code).toBe(400);
  });

  it('names canonical config fields as data in details and message', () => {
    const error = new InvalidConnectorError([
      { field: 'config.api_token', reason: 'is a masked value' },
      { field: 'type', reason: 'must be a slug' },
    ]);
    expect(genericError(error)).toStrictEqual({
      code: 400,
      details: [
        { field: 'data.api_token', reason: 'is a masked value' },
        { field: 'type', reason: 'must be a slug' },
      ],
      message: 'data.api_token: is a masked value; type: must be a slug',
    });
  });

  it('renders request validation, auth and HTTP errors', () => {
    expect(
      genericError(new RequestValidationError([{ field: 'name', reason: 'r' }])),
    ).toStrictEqual({
      code: 400,
      details: [{ field: 'name', reason: 'r' }],
      message: 'name: r',
    });
    expect(genericError(new MissingApiKeyError())).toStrictEqual({
      code: 401,
      details: [],
      message: 'no api key supplied',
    });
    expect(genericError(new InvalidApiKeyError()).code).toBe(401);
    expect(genericError(new NotFoundException('nope'))).toStrictEqual({
      code: 404,
      details: [],
      message: 'nope',
    });
    expect(genericError(new PayloadTooLargeException())).toStrictEqual({
      code: 413,
      details: [],
      message: 'request body is too large',
    });
    const malformed = Object.assign(new SyntaxError('Unexpected token'), {
      statusCode: 400,
      code: 'FST_ERR_CTP_INVALID_JSON_BODY',
    });
    expect(genericError(malformed)).toStrictEqual({
      code: 400,
      details: [{ field: 'body', reason: 'invalid request body: malformed JSON' }],
      message: 'invalid request body: malformed JSON',
    });
  });

  it('answers 500 without detail for a real fault', () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    expect(genericError(new Error('database is down'))).toStrictEqual({
      code: 500,
      details: [],
      message: 'internal server error',
    });
    expect(logged).toHaveBeenCalled();
    logged.mockRestore();
  });
});

describe('ownsGenericPath', () => {
  it('claims /generic and the root PUT only', () => {
    expect(ownsGenericPath('GET', '/generic/v1/connectors')).toBe(true);
    expect(ownsGenericPath('POST', '/generic/v1/anything')).toBe(true);
    expect(ownsGenericPath('PUT', '/v1/connectors/abc')).toBe(true);
    expect(ownsGenericPath('PUT', '/v1/connectors')).toBe(true);
    for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) {
      expect(ownsGenericPath(method, '/v1/connectors/abc')).toBe(false);
    }
    expect(ownsGenericPath('GET', '/genericx')).toBe(false);
    expect(ownsGenericPath('PUT', '/connector/abc')).toBe(false);
  });
});
