import { HttpException, Logger } from '@nestjs/common';
import { InvalidApiKeyError, MissingApiKeyError } from '../auth/auth.errors';
import {
  ConnectorError,
  type ConnectorErrorCode,
  type FieldProblem,
} from '../connectors/domain/connector.errors';
import { RequestValidationError } from './request-validation';
import { asServiceUnavailable } from './unavailable';

/**
 * Every error a dialect may have to render, classified once so that each dialect's filter is only
 * about its own shape. A dialect's filter switches over `kind` (exhaustively).
 */
export type Problem =
  | {
      kind: 'domain';
      code: ConnectorErrorCode;
      /** The HTTP status every dialect gives this error (a dialect may still shape the body). */
      status: number;
      error: ConnectorError;
      message: string;
      problems: FieldProblem[];
    }
  | { kind: 'auth'; missing: boolean; message: string }
  | { kind: 'invalid'; message: string; problems: FieldProblem[] }
  | { kind: 'http'; status: number; message: string }
  /** The database or the gateway cannot serve it now: 503 with `Retry-After` in every dialect. */
  | { kind: 'unavailable'; status: 503; retryAfterSeconds: number; message: string }
  | { kind: 'internal'; message: string };

const logger = new Logger('Errors');

/** The headers a problem's answer carries in every dialect (`Retry-After` on a 503). */
export function problemHeaders(problem: Problem): Record<string, string> {
  return problem.kind === 'unavailable' ? { 'retry-after': String(problem.retryAfterSeconds) } : {};
}

/** One status per domain error, the same in every dialect (the compiler checks every code). */
export function domainStatus(code: ConnectorErrorCode): number {
  switch (code) {
    case 'CONNECTOR.NOT_FOUND':
      return 404;
    case 'CONNECTOR.ALREADY_EXISTS':
      return 409;
    case 'CONNECTOR.INVALID':
    case 'CONNECTOR.OAUTH_NOT_CONFIGURED':
      return 400;
    // Understood, and the connector exists, but a built-in may never be deleted.
    case 'CONNECTOR.BUILTIN_NOT_DELETABLE':
      return 403;
    // The caller's key holds no credential (OAuth grant) for calling the connector.
    case 'CONNECTOR.NOT_AUTHORIZED':
      return 401;
    // The connector's server failed the call (a gateway between the client and it).
    case 'CONNECTOR.UPSTREAM_FAILED':
      return 502;
    // If-Match / If-None-Match did not hold (RFC 9110).
    case 'CONNECTOR.PRECONDITION_FAILED':
      return 412;
    // The version the client wrote against is no longer the current one.
    case 'CONNECTOR.VERSION_CONFLICT':
      return 409;
  }
}

/** Each exception is classified (and, if unexpected, logged) once, however many ask. */
const classified = new WeakMap<object, Problem>();

export function classify(exception: unknown): Problem {
  if (typeof exception !== 'object' || exception === null) return classifyOnce(exception);
  let problem = classified.get(exception);
  if (!problem) {
    problem = classifyOnce(exception);
    classified.set(exception, problem);
  }
  return problem;
}

function classifyOnce(exception: unknown): Problem {
  if (exception instanceof ConnectorError) {
    return {
      kind: 'domain',
      code: exception.code,
      status: domainStatus(exception.code),
      error: exception,
      message: exception.message,
      problems: 'problems' in exception ? (exception.problems as FieldProblem[]) : [],
    };
  }
  if (exception instanceof MissingApiKeyError || exception instanceof InvalidApiKeyError) {
    return {
      kind: 'auth',
      missing: exception instanceof MissingApiKeyError,
      message: exception.message,
    };
  }
  if (exception instanceof RequestValidationError) {
    return { kind: 'invalid', message: exception.message, problems: exception.problems };
  }
  if (exception instanceof HttpException) {
    return { kind: 'http', status: exception.getStatus(), message: httpMessage(exception) };
  }
  const unavailable = asServiceUnavailable(exception);
  if (unavailable) {
    logUnavailable(`${unavailable.message} (${loggable(exception).message})`);
    return {
      kind: 'unavailable',
      status: 503,
      retryAfterSeconds: unavailable.retryAfterSeconds,
      message: unavailable.message,
    };
  }
  // Errors Fastify raises before a route runs (malformed JSON, body too large, bad content type)
  // carry a 4xx statusCode; anything else is a real fault.
  const status = (exception as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { kind: 'http', status, message: fastifyMessage(exception as Error, status) };
  }
  logger.error(loggable(exception), 'unhandled error');
  return { kind: 'internal', message: 'internal server error' };
}

/** During an outage every request fails alike: each cause is logged at most once in 5 s. */
const unavailableLogged = new Map<string, { at: number; since: number }>();
function logUnavailable(line: string, now = Date.now()): void {
  const last = unavailableLogged.get(line);
  if (last && now - last.at < 5000) {
    last.since += 1;
    return;
  }
  if (unavailableLogged.size > 100) unavailableLogged.clear();
  unavailableLogged.set(line, { at: now, since: 0 });
  logger.warn(last?.since ? `${line}; ${last.since} more like it in the last 5 s` : line);
}

/**
 * An unexpected error as a log line: name, message, code and stack, never the rest of it. A
 * TypeORM QueryFailedError, for one, carries the query's parameters: whole connector rows.
 */
function loggable(exception: unknown): Error {
  if (!(exception instanceof Error)) return new Error(String(exception));
  const safe = new Error(exception.message);
  safe.name = exception.name;
  safe.stack = exception.stack;
  const driverCode = (exception as { driverError?: { code?: unknown } }).driverError?.code;
  const code = (exception as { code?: unknown }).code ?? driverCode;
  if (typeof code === 'string') Object.assign(safe, { code });
  return safe;
}

function httpMessage(e: HttpException): string {
  const status = e.getStatus();
  if (status === 413) return 'request body is too large';
  const response = e.getResponse();
  const message =
    typeof response === 'object' && response && 'message' in response
      ? response.message
      : e.message;
  const text = Array.isArray(message) ? message.join('; ') : String(message);
  if (status === 400 && /JSON|Unexpected|body/i.test(text)) {
    return 'invalid request body: malformed JSON';
  }
  return text;
}

function fastifyMessage(e: Error & { code?: string }, status: number): string {
  switch (e.code ?? '') {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'request body is too large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported content type: send application/json';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'request body is empty';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'invalid request body: malformed JSON';
    default:
      // Fastify's own 413s say little; ours (json-body.ts) say what was too large.
      return status === 413 && e.code?.startsWith('FST_') ? 'request body is too large' : e.message;
  }
}
