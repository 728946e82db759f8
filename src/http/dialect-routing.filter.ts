import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DialectDefinition } from './dialect';
import { classify, problemHeaders } from './problem';
import { hostFor } from './shutdown';

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

/** An answer rendered away from Fastify: for a socket the HTTP parser gave up on. */
export interface RenderedError {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * Renders `exception` as the dialect owning `method` and `path` would answer it, without a
 * Fastify request: the filters only read the method, the URL and the request id, and only set
 * the status, headers and body of the reply.
 */
export function renderError(
  filter: ExceptionFilter,
  exception: unknown,
  method: string,
  url: string,
  requestId: string,
): RenderedError {
  const rendered: RenderedError = { status: 500, headers: {}, body: null };
  const reply = {
    sent: false,
    raw: { headersSent: false },
    status(code: number) {
      rendered.status = code;
      return reply;
    },
    code(code: number) {
      return reply.status(code);
    },
    header(name: string, value: string) {
      rendered.headers[name.toLowerCase()] = String(value);
      return reply;
    },
    headers(values: Record<string, string>) {
      for (const [name, value] of Object.entries(values)) reply.header(name, value);
      return reply;
    },
    send(body: unknown) {
      rendered.body = body;
      reply.sent = true;
      return reply;
    },
  };
  const request = { method, url, id: requestId, headers: {} };
  filter.catch(
    exception,
    hostFor(request as unknown as FastifyRequest, reply as unknown as FastifyReply),
  );
  return rendered;
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before any request exists
 * (headers or a request line over the limit: 431; a malformed request: 400) is answered in the
 * shape of the dialect the request line names, when the bytes received show one, with an
 * `x-request-id`, and the connection closed.
 */
export function clientErrorHandler(routing: DialectRoutingFilter) {
  return (error: Error & { code?: string; rawPacket?: unknown }, socket: Duplex): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'request header fields too large']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'request timeout']
          : [400, 'malformed HTTP request'];
    // Node hands over the bytes it was parsing (typed by Fastify as their JSON form).
    const raw = error.rawPacket;
    const head = Buffer.isBuffer(raw) ? raw.subarray(0, 4096).toString('latin1') : '';
    const line = /^([A-Z]{3,10}) (\/[^\s?#]*)/.exec(head);
    const id = randomUUID();
    const rendered = renderError(
      routing,
      new HttpException(message, status),
      line?.[1] ?? 'GET',
      line?.[2] ?? '/',
      id,
    );
    const body = JSON.stringify(rendered.body);
    const headers = {
      ...rendered.headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      'x-request-id': id,
      connection: 'close',
    };
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${rendered.status} ${STATUS_CODES[rendered.status] ?? ''}\r\n` +
          Object.entries(headers)
            .map(([name, value]) => `${name}: ${value}\r\n`)
            .join('') +
          `\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
