import {
  applyDecorators,
  Controller,
  Get,
  NotFoundException,
  Param,
  UseFilters,
} from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  CONNECTOR_TYPES,
  connectorTypeJson,
  findConnectorType,
} from '../../connectors/domain/connector-types';
import {
  GenericConnectorType,
  GenericConnectorTypeEnvelope,
  GenericConnectorTypeListEnvelope,
} from './dto/generic.responses';
import { GenericExceptionFilter } from './generic-exception.filter';
import {
  errors,
  TYPE_EXAMPLE,
  TYPE_EXAMPLE_SLUG,
  TYPE_LIST_EXAMPLE,
  TYPE_NOT_FOUND,
} from './generic.examples';
import { RequestId } from './request-id.decorator';

const BASE = 'generic/v1/connector-types';

/**
 * The connector types (B3OS `GET /v1/connector-types`): public, no API key. Each type's
 * `dataSchema` marks its credential fields, which the gateway seals whatever their name.
 */
@ApiTags('Generic connectors')
@Controller()
@UseFilters(GenericExceptionFilter)
export class GenericConnectorTypesController {
  @Get(BASE)
  @ApiOperation({
    summary: 'List connector types',
    description: 'No API key needed. The built-in catalog first, then the other known types.',
  })
  @ApiOkResponse({ type: GenericConnectorTypeListEnvelope, example: TYPE_LIST_EXAMPLE })
  @applyDecorators(...errors([]))
  list(@RequestId() requestId: string): GenericConnectorTypeListEnvelope {
    return {
      code: 200,
      data: {
        items: CONNECTOR_TYPES.map((t) => connectorTypeJson(t) as unknown as GenericConnectorType),
      },
      message: 'success',
      requestId,
    };
  }

  @Get(`${BASE}/:type`)
  @ApiOperation({ summary: 'Get a connector type', description: 'No API key needed.' })
  @ApiParam({ name: 'type', description: 'Connector-type slug', example: TYPE_EXAMPLE_SLUG })
  @ApiOkResponse({ type: GenericConnectorTypeEnvelope, example: TYPE_EXAMPLE })
  @applyDecorators(...errors([404], {}, { 404: TYPE_NOT_FOUND }))
  get(@RequestId() requestId: string, @Param('type') type: string): GenericConnectorTypeEnvelope {
    const found = findConnectorType(type);
    if (!found) throw new NotFoundException(`connector type '${type}' not found`);
    return {
      code: 200,
      data: connectorTypeJson(found) as unknown as GenericConnectorType,
      message: 'success',
      requestId,
    };
  }
}
