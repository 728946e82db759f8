import {
  applyDecorators,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { ApiKeyGuard, CurrentActor } from '../../auth/api-key.guard';
import { ConnectorSearch } from '../../connector-calls/connector-search';
import { Conditions, type HttpConditions } from '../../conditional/http-conditions';
import { ConnectorsService } from '../../connectors/connectors.service';
import type { Actor } from '../../connectors/domain/connector.input';
import { Idempotent } from '../../idempotency/idempotency.hooks';
import { DIALECT_VALIDATION } from '../../http/request-validation';
import { OAuthService } from '../../oauth/oauth.service';
import { CohereExceptionFilter } from './cohere-exception.filter';
import {
  AUTHORIZE_EXAMPLE,
  CONNECTOR_EXAMPLE,
  CREATE_EXAMPLES,
  errors,
  EXAMPLE_ID,
  IdParam,
  LIST_EXAMPLE,
  SEARCH_401,
  SEARCH_EXAMPLES,
  SEARCH_RESULT_EXAMPLE,
  UPDATE_EXAMPLES,
} from './cohere.examples';
import { CohereMapper } from './cohere.mapper';
import {
  CreateConnectorDto,
  ListConnectorsQuery,
  OAuthAuthorizeQuery,
  UpdateConnectorDto,
} from './dto/cohere.requests';
import {
  CohereConnectorResponse,
  CohereDeleteResponse,
  CohereListConnectorsResponse,
  CohereOAuthAuthorizeResponse,
} from './dto/cohere.responses';
import { CohereSearchResponse, SearchConnectorDto } from './dto/cohere.search';

const DEFAULT_LIMIT = 30;

const NO_OAUTH = `connector '${EXAMPLE_ID}' has no oauth configuration`;

/** Cohere v1 connectors, at the root and under /cohere. */
@ApiTags('Cohere v1 connectors')
@ApiSecurity('X-API-TOKEN')
@ApiBearerAuth()
@Controller(['v1/connectors', 'cohere/v1/connectors'])
@UseGuards(ApiKeyGuard)
@UseFilters(CohereExceptionFilter)
export class CohereConnectorsController {
  constructor(
    private readonly connectors: ConnectorsService,
    private readonly oauth: OAuthService,
    private readonly calls: ConnectorSearch,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'List Connectors',
    description: 'Newest first, with the exact total_count.',
  })
  @ApiOkResponse({ type: CohereListConnectorsResponse, example: LIST_EXAMPLE })
  @applyDecorators(...errors([400, 401], { 400: 'limit: must not be greater than 100' }))
  async list(
    @CurrentActor() actor: Actor,
    @Query(DIALECT_VALIDATION) query: ListConnectorsQuery,
  ): Promise<CohereListConnectorsResponse> {
    const page = await this.connectors.list(actor, {
      limit: query.limit || DEFAULT_LIMIT,
      offset: query.offset ?? 0,
    });
    return {
      connectors: page.items.map((c) => CohereMapper.toResponse(c)),
      total_count: page.total,
    };
  }

  @Post()
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({ summary: 'Create a Connector' })
  @ApiBody({ type: CreateConnectorDto, examples: CREATE_EXAMPLES })
  @ApiOkResponse({ type: CohereConnectorResponse, example: CONNECTOR_EXAMPLE })
  @applyDecorators(...errors([400, 401, 409, 412, 413, 415, 422]))
  async create(
    @CurrentActor() actor: Actor,
    @Body(DIALECT_VALIDATION) body: CreateConnectorDto,
    @Conditions() conditions: HttpConditions,
  ): Promise<CohereConnectorResponse> {
    const created = await this.connectors.create(
      actor,
      CohereMapper.toNewConnector(body),
      conditions.ifNoneMatch,
    );
    conditions.etag(created);
    return { connector: CohereMapper.toResponse(created) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a Connector' })
  @IdParam()
  @ApiOkResponse({ type: CohereConnectorResponse, example: CONNECTOR_EXAMPLE })
  @applyDecorators(...errors([401, 404]))
  async get(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Conditions() conditions: HttpConditions,
  ): Promise<CohereConnectorResponse> {
    const connector = await this.connectors.get(actor, id);
    conditions.etag(connector);
    return { connector: CohereMapper.toResponse(connector) };
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Update a Connector', description: 'Omitted fields are not updated.' })
  @IdParam()
  @ApiBody({ type: UpdateConnectorDto, examples: UPDATE_EXAMPLES })
  @ApiOkResponse({ type: CohereConnectorResponse, example: CONNECTOR_EXAMPLE })
  @applyDecorators(...errors([400, 401, 404, 412, 413, 415]))
  async update(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body(DIALECT_VALIDATION) body: UpdateConnectorDto,
    @Conditions() conditions: HttpConditions,
  ): Promise<CohereConnectorResponse> {
    const updated = await this.connectors.update(
      actor,
      id,
      CohereMapper.toChanges(body),
      conditions.ifMatch,
    );
    conditions.etag(updated);
    return { connector: CohereMapper.toResponse(updated) };
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a Connector' })
  @IdParam()
  @ApiOkResponse({ type: CohereDeleteResponse, description: '`{}`', example: {} })
  @applyDecorators(...errors([401, 403, 404, 412]))
  async delete(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Conditions() conditions: HttpConditions,
  ): Promise<CohereDeleteResponse> {
    await this.connectors.delete(actor, id, conditions.ifMatch);
    return {};
  }

  @Post(':id/oauth/authorize')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Authorize with oAuth',
    description:
      "Returns the data source's authorization URL (response_type=code, client_id, redirect_uri, scope, a single-use state, PKCE S256 code_challenge). Once the user approves, the provider sends the browser to the callback GET /v1/connectors/oauth/token, which stores the tokens for the calling API key. GET is accepted too.",
  })
  @IdParam()
  @ApiOkResponse({ type: CohereOAuthAuthorizeResponse, example: AUTHORIZE_EXAMPLE })
  @applyDecorators(...errors([400, 401, 404], { 400: NO_OAUTH }))
  async authorize(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Query(DIALECT_VALIDATION) query: OAuthAuthorizeQuery,
  ): Promise<CohereOAuthAuthorizeResponse> {
    return {
      redirect_url: await this.oauth.start(actor, id, query.after_token_redirect),
    };
  }

  /** The old Python SDK called authorize with GET. */
  @Get(':id/oauth/authorize')
  @ApiOperation({ summary: 'Authorize with oAuth (GET, as the old Python SDK sends it)' })
  @IdParam()
  @ApiOkResponse({ type: CohereOAuthAuthorizeResponse, example: AUTHORIZE_EXAMPLE })
  @applyDecorators(...errors([400, 401, 404], { 400: NO_OAUTH }))
  authorizeWithGet(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Query(DIALECT_VALIDATION) query: OAuthAuthorizeQuery,
  ): Promise<CohereOAuthAuthorizeResponse> {
    return this.authorize(actor, id, query);
  }

  @Post(':id/search')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Search through a Connector',
    description:
      'Calls the connector as Cohere\'s chat does (`POST <url>` with `{"query"}` and its credentials) and returns its `results`, without the fields named in `excludes`. 401: an OAuth connector the calling key has not authorized. 502: the connector failed (its status is named, its body never shown).',
  })
  @IdParam()
  @ApiBody({ type: SearchConnectorDto, examples: SEARCH_EXAMPLES })
  @ApiOkResponse({ type: CohereSearchResponse, example: SEARCH_RESULT_EXAMPLE })
  @applyDecorators(...errors([400, 401, 404, 413, 415, 502], { 401: SEARCH_401 }))
  search(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body(DIALECT_VALIDATION) body: SearchConnectorDto,
  ): Promise<CohereSearchResponse> {
    return this.calls.search(actor, id, body.query);
  }
}
