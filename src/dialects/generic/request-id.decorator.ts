import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * The request's id, as Fastify assigned it (src/http/request-id.ts: the client's sane
 * `X-Request-Id`, or a new UUID). The logs and the `x-request-id` response header carry the same.
 */
export const RequestId = createParamDecorator((_: unknown, context: ExecutionContext): string =>
  String(context.switchToHttp().getRequest<FastifyRequest>().id),
);
