import { ApiParam, ApiResponse } from '@nestjs/swagger';
import { ALWAYS, headersFor } from '../../openapi/response-headers';
import { CocoErrorBody } from './dto/coco.responses';

/**
 * The examples of the Coco document: request bodies the routes accept as they are (Swagger UI's
 * "Try it out" sends the first one), and for each status the body the gateway really answers.
 * test/openapi-examples.e2e-spec.ts validates each against its schema and sends each request.
 */

/** The connector the path examples name (test/openapi-examples.e2e-spec.ts creates it first). */
export const EXAMPLE_ID = 'team-github-d07abc';

/** The `{id}` path parameter, with an example. */
export const IdParam = () =>
  ApiParam({ name: 'id', description: 'Connector ID', example: EXAMPLE_ID });

const source = {
  id: EXAMPLE_ID,
  created: '2026-05-04T09:30:00.000Z',
  updated: '2026-05-04T09:30:00.000Z',
  name: 'Team GitHub',
  description: "Indexes the team's repositories, issues and pull requests.",
  category: 'website',
  icon: 'font_github',
  tags: ['github', 'code'],
  url: 'https://github.com',
  path_hierarchy: false,
  assets: { icons: { default: '/assets/icons/connector/github/icon.png' } },
  builtin: false,
  config: { token: '******', repos: ['acme/handbook'] },
  oauth_connect_implemented: false,
  processor: { enabled: true, name: 'github' },
  enabled: true,
};

export const CREATE_EXAMPLES = {
  github: {
    summary: 'A GitHub connector with a token in its config',
    value: {
      name: 'Team GitHub',
      description: "Indexes the team's repositories, issues and pull requests.",
      category: 'website',
      icon: 'font_github',
      tags: ['github', 'code'],
      url: 'https://github.com',
      config: { token: 'ghp_exampletoken', repos: ['acme/handbook'] },
      processor: { enabled: true, name: 'github' },
      assets: { icons: { default: '/assets/icons/connector/github/icon.png' } },
      enabled: true,
    },
  },
};

export const UPDATE_EXAMPLES = {
  merge: {
    summary: 'Change the description and add a repository (config merges key by key)',
    value: {
      description: 'Indexes the handbook and the wiki.',
      config: { repos: ['acme/handbook', 'acme/wiki'] },
    },
  },
};

export const SEARCH_EXAMPLES = {
  match: {
    summary: 'Connectors whose text matches "github", newest first',
    value: { query: { query_string: { query: 'github' } }, from: 0, size: 10 },
  },
  categories: {
    summary: 'Count connectors per category',
    value: { aggs: { categories: { terms: { field: 'category', size: 100 } } }, size: 0 },
  },
};

/** Elasticsearch's version fields (`_seq_no` = `_version` - 1, one primary term). */
const version = (v: number) => ({ _version: v, _seq_no: v - 1, _primary_term: 1 });
export const CREATED_EXAMPLE = { _id: EXAMPLE_ID, result: 'created', ...version(1) };
export const UPDATED_EXAMPLE = { _id: EXAMPLE_ID, result: 'updated', ...version(2) };
export const DELETED_EXAMPLE = { _id: EXAMPLE_ID, result: 'deleted', ...version(3) };
export const NOT_FOUND_RESULT_EXAMPLE = { _id: EXAMPLE_ID, result: 'not_found' };
export const GET_EXAMPLE = { _id: EXAMPLE_ID, ...version(2), _source: source, found: true };
export const NOT_FOUND_GET_EXAMPLE = { _id: EXAMPLE_ID, found: false };
export const SEARCH_EXAMPLE = {
  took: 3,
  timed_out: false,
  _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
  hits: {
    total: { value: 1, relation: 'eq' },
    max_score: null,
    hits: [{ _index: 'connector', _type: '_doc', _id: EXAMPLE_ID, _score: null, _source: source }],
  },
  aggregations: {
    categories: {
      doc_count_error_upper_bound: 0,
      sum_other_doc_count: 0,
      buckets: [{ key: 'website', doc_count: 1 }],
    },
  },
};

/** The reason each error status answers with. */
const REASONS: Record<number, string> = {
  400: 'name: should not be empty; name: must be a string',
  401: 'invalid login',
  403: 'builtin connector cannot be deleted',
  409: `connector '${EXAMPLE_ID}' already exists`,
  412: `precondition failed: connector '${EXAMPLE_ID}' has changed since it was read (If-Match)`,
  413: 'request body is too large',
  422: 'Idempotency-Key was already used with another request: send a new key',
  429: 'too many requests',
  503: 'the database is unavailable: try again',
};

/** A create's 409s: the id is taken, or the same Idempotency-Key is still being answered. */
export const CREATE_409 = {
  exists: REASONS[409],
  in_progress: 'a request with this Idempotency-Key is still in progress: retry later',
};

/** oauth_connect's 400: the connector has no `oauth` settings. */
export const NO_OAUTH = `connector '${EXAMPLE_ID}' has no oauth configuration`;

/** oauth_connect's 302: where the browser goes (the data source's authorization URL). */
export const OAUTH_CONNECT_HEADERS = {
  Location: {
    description:
      "The data source's authorization URL (response_type=code, client_id, redirect_uri, scope, state, PKCE S256 code_challenge)",
    schema: {
      type: 'string',
      example:
        'https://auth.example.com/oauth/authorize?response_type=code&client_id=gateway-client&redirect_uri=https%3A%2F%2Fgateway.example.com%2Fv1%2Fconnectors%2Foauth%2Ftoken&scope=repo&state=HUHzB1Pp0XgrnClXvXhtHX3gJV-2qXK-Y8cLzluKW3M&code_challenge=qwXJ_VOUizDrlbZL4WVGcumlsDEP3duTUDtMUY7PR_o&code_challenge_method=S256',
    },
  },
};

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request',
  401: 'No API key, or an unknown one',
  403: 'A built-in connector cannot be deleted',
  409: 'A connector with this id exists or a request with this Idempotency-Key is in progress (create); if_seq_no / if_primary_term no longer match (update, delete: `{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"[id]: version conflict, required seqNo [N], primary term [M]. current document has seqNo [X] and primary term [Y]"}}`)',
  412: 'If-Match no longer matches the connector, or If-None-Match: * and the id exists',
  413: 'Request body too large',
  422: 'This Idempotency-Key was used with another request',
  429: 'Too many requests for this API key or address; see Retry-After',
  503: 'The database cannot serve the request now; send it again after Retry-After',
};

/**
 * The given error statuses and the 429 and 503 every route may answer (rate limits, database
 * unavailable), each with its real body `{"status": N, "error": {"reason": "..."}}`; `reasons`
 * gives a route's own reason, or several named ones when the status has more than one cause.
 */
export const errors = (
  statuses: number[],
  reasons: Record<number, string | Record<string, string>> = {},
) =>
  [...statuses, ...ALWAYS].map((status) => {
    // No example for a status nobody wrote one for: the examples test then says which is missing.
    const reason = reasons[status] ?? REASONS[status];
    const body = (r: string) => ({ status, error: { reason: r } });
    return ApiResponse({
      status,
      type: CocoErrorBody,
      description: DESCRIPTIONS[status] ?? 'Error',
      ...headersFor(status),
      ...(reason === undefined
        ? {}
        : typeof reason === 'string'
          ? { example: body(reason) }
          : {
              examples: Object.fromEntries(
                Object.entries(reason).map(([name, r]) => [name, { summary: r, value: body(r) }]),
              ),
            }),
    });
  });
