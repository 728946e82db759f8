import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { classify, problemHeaders } from '../../http/problem';

/** Cohere's error body: `{"message": "..."}` with Cohere's statuses. */
export function cohereError(exception: unknown): { status: number; body: { message: string } } {
  const problem = classify(exception);
  switch (problem.kind) {
    case 'domain':
      return { status: problem.status, body: { message: problem.message } };
    case 'auth':
      return { status: 401, body: { message: problem.message } };
    case 'invalid':
      return { status: 400, body: { message: problem.message } };
    case 'http':
    case 'unavailable':
      return { status: problem.status, body: { message: problem.message } };
    case 'internal':
      return { status: 500, body: { message: problem.message } };
  }
}

@Catch()
export class CohereExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const { status, body } = cohereError(exception);
    void host
      .switchToHttp()
      .getResponse<FastifyReply>()
      .headers(problemHeaders(classify(exception)))
      .status(status)
      .send(body);
  }
}
