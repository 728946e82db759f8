import { performance } from 'node:perf_hooks';
import {
  applyDecorators,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Put,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiExcludeEndpoint,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyGuard, CurrentActor } from '../../auth/api-key.guard';
import { APP_CONFIG, type RuntimeConfig } from '../../config/runtime';
import { Conditions, type HttpConditions } from '../../conditional/http-conditions';
import { ConnectorsService } from '../../connectors/connectors.service';
import { ConnectorVersionConflictError } from '../../connectors/domain/connector.errors';
import type { Actor, WriteCondition } from '../../connectors/domain/connector.input';
import { dialectValidationPipe, RequestValidationError } from '../../http/request-validation';
import { Idempotent } from '../../idempotency/idempotency.hooks';
import { OAuthService } from '../../oauth/oauth.service';
import {
  CocoExceptionFilter,
  CocoVersionConflictError,
  PRIMARY_TERM,
} from './coco-exception.filter';
import {
  CREATE_409,
  CREATE_EXAMPLES,
  CREATED_EXAMPLE,
  DELETED_EXAMPLE,
  errors,
  GET_EXAMPLE,
  IdParam,
  NOT_FOUND_GET_EXAMPLE,
  NOT_FOUND_RESULT_EXAMPLE,
  NO_OAUTH,
  OAUTH_CONNECT_HEADERS,
  SEARCH_EXAMPLE,
  SEARCH_EXAMPLES,
  UPDATE_EXAMPLES,
  UPDATED_EXAMPLE,
} from './coco.examples';
import { parseSearchRequest, singleParam } from './coco-search.parser';
import { CocoMapper } from './coco.mapper';
import { CreateCocoConnectorDto, UpdateCocoConnectorDto } from './dto/coco.requests';
import {
  CocoCreatedResponse,
  CocoGetResponse,
  CocoResultResponse,
  CocoSearchResponse,
  CocoTermsResult,
} from './dto/coco.responses';

/**
 * Coco clients PUT back the whole object they loaded (and real Coco ignores what it does not
 * know), so unknown fields are dropped, not refused; the known ones are type-checked.
 */
const validation = dialectValidationPipe({ forbidUnknownFields: false });

/**
 * A create or update body, checked by hand rather than by a parameter pipe so that a body that is
 * not a JSON object at all (none, an array, a string) is told so, not sent through field checks.
 */
async function readBody<T>(raw: unknown, metatype: new () => T): Promise<T> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new RequestValidationError([{ field: 'body', reason: 'must be a JSON object' }]);
  }
  return (await validation.transform(raw, { type: 'body', metatype })) as T;
}

/** `?replace`: absent is false; given with no value, true; given twice, a 400 (`singleParam`). */
function replaceFlag(query: Record<string, unknown>): boolean {
  const raw = singleParam(query, 'replace');
  if (raw === undefined) return false;
  const v = raw.trim().toLowerCase();
  if (v === '' || v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new RequestValidationError([{ field: 'replace', reason: 'must be true or false' }]);
}

/**
 * Elasticsearch's optimistic concurrency: `if_seq_no` and `if_primary_term`, given together. As a
 * write condition on the version (`_seq_no` = version - 1; a primary term other than 1 never
 * matches), with what the 409 must name.
 */
function seqNoCondition(
  query: Record<string, unknown>,
): { condition: WriteCondition; seqNo: number; primaryTerm: number } | null {
  const seqNo = singleParam(query, 'if_seq_no');
  const term = singleParam(query, 'if_primary_term');
  if (seqNo === undefined && term === undefined) return null;
  const number = (raw: string | undefined, field: string): number => {
    if (raw === undefined || !/^\d{1,15}$/.test(raw.trim())) {
      throw new RequestValidationError([
        { field, reason: 'if_seq_no and if_primary_term go together, each a non-negative integer' },
      ]);
    }
    return Number(raw.trim());
  };
  const n = number(seqNo, 'if_seq_no');
  const m = number(term, 'if_primary_term');
  return {
    condition: { kind: 'version', version: m === PRIMARY_TERM ? n + 1 : 0 },
    seqNo: n,
    primaryTerm: m,
  };
}

/** Runs a write under `if_seq_no`; a stale one is Elasticsearch's version conflict. */
async function withSeqNo<T>(
  id: string,
  seq: ReturnType<typeof seqNoCondition>,
  write: (conditions: WriteCondition[]) => Promise<T>,
  ifMatch: WriteCondition[],
): Promise<T> {
  try {
    return await write(seq ? [...ifMatch, seq.condition] : ifMatch);
  } catch (error) {
    if (seq && error instanceof ConnectorVersionConflictError) {
      throw new CocoVersionConflictError(id, seq.seqNo, seq.primaryTerm, error.current);
    }
    throw error;
  }
}
const SIZE_REASON = 'size: must be a non-negative integer';

const SEARCH_PARAMS = [
  {
    name: 'query',
    description:
      'Full text over name, description, category, tags and processor name; every word must match a word or its beginning.',
  },
  { name: 'from', description: 'Hits to skip (default 0).' },
  { name: 'size', description: 'Hits to return (default 10; from + size at most 10,000).' },
  {
    name: 'sort',
    description:
      'e.g. `created:desc,name` (default created:desc). Fields: id, name, category, created, updated, enabled, builtin, processor.name, _score.',
  },
  {
    name: 'filter',
    description:
      'Repeatable: `field:value`, `-field:value`, `field:any(a,b)`, `exists(field)`, `-exists(field)`. Fields: id, name, category, tags, enabled, builtin, processor.enabled, processor.name.',
    isArray: true,
  },
  {
    name: '_source_includes',
    description: 'Comma list of fields (dotted paths, `*` wildcards) to keep in `_source`.',
  },
  { name: '_source_excludes', description: 'Comma list of fields to drop from `_source`.' },
].map((p) => ApiQuery({ ...p, required: false, type: String }));

/** Elasticsearch's optimistic concurrency parameters, on update and delete. */
const SEQ_NO_PARAMS = [
  ApiQuery({
    name: 'if_seq_no',
    required: false,
    type: Number,
    example: 0,
    description: 'Write only if the connector is still at this `_seq_no` (409 otherwise).',
  }),
  ApiQuery({
    name: 'if_primary_term',
    required: false,
    type: Number,
    example: 1,
    description: 'With `if_seq_no`: always 1 here.',
  }),
];

/** Coco Server's connector API, at the root and under /coco. */
@ApiTags('Coco Server connectors')
@ApiSecurity('X-API-TOKEN')
@ApiBearerAuth()
@ApiExtraModels(CocoTermsResult)
@Controller(['connector', 'coco/connector'])
@UseGuards(ApiKeyGuard)
@UseFilters(CocoExceptionFilter)
export class CocoConnectorsController {
  constructor(
    private readonly connectors: ConnectorsService,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
    private readonly oauth: OAuthService,
  ) {}

  @Post()
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({
    summary: 'Create a Connector',
    description:
      'Also answered at `/connector/` (with the trailing slash, as the seed calls it). A client may choose the `id`.',
  })
  @ApiBody({ type: CreateCocoConnectorDto, examples: CREATE_EXAMPLES })
  @ApiOkResponse({ type: CocoCreatedResponse, example: CREATED_EXAMPLE })
  @applyDecorators(...errors([400, 401, 409, 412, 413, 422], { 409: CREATE_409 }))
  async create(
    @CurrentActor() actor: Actor,
    @Body(validation) raw: unknown,
    @Conditions() conditions: HttpConditions,
  ): Promise<CocoCreatedResponse> {
    const body = await readBody(raw, CreateCocoConnectorDto);
    const created = await this.connectors.create(
      actor,
      CocoMapper.toNewConnector(body),
      conditions.ifNoneMatch,
    );
    conditions.etag(created);
    return { _id: created.id, result: 'created', ...CocoMapper.versionFields(created.version) };
  }

  /**
   * `POST /connector/` — Nest folds a trailing slash into `/connector`, Fastify does not: this
   * wildcard route receives the slash form (and answers 404 for any longer path).
   */
  @Post('*')
  @HttpCode(200)
  @Idempotent()
  @ApiExcludeEndpoint()
  async createWithSlash(
    @CurrentActor() actor: Actor,
    @Req() request: FastifyRequest,
    @Body(validation) raw: unknown,
    @Conditions() conditions: HttpConditions,
  ): Promise<CocoCreatedResponse> {
    const rest = (request.params as Record<string, string | undefined>)['*'] ?? '';
    if (rest !== '') throw new NotFoundException(`Cannot POST ${request.url.split('?')[0] ?? ''}`);
    return this.create(actor, raw, conditions);
  }

  @Get('_search')
  @ApiOperation({
    summary: 'Search Connectors',
    description:
      'Newest first by default. `hits.total` is exact up to 10,000 (`relation: "eq"`), then `{"value": 10000, "relation": "gte"}`.',
  })
  @applyDecorators(...SEARCH_PARAMS)
  @ApiOkResponse({ type: CocoSearchResponse, example: SEARCH_EXAMPLE })
  @applyDecorators(...errors([400, 401], { 400: SIZE_REASON }))
  search(
    @CurrentActor() actor: Actor,
    @Query(validation) query: Record<string, unknown>,
  ): Promise<CocoSearchResponse> {
    return this.runSearch(actor, query, undefined);
  }

  @Post('_search')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Search Connectors (Elasticsearch-style body)',
    description:
      'Body keys: `query` (match_all, query_string, simple_query_string, multi_match, term, terms, ids, exists, bool with must/filter/must_not), `from`, `size`, `sort`, `aggs` (terms on category or tags), `_source`, `track_total_hits`. URL parameters win over the body.',
  })
  @applyDecorators(...SEARCH_PARAMS)
  @ApiBody({ schema: { type: 'object', additionalProperties: true }, examples: SEARCH_EXAMPLES })
  @ApiOkResponse({ type: CocoSearchResponse, example: SEARCH_EXAMPLE })
  @applyDecorators(...errors([400, 401, 413], { 400: SIZE_REASON }))
  searchWithBody(
    @CurrentActor() actor: Actor,
    @Query(validation) query: Record<string, unknown>,
    @Body(validation) body: unknown,
  ): Promise<CocoSearchResponse> {
    return this.runSearch(actor, query, body);
  }

  @Get(':id')
  @ApiOperation({ summary: 'View a Connector' })
  @IdParam()
  @ApiOkResponse({ type: CocoGetResponse, example: GET_EXAMPLE })
  @ApiResponse({
    status: 404,
    type: CocoGetResponse,
    description: '`{"_id": "...", "found": false}`',
    example: NOT_FOUND_GET_EXAMPLE,
  })
  @applyDecorators(...errors([401]))
  async get(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Conditions() conditions: HttpConditions,
  ): Promise<CocoGetResponse> {
    const connector = await this.connectors.get(actor, id);
    conditions.etag(connector);
    return {
      _id: connector.id,
      ...CocoMapper.versionFields(connector.version),
      _source: CocoMapper.toSource(connector),
      found: true,
    };
  }

  @Get(':id/oauth_connect')
  @ApiOperation({
    summary: "Start the connector's OAuth authorization",
    description:
      "302 to the data source's authorization URL, as Coco's admin UI expects. After approval the provider redirects to GET /v1/connectors/oauth/token, which stores the tokens for the calling API key. `after_token_redirect`: where that callback sends the browser next.",
  })
  @IdParam()
  @ApiQuery({ name: 'after_token_redirect', required: false, type: String })
  @ApiResponse({
    status: 302,
    description: 'Location: the authorization URL',
    headers: OAUTH_CONNECT_HEADERS,
  })
  @ApiResponse({
    status: 404,
    type: CocoGetResponse,
    description: '`{"_id": "...", "found": false}`',
    example: NOT_FOUND_GET_EXAMPLE,
  })
  @applyDecorators(...errors([400, 401], { 400: NO_OAUTH }))
  async oauthConnect(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Query(validation) query: Record<string, unknown>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const after = singleParam(query, 'after_token_redirect');
    const url = await this.oauth.start(actor, id, after);
    void reply.status(302).header('location', url).header('cache-control', 'no-store').send();
  }

  @Put(':id')
  @ApiOperation({
    summary: 'Update a Connector',
    description:
      "Merges by default: only the fields sent change, and `config`, `assets` and `processor` merge key by key (arrays and scalars replace). `?replace=true` sets every Coco field, those left out cleared. `id`, `created` and `builtin` are the server's; secrets sent back masked keep their stored values.",
  })
  @IdParam()
  @ApiQuery({ name: 'replace', required: false, type: Boolean })
  @applyDecorators(...SEQ_NO_PARAMS)
  @ApiBody({ type: UpdateCocoConnectorDto, examples: UPDATE_EXAMPLES })
  @ApiOkResponse({ type: CocoResultResponse, example: UPDATED_EXAMPLE })
  @ApiResponse({
    status: 404,
    type: CocoResultResponse,
    description: '`{"_id": "...", "result": "not_found"}`',
    example: NOT_FOUND_RESULT_EXAMPLE,
  })
  @applyDecorators(
    ...errors([400, 401, 409, 412, 413], { 400: 'enabled: must be a boolean value' }),
  )
  async update(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Query(validation) query: Record<string, unknown>,
    @Body(validation) raw: unknown,
    @Conditions() conditions: HttpConditions,
  ): Promise<CocoResultResponse> {
    const replace = replaceFlag(query);
    const seq = seqNoCondition(query);
    const body = await readBody(raw, UpdateCocoConnectorDto);
    const changes = CocoMapper.toChanges(body, replace);
    const updated = await withSeqNo(
      id,
      seq,
      (all) => this.connectors.update(actor, id, changes, all),
      conditions.ifMatch,
    );
    conditions.etag(updated);
    return { _id: updated.id, result: 'updated', ...CocoMapper.versionFields(updated.version) };
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Delete a Connector',
    description: 'Built-in connectors cannot be deleted (403).',
  })
  @IdParam()
  @ApiOkResponse({ type: CocoResultResponse, example: DELETED_EXAMPLE })
  @ApiResponse({
    status: 404,
    type: CocoResultResponse,
    description: '`{"_id": "...", "result": "not_found"}`',
    example: NOT_FOUND_RESULT_EXAMPLE,
  })
  @applyDecorators(...SEQ_NO_PARAMS)
  @applyDecorators(...errors([401, 403, 409, 412]))
  async delete(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Query(validation) query: Record<string, unknown>,
    @Conditions() conditions: HttpConditions,
  ): Promise<CocoResultResponse> {
    const seq = seqNoCondition(query);
    const deleted = await withSeqNo(
      id,
      seq,
      (all) => this.connectors.delete(actor, id, all),
      conditions.ifMatch,
    );
    // As in Elasticsearch, a delete is one more version of the document.
    return { _id: id, result: 'deleted', ...CocoMapper.versionFields(deleted.version + 1) };
  }

  private async runSearch(
    actor: Actor,
    query: Record<string, unknown>,
    body: unknown,
  ): Promise<CocoSearchResponse> {
    const started = performance.now();
    const request = parseSearchRequest(query, body);
    const spec = CocoMapper.toSearchSpec(request, this.config.searchTrackTotalHits);
    const result = await this.connectors.search(actor, spec);
    return CocoMapper.toSearchResponse(result, request, Math.round(performance.now() - started));
  }
}
