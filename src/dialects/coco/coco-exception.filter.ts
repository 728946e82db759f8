import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ConnectorNotFoundError,
  type ConnectorErrorCode,
} from '../../connectors/domain/connector.errors';
import { classify, problemHeaders, type Problem } from '../../http/problem';

/** Coco's general error body (Elasticsearch's: a version conflict names its `type`). */
export interface CocoError {
  status: number;
  error: { type?: string; reason: string };
}

/** The `_primary_term` of every connector: one store, never failed over (see docs/dialects/coco.md). */
export const PRIMARY_TERM = 1;

/**
 * `if_seq_no` / `if_primary_term` did not match: Elasticsearch's 409, with its exact reason.
 * `_seq_no` is the connector's version - 1, `_primary_term` always 1.
 */
export class CocoVersionConflictError extends Error {
  constructor(
    readonly connectorId: string,
    readonly requiredSeqNo: number,
    readonly requiredPrimaryTerm: number,
    readonly currentVersion: number,
  ) {
    super(
      `[${connectorId}]: version conflict, required seqNo [${requiredSeqNo}], primary term [${requiredPrimaryTerm}]. current document has seqNo [${currentVersion - 1}] and primary term [${PRIMARY_TERM}]`,
    );
  }
}

/** Coco's own 404 bodies: a get answers `found: false`, an update or a delete `not_found`. */
export type CocoNotFound = { _id: string; found: false } | { _id: string; result: 'not_found' };

const reason = (status: number, text: string): { status: number; body: CocoError } => ({
  status,
  body: { status, error: { reason: text } },
});

function domainError(
  problem: Extract<Problem, { kind: 'domain' }>,
  method: string,
): { status: number; body: CocoError | CocoNotFound } {
  const code: ConnectorErrorCode = problem.code;
  switch (code) {
    case 'CONNECTOR.NOT_FOUND': {
      const id = problem.error instanceof ConnectorNotFoundError ? problem.error.connectorId : '';
      const read = method === 'GET' || method === 'HEAD';
      return {
        status: 404,
        body: read ? { _id: id, found: false } : { _id: id, result: 'not_found' },
      };
    }
    case 'CONNECTOR.ALREADY_EXISTS':
      return reason(409, problem.message);
    case 'CONNECTOR.INVALID':
    case 'CONNECTOR.OAUTH_NOT_CONFIGURED':
      return reason(400, problem.message);
    case 'CONNECTOR.BUILTIN_NOT_DELETABLE':
      return reason(403, 'builtin connector cannot be deleted');
    case 'CONNECTOR.NOT_AUTHORIZED':
    case 'CONNECTOR.UPSTREAM_FAILED':
    case 'CONNECTOR.PRECONDITION_FAILED':
      return reason(problem.status, problem.message);
    case 'CONNECTOR.VERSION_CONFLICT':
      return {
        status: 409,
        body: {
          status: 409,
          error: { type: 'version_conflict_engine_exception', reason: problem.message },
        },
      };
  }
}

/** Every error of the Coco routes, in Coco's shapes and statuses. */
export function cocoError(
  exception: unknown,
  method: string,
): { status: number; body: CocoError | CocoNotFound } {
  if (exception instanceof CocoVersionConflictError) {
    return {
      status: 409,
      body: {
        status: 409,
        error: { type: 'version_conflict_engine_exception', reason: exception.message },
      },
    };
  }
  const problem = classify(exception);
  switch (problem.kind) {
    case 'domain':
      return domainError(problem, method);
    case 'auth':
      return reason(401, 'invalid login');
    case 'invalid':
      return reason(400, problem.message);
    case 'http':
    case 'unavailable':
      return reason(problem.status, problem.message);
    case 'internal':
      return reason(500, problem.message);
  }
}

@Catch()
export class CocoExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const { status, body } = cocoError(exception, http.getRequest<FastifyRequest>().method);
    void http
      .getResponse<FastifyReply>()
      .headers(problemHeaders(classify(exception)))
      .status(status)
      .send(body);
  }
}
