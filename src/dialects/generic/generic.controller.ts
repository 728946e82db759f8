import {
  applyDecorators,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
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
import { DIALECT_VALIDATION } from '../../http/request-validation';
import { Idempotent } from '../../idempotency/idempotency.hooks';
import { OAuthService } from '../../oauth/oauth.service';
import {
  CreateGenericConnectorDto,
  DEFAULT_PAGE_LIMIT,
  GenericOAuthAuthorizeQuery,
  ListGenericConnectorsQuery,
  UpdateGenericConnectorDto,
} from './dto/generic.requests';
import {
  GenericConnectorEnvelope,
  GenericConnectorListEnvelope,
  GenericDeleteEnvelope,
  GenericOAuthAuthorizeEnvelope,
} from './dto/generic.responses';
import { GenericSearchEnvelope, SearchGenericConnectorDto } from './dto/generic.search';
import { GenericExceptionFilter } from './generic-exception.filter';
import {
  AUTHORIZE_EXAMPLE,
  CONNECTOR_EXAMPLE,
  CREATE_409,
  CREATE_EXAMPLES,
  DELETE_EXAMPLE,
  DISCONNECT_EXAMPLE,
  errors,
  IdParam,
  LIST_EXAMPLE,
  NO_OAUTH,
  SEARCH_401,
  SEARCH_EXAMPLES,
  SEARCH_RESULT_EXAMPLE,
  UPDATE_EXAMPLES,
} from './generic.examples';
import { GenericMapper } from './generic.mapper';
import { RequestId } from './request-id.decorator';

/** The complete mount; the root mount holds only `PUT /v1/connectors/:id` (the rest is Cohere's). */
const BASE = 'generic/v1/connectors';
const ROOT_PUT = 'v1/connectors/:id';

const SUCCESS = 'success';

/** The generic envelope dialect (B3OS's connectors API). */
@ApiTags('Generic connectors')
@ApiSecurity('X-API-TOKEN')
@ApiBearerAuth()
@Controller()
@UseGuards(ApiKeyGuard)
@UseFilters(GenericExceptionFilter)
export class GenericConnectorsController {
  constructor(
    private readonly connectors: ConnectorsService,
    private readonly oauth: OAuthService,
    private readonly calls: ConnectorSearch,
  ) {}

  @Get(BASE)
  @ApiOperation({ summary: 'List connectors', description: 'Newest first.' })
  @ApiOkResponse({ type: GenericConnectorListEnvelope, example: LIST_EXAMPLE })
  @applyDecorators(
    ...errors([400, 401], { 400: [{ field: 'limit', reason: 'must not be greater than 100' }] }),
  )
  async list(
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
    @Query(DIALECT_VALIDATION) query: ListGenericConnectorsQuery,
  ): Promise<GenericConnectorListEnvelope> {
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const offset = query.offset ?? 0;
    const page = await this.connectors.list(actor, { limit, offset });
    return {
      code: 200,
      data: GenericMapper.toPage(page, limit, offset),
      message: SUCCESS,
      requestId,
    };
  }

  @Post(BASE)
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({
    summary: 'Create a connector',
    description: 'Answers 200 (not 201): every success of this dialect is `"code": 200`.',
  })
  @ApiBody({ type: CreateGenericConnectorDto, examples: CREATE_EXAMPLES })
  @ApiOkResponse({ type: GenericConnectorEnvelope, example: CONNECTOR_EXAMPLE })
  @applyDecorators(...errors([400, 401, 409, 412, 413, 415, 422], { 409: [] }, { 409: CREATE_409 }))
  async create(
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
    @Body(DIALECT_VALIDATION) body: CreateGenericConnectorDto,
    @Conditions() conditions: HttpConditions,
  ): Promise<GenericConnectorEnvelope> {
    const created = await this.connectors.create(
      actor,
      GenericMapper.toNewConnector(body),
      conditions.ifNoneMatch,
    );
    conditions.etag(created);
    return { code: 200, data: GenericMapper.toResponse(created), message: SUCCESS, requestId };
  }

  @Get(`${BASE}/:id`)
  @ApiOperation({ summary: 'Get a connector' })
  @IdParam()
  @ApiOkResponse({ type: GenericConnectorEnvelope, example: CONNECTOR_EXAMPLE })
  @applyDecorators(...errors([401, 404]))
  async get(
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
    @Param('id') id: string,
    @Conditions() conditions: HttpConditions,
  ): Promise<GenericConnectorEnvelope> {
    const connector = await this.connectors.get(actor, id);
    conditions.etag(connector);
    return { code: 200, data: GenericMapper.toResponse(connector), message: SUCCESS, requestId };
  }

  @Put([`${BASE}/:id`, ROOT_PUT])
  @ApiOperation({
    summary: 'Update a connector',
    description:
      'Fields left out are not touched. `data` is merged key by key into the stored data; secrets sent back masked keep their stored values. Also mounted at the root, PUT /v1/connectors/{id}.',
  })
  @IdParam()
  @ApiBody({
    type: UpdateGenericConnectorDto,
    description: 'Connector update details',
    examples: UPDATE_EXAMPLES,
  })
  @ApiOkResponse({ type: GenericConnectorEnvelope, example: CONNECTOR_EXAMPLE })
  @applyDecorators(
    ...errors([400, 401, 404, 409, 412, 413, 415], {
      400: [{ field: 'name', reason: 'should not be empty' }],
    }),
  )
  async update(
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
    @Param('id') id: string,
    @Body(DIALECT_VALIDATION) body: UpdateGenericConnectorDto,
    @Conditions() conditions: HttpConditions,
  ): Promise<GenericConnectorEnvelope> {
    const updated = await this.connectors.update(actor, id, GenericMapper.toChanges(body), [
      ...conditions.ifMatch,
      ...(body.version === undefined ? [] : [{ kind: 'version' as const, version: body.version }]),
    ]);
    conditions.etag(updated);
    return { code: 200, data: GenericMapper.toResponse(updated), message: SUCCESS, requestId };
  }

  @Delete(`${BASE}/:id`)
  @ApiOperation({ summary: 'Delete a connector', description: 'The envelope without `data`.' })
  @IdParam()
  @ApiOkResponse({ type: GenericDeleteEnvelope, example: DELETE_EXAMPLE })
  @applyDecorators(...errors([401, 403, 404, 412]))
  async delete(
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
    @Param('id') id: string,
    @Conditions() conditions: HttpConditions,
  ): Promise<GenericDeleteEnvelope> {
    await this.connectors.delete(actor, id, conditions.ifMatch);
    return { code: 200, message: SUCCESS, requestId };
  }

  @Post(`${BASE}/:id/oauth/authorize`)
  @HttpCode(200)
  @ApiOperation({
    summary: "Start the connector's OAuth authorization",
    description:
      'Answers the authorization URL to send the user to. After approval the provider redirects to GET /v1/connectors/oauth/token, which stores the tokens for the calling API key (see `authStatus`). `after_token_redirect` (query): where that callback sends the browser next.',
  })
  @IdParam()
  @ApiOkResponse({ type: GenericOAuthAuthorizeEnvelope, example: AUTHORIZE_EXAMPLE })
  @applyDecorators(...errors([400, 401, 404], { 400: [] }, { 400: NO_OAUTH }))
  async authorize(
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
    @Param('id') id: string,
    @Query(DIALECT_VALIDATION) query: GenericOAuthAuthorizeQuery,
  ): Promise<GenericOAuthAuthorizeEnvelope> {
    const redirectUrl = await this.oauth.start(actor, id, query.after_token_redirect);
    return { code: 200, data: { redirectUrl }, message: SUCCESS, requestId };
  }

  @Delete(`${BASE}/:id/oauth`)
  @ApiOperation({
    summary: "Disconnect the calling API key's OAuth grant",
    description:
      'Forgets the tokens this API key obtained for the connector (other keys keep theirs).',
  })
  @IdParam()
  @ApiOkResponse({ type: GenericDeleteEnvelope, example: DISCONNECT_EXAMPLE })
  @applyDecorators(...errors([401, 404]))
  async disconnect(
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
    @Param('id') id: string,
  ): Promise<GenericDeleteEnvelope> {
    await this.oauth.disconnect(actor, id);
    return { code: 200, message: SUCCESS, requestId };
  }

  @Post(`${BASE}/:id/search`)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Search through a connector',
    description:
      'Calls the connector (`POST <url>` with `{"query"}` and its credentials) and returns its `results`, without the fields named in `excludes`. 401: an OAuth connector the calling key has not authorized. 502: the connector failed.',
  })
  @IdParam()
  @ApiBody({ type: SearchGenericConnectorDto, examples: SEARCH_EXAMPLES })
  @ApiOkResponse({ type: GenericSearchEnvelope, example: SEARCH_RESULT_EXAMPLE })
  @applyDecorators(...errors([400, 401, 404, 413, 415, 502], {}, { 401: SEARCH_401 }))
  async search(
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
    @Param('id') id: string,
    @Body(DIALECT_VALIDATION) body: SearchGenericConnectorDto,
  ): Promise<GenericSearchEnvelope> {
    const data = await this.calls.search(actor, id, body.query);
    return { code: 200, data, message: SUCCESS, requestId };
  }
}
