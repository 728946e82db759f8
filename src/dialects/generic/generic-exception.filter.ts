import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FieldProblem } from '../../connectors/domain/connector.errors';
import { classify, problemHeaders } from '../../http/problem';
import type { GenericErrorEnvelope } from './dto/generic.responses';
import { GenericMapper } from './generic.mapper';

export const VERSION_CONFLICT =
  'Conflict — another update may have occurred. Retry with the latest version.';

/** A 400 always names what was wrong: the body itself when no single field is to blame. */
function bodyProblem(status: number, message: string): FieldProblem[] {
  return status === 400 ? [{ field: 'body', reason: message }] : [];
}

function summary(details: FieldProblem[]): string {
  return details.map((p) => `${p.field}: ${p.reason}`).join('; ');
}

/** The generic error envelope without its `requestId`, and the HTTP status (always equal to `code`). */
export function genericError(exception: unknown): Omit<GenericErrorEnvelope, 'requestId'> {
  const problem = classify(exception);
  switch (problem.kind) {
    case 'domain': {
      if (problem.code === 'CONNECTOR.VERSION_CONFLICT') {
        // What B3OS's client already tells its users on a 409.
        return {
          code: 409,
          details: [{ field: 'version', reason: problem.message }],
          message: VERSION_CONFLICT,
        };
      }
      const details = GenericMapper.details(problem.problems);
      return {
        code: problem.status,
        details,
        message: details.length ? summary(details) : problem.message,
      };
    }
    case 'auth':
      return { code: 401, details: [], message: problem.message };
    case 'invalid': {
      const details = GenericMapper.details(problem.problems);
      return { code: 400, details, message: details.length ? summary(details) : problem.message };
    }
    case 'http':
      return {
        code: problem.status,
        details: bodyProblem(problem.status, problem.message),
        message: problem.message,
      };
    case 'unavailable':
      return { code: problem.status, details: [], message: problem.message };
    case 'internal':
      return { code: 500, details: [], message: problem.message };
  }
}

/** Every error of the generic dialect: `{code, details, message, requestId}`, status = `code`. */
@Catch()
export class GenericExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const error = genericError(exception);
    const body: GenericErrorEnvelope = { ...error, requestId: String(request.id) };
    void http
      .getResponse<FastifyReply>()
      .headers(problemHeaders(classify(exception)))
      .status(error.code)
      .send(body);
  }
}
