import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DialectDefinition } from './dialect';
import { classify, problemHeaders } from './problem';

/**
 * The global filter. Errors raised inside a dialect's controller are rendered by that controller's
 * own filter; what reaches this one was raised before any route ran (malformed JSON, a body too
 * large, an unknown path), so it finds the dialect that owns the path and lets it answer.
 */
@Catch()
export class DialectRoutingFilter implements ExceptionFilter {
  constructor(private readonly dialects: DialectDefinition[]) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const dialect = this.dialects.find((d) => d.owns(request.method, path));
    if (dialect) {
      dialect.filter.catch(exception, host);
      return;
    }
    // Outside the dialects (health, docs) Nest's own HTTP errors keep their bodies: the health
    // check's 503 carries which dependency is down.
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      void http
        .getResponse<FastifyReply>()
        .status(exception.getStatus())
        .send(
          typeof body === 'object' ? body : { statusCode: exception.getStatus(), message: body },
        );
      return;
    }
    const problem = classify(exception);
    const status =
      problem.kind === 'http' || problem.kind === 'unavailable'
        ? problem.status
        : problem.kind === 'internal'
          ? 500
          : problem.kind === 'auth'
            ? 401
            : 400;
    void http
      .getResponse<FastifyReply>()
      .headers(problemHeaders(problem))
      .status(status)
      .send({ statusCode: status, message: problem.message });
  }
}
