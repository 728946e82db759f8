import { ApiParam, ApiResponse } from '@nestjs/swagger';
import { ALWAYS, headersFor } from '../../openapi/response-headers';
import { CohereErrorBody } from './dto/cohere.responses';

/**
 * The examples of the Cohere document: request bodies the routes accept as they are (Swagger UI's
 * "Try it out" sends the first one), and for each status the body the gateway really answers.
 * test/openapi-examples.e2e-spec.ts validates each against its schema and sends each request.
 */

/** The connector the path examples name (test/openapi-examples.e2e-spec.ts creates it first). */
export const EXAMPLE_ID = 'internal-wiki-kh3g8q';

/** The `{id}` path parameter, with an example. */
export const IdParam = () =>
  ApiParam({ name: 'id', description: 'Connector ID', example: EXAMPLE_ID });

const connector = {
  id: EXAMPLE_ID,
  organization_id: 'acme',
  name: 'Internal wiki',
  description: 'Searches the company wiki.',
  url: 'https://wiki.example.com/search',
  created_at: '2026-05-04T09:30:00.000Z',
  updated_at: '2026-05-04T09:30:00.000Z',
  excludes: ['drafts'],
  auth_type: 'service_auth',
  active: true,
  continue_on_failure: false,
};

export const CREATE_EXAMPLES = {
  service_auth: {
    summary: 'A search endpoint called with a bearer token',
    value: {
      name: 'Internal wiki',
      description: 'Searches the company wiki.',
      url: 'https://wiki.example.com/search',
      excludes: ['drafts'],
      service_auth: { type: 'bearer', token: 'wiki-search-token' },
      active: true,
      continue_on_failure: false,
    },
  },
  oauth: {
    summary: 'A search endpoint each user authorizes with OAuth',
    value: {
      name: 'Team drive',
      description: "Searches the user's team drive.",
      url: 'https://drive.example.com/search',
      oauth: {
        client_id: 'gateway-client',
        client_secret: 'drive-client-secret',
        authorize_url: 'https://auth.example.com/oauth/authorize',
        token_url: 'https://auth.example.com/oauth/token',
        scope: 'files.read',
      },
    },
  },
};

export const UPDATE_EXAMPLES = {
  description: {
    summary: 'Change the description and the excluded fields',
    value: {
      description: 'Searches the company wiki and its archive.',
      excludes: ['drafts', 'archive.private'],
    },
  },
};

export const CONNECTOR_EXAMPLE = { connector };
export const LIST_EXAMPLE = { connectors: [connector], total_count: 1 };
export const AUTHORIZE_EXAMPLE = {
  redirect_url:
    'https://auth.example.com/oauth/authorize?response_type=code&client_id=gateway-client&redirect_uri=https%3A%2F%2Fgateway.example.com%2Fv1%2Fconnectors%2Foauth%2Ftoken&scope=files.read&state=HUHzB1Pp0XgrnClXvXhtHX3gJV-2qXK-Y8cLzluKW3M&code_challenge=qwXJ_VOUizDrlbZL4WVGcumlsDEP3duTUDtMUY7PR_o&code_challenge_method=S256',
};

export const SEARCH_EXAMPLES = {
  query: { summary: 'Search the connector for a phrase', value: { query: 'quarterly revenue' } },
};

/** What the connector answered, less the fields its `excludes` name. */
export const SEARCH_RESULT_EXAMPLE = {
  results: [
    { title: 'Q3 report', text: 'Revenue grew 12% over Q2.', url: 'https://wiki.example.com/q3' },
  ],
};

/** The message each error status answers with. */
const MESSAGES: Record<number, string> = {
  400: 'url: must be an absolute http(s) URL',
  401: 'invalid api token',
  403: 'builtin connector cannot be deleted',
  404: `connector '${EXAMPLE_ID}' not found`,
  409: 'a request with this Idempotency-Key is still in progress: retry later',
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

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request',
  401: 'No API key, or an unknown one',
  403: 'A built-in connector cannot be deleted',
  404: 'No connector with this id in the organization',
  409: 'A request with this Idempotency-Key is still in progress',
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
 * unavailable), each with its real body; `messages` gives a route's own message for a status
 * (e.g. its 400), or several named ones when the status has more than one cause.
 */
export const errors = (
  statuses: number[],
  messages: Record<number, string | Record<string, string>> = {},
) =>
  [...statuses, ...ALWAYS].map((status) => {
    // No example for a status nobody wrote one for: the examples test then says which is missing.
    const message = messages[status] ?? MESSAGES[status];
    return ApiResponse({
      status,
      type: CohereErrorBody,
      description: DESCRIPTIONS[status] ?? 'Error',
      ...headersFor(status),
      ...(message === undefined
        ? {}
        : typeof message === 'string'
          ? { example: { message } }
          : {
              examples: Object.fromEntries(
                Object.entries(message).map(([name, m]) => [
                  name,
                  { summary: m, value: { message: m } },
                ]),
              ),
            }),
    });
  });
