import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConnectorShape } from '../connectors/domain/connector';
import type { WriteCondition } from '../connectors/domain/connector.input';
import { revisionOf } from '../connectors/domain/connector.revision';

type Versioned = Pick<
  ConnectorShape<unknown, unknown>,
  'organizationId' | 'id' | 'createdAt' | 'version'
>;

/** The strong ETag of a connector's revision: equal in every dialect for the same version. */
export function etagOf(c: Versioned): string {
  return `"${revisionOf(c)}"`;
}

/**
 * The entity tags of an `If-Match` / `If-None-Match` header: `*`, or the strong tags listed
 * (a weak tag never matches strongly, RFC 9110 13.1.1; what is not a tag is dropped, so a
 * malformed header matches nothing). Undefined when the header is absent.
 */
export function parseEntityTags(header: string | string[] | undefined): string[] | '*' | undefined {
  if (header === undefined) return undefined;
  const text = (Array.isArray(header) ? header.join(',') : header).trim();
  if (text === '*') return '*';
  const tags: string[] = [];
  for (const match of text.matchAll(/(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"/g)) {
    if (!match[1] && match[2] !== undefined) tags.push(match[2]);
  }
  return tags;
}

/** `If-Match` as a write condition (none when absent). */
export function ifMatchConditions(headers: FastifyRequest['headers']): WriteCondition[] {
  const tags = parseEntityTags(headers['if-match']);
  return tags === undefined ? [] : [{ kind: 'revision', revisions: tags }];
}

/** `If-None-Match: *` on a create: only when no connector has the chosen id. */
export function ifNoneMatchConditions(headers: FastifyRequest['headers']): WriteCondition[] {
  return parseEntityTags(headers['if-none-match']) === '*' ? [{ kind: 'absent' }] : [];
}

/** What a controller needs for conditional HTTP: the request's conditions and the ETag setter. */
export interface HttpConditions {
  /** `If-Match` (update, delete). */
  ifMatch: WriteCondition[];
  /** `If-None-Match: *` (create). */
  ifNoneMatch: WriteCondition[];
  /** Sends the connector's strong ETag with the response. */
  etag(c: Versioned): void;
}

/** `@Conditions() conditions: HttpConditions` in a single-connector route. */
export const Conditions = createParamDecorator(
  (_: unknown, context: ExecutionContext): HttpConditions => {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    return {
      ifMatch: ifMatchConditions(request.headers),
      ifNoneMatch: ifNoneMatchConditions(request.headers),
      etag: (c) => void reply.header('etag', etagOf(c)),
    };
  },
);
