import { ApiParam, ApiResponse } from '@nestjs/swagger';
import { connectorTypeJson, findConnectorType } from '../../connectors/domain/connector-types';
import { ALWAYS, headersFor } from '../../openapi/response-headers';
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
  authStatus: null,
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
export const DISCONNECT_EXAMPLE = DELETE_EXAMPLE;
export const AUTHORIZE_EXAMPLE = success({
  redirectUrl:
    'https://slack.com/oauth/v2/authorize?response_type=code&client_id=gateway-client&redirect_uri=https%3A%2F%2Fgateway.example.com%2Fv1%2Fconnectors%2Foauth%2Ftoken&scope=channels%3Aread&state=HUHzB1Pp0XgrnClXvXhtHX3gJV-2qXK-Y8cLzluKW3M&code_challenge=qwXJ_VOUizDrlbZL4WVGcumlsDEP3duTUDtMUY7PR_o&code_challenge_method=S256',
});

export const SEARCH_EXAMPLES = {
  query: { summary: 'Search the connector for a phrase', value: { query: 'quarterly revenue' } },
};
export const SEARCH_RESULT_EXAMPLE = success({
  results: [
    { title: 'Q3 report', text: 'Revenue grew 12% over Q2.', url: 'https://wiki.example.com/q3' },
  ],
});

/** The connector type the type path example names, as the gateway serves it. */
export const TYPE_EXAMPLE_SLUG = 'slack';
const slackType = connectorTypeJson(findConnectorType(TYPE_EXAMPLE_SLUG)!);
export const TYPE_EXAMPLE = success(slackType);
export const TYPE_LIST_EXAMPLE = success({ items: [slackType] });

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
  409: 'Conflict — another update may have occurred. Retry with the latest version.',
  412: `precondition failed: connector '${EXAMPLE_ID}' has changed since it was read (If-Match)`,
  413: 'request body is too large',
  415: 'Unsupported Media Type',
  422: 'Idempotency-Key was already used with another request: send a new key',
  429: 'too many requests',
  502: 'connector answered 500',
  503: 'the database is unavailable: try again',
};

/** The search's 401s: a wrong key, or an OAuth connector this key has not authorized yet. */
export const SEARCH_401 = {
  invalid_key: MESSAGES[401],
  not_authorized: `not authorized for connector '${EXAMPLE_ID}': authorize first (POST .../connectors/${EXAMPLE_ID}/oauth/authorize)`,
};

/** authorize's 400: the connector has no `oauth` settings. */
export const NO_OAUTH = `connector '${EXAMPLE_ID}' has no oauth configuration`;

/** A create's 409: the same Idempotency-Key while its first request still runs. */
export const CREATE_409 = 'a request with this Idempotency-Key is still in progress: retry later';

/** A connector type's 404. */
export const TYPE_NOT_FOUND = `connector type 'no-such-type' not found`;

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: one `details` entry per invalid field',
  401: 'No API key, or an unknown one',
  403: 'A built-in connector cannot be deleted',
  404: 'No connector with this id in the organization',
  409: 'A version conflict (update: the `version` sent is stale), or a request with this Idempotency-Key still in progress (create)',
  412: 'If-Match no longer matches the connector (it changed since it was read)',
  413: 'Request body too large',
  415: 'A content type the gateway does not read (send Content-Type: application/json)',
  422: 'This Idempotency-Key was used with another request',
  429: 'Too many requests for this API key or address; see Retry-After',
  502: "The connector's server failed the call (its status is named, its body never shown)",
  503: 'The database cannot serve the request now; send it again after Retry-After',
};

/**
 * The given error statuses and the 429 and 503 every route may answer (rate limits, database
 * unavailable), each with its real envelope; `details` gives a route's own invalid fields for its
 * 400, `messages` a route's own message for a status, or several named ones when the status has
 * more than one cause.
 */
export const errors = (
  statuses: number[],
  details: Record<number, Detail[]> = {},
  messages: Record<number, string | Record<string, string>> = {},
) =>
  [...statuses, ...ALWAYS].map((status) => {
    const fields = details[status] ?? DETAILS[status] ?? [];
    // No example for a status nobody wrote one for: the examples test then says which is missing.
    const message =
      messages[status] ??
      (status === 409 && fields.length > 0
        ? MESSAGES[409]
        : fields.length > 0
          ? fields.map((d) => `${d.field}: ${d.reason}`).join('; ')
          : MESSAGES[status]);
    const body = (m: string) => ({
      code: status,
      details: fields,
      message: m,
      requestId: REQUEST_ID,
    });
    return ApiResponse({
      status,
      type: GenericErrorEnvelope,
      description: DESCRIPTIONS[status] ?? 'Error',
      ...headersFor(status),
      ...(message === undefined
        ? {}
        : typeof message === 'string'
          ? { example: body(message) }
          : {
              examples: Object.fromEntries(
                Object.entries(message).map(([name, m]) => [name, { summary: m, value: body(m) }]),
              ),
            }),
    });
  });
