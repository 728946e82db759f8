import { ApiParam, ApiResponse } from '@nestjs/swagger';
import { GenericErrorEnvelope } from './dto/generic.responses';

/**
 * The examples of the generic document: request bodies the routes accept as they are (Swagger
 * UI's "Try it out" sends the first one), and for each status the body the gateway really
 * answers. test/openapi-examples.e2e-spec.ts validates each against its schema and sends each
 * request.
 */

/** The connector the path examples name (test/openapi-examples.e2e-spec.ts creates it first). */
export const EXAMPLE_ID = 'team-slack-kh3g8q';

/** The `{id}` path parameter, with an example. */
export const IdParam = () =>
  ApiParam({ name: 'id', description: 'Connector ID', example: EXAMPLE_ID });

const REQUEST_ID = '6f1c2a4e-8b3d-4f5a-9c7e-2d1b0a9f8e7d';

const connector = {
  id: EXAMPLE_ID,
  name: 'Team Slack',
  description: 'Posts alerts to #alerts.',
  type: 'slack',
  provider: '',
  organizationId: 'acme',
  createdAt: '2026-05-04T09:30:00.000Z',
  createdBy: 'key_3f9a0c1d2e4b5a69',
  updatedAt: '2026-05-04T09:30:00.000Z',
  updatedBy: 'key_3f9a0c1d2e4b5a69',
  maskedData: { channel: '#alerts', bot_token: '******' },
  version: 1,
};

export const CREATE_EXAMPLES = {
  slack: {
    summary: 'A Slack connector whose bot token is stored encrypted',
    value: {
      name: 'Team Slack',
      type: 'slack',
      description: 'Posts alerts to #alerts.',
      data: { channel: '#alerts', bot_token: 'xoxb-example-token' },
    },
  },
};

export const UPDATE_EXAMPLES = {
  merge: {
    summary: 'Rename it and move it to another channel (data merges key by key)',
    value: {
      name: 'Team Slack (EU)',
      description: 'Posts alerts to #alerts-eu.',
      data: { channel: '#alerts-eu' },
    },
  },
};

const success = <T>(data: T) => ({ code: 200, data, message: 'success', requestId: REQUEST_ID });

export const CONNECTOR_EXAMPLE = success(connector);
export const LIST_EXAMPLE = success({ items: [connector], limit: 20, offset: 0, hasMore: false });
export const DELETE_EXAMPLE = { code: 200, message: 'success', requestId: REQUEST_ID };

type Detail = { field: string; reason: string };

/** The details of each error status (a 400 lists the invalid fields; the others none). */
const DETAILS: Record<number, Detail[]> = {
  400: [{ field: 'type', reason: 'is required' }],
  409: [
    {
      field: 'version',
      reason: `version conflict: connector '${EXAMPLE_ID}' is at version 4, not 3`,
    },
  ],
};

/** The message each error status answers with. */
const MESSAGES: Record<number, string> = {
  400: 'type: is required',
  401: 'invalid api token',
  403: 'builtin connector cannot be deleted',
  404: `connector '${EXAMPLE_ID}' not found`,
  412: `precondition failed: connector '${EXAMPLE_ID}' has changed since it was read (If-Match)`,
  413: 'request body is too large',
  415: 'Unsupported Media Type',
  429: 'too many requests',
};

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: one `details` entry per invalid field',
  401: 'No API key, or an unknown one',
  403: 'A built-in connector cannot be deleted',
  404: 'No connector with this id in the organization',
  409: 'Conflict — another update may have occurred. Retry with the latest version.',
  412: 'If-Match no longer matches the connector (it changed since it was read)',
  413: 'Request body too large',
  415: 'A content type the gateway does not read (send Content-Type: application/json)',
  429: 'Too many requests for this API key or address; see Retry-After',
};

/**
 * The given error statuses and the 429 every route may answer (rate limits), each with its real
 * envelope; `details` gives a route's own invalid fields for its 400.
 */
export const errors = (statuses: number[], details: Record<number, Detail[]> = {}) =>
  [...statuses, 429].map((status) => {
    const fields = details[status] ?? DETAILS[status] ?? [];
    // No example for a status nobody wrote one for: the examples test then says which is missing.
    const message =
      status === 409
        ? 'Conflict — another update may have occurred. Retry with the latest version.'
        : fields.length > 0
          ? fields.map((d) => `${d.field}: ${d.reason}`).join('; ')
          : MESSAGES[status];
    return ApiResponse({
      status,
      type: GenericErrorEnvelope,
      description: DESCRIPTIONS[status] ?? 'Error',
      ...(message === undefined
        ? {}
        : { example: { code: status, details: fields, message, requestId: REQUEST_ID } }),
    });
  });
