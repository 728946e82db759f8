import {
  applyDecorators,
  Controller,
  Get,
  Param,
  Query,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { type AuditRecord, AuditTrail, decodeCursor, encodeCursor } from '../../audit/audit';
import { ApiKeyGuard, CurrentActor } from '../../auth/api-key.guard';
import { ConnectorsService } from '../../connectors/connectors.service';
import type { Actor } from '../../connectors/domain/connector.input';
import { DIALECT_VALIDATION, RequestValidationError } from '../../http/request-validation';
import {
  AuditExportQuery,
  DEFAULT_AUDIT_LIMIT,
  type GenericAuditEntry,
  GenericAuditEnvelope,
  GenericHistoryEnvelope,
} from './dto/generic.audit';
import { DEFAULT_PAGE_LIMIT, ListGenericConnectorsQuery } from './dto/generic.requests';
import { EXAMPLE_ID, errors, IdParam } from './generic.examples';
import { GenericExceptionFilter } from './generic-exception.filter';
import { RequestId } from './request-id.decorator';

const ENTRY_EXAMPLE = {
  id: '42',
  occurredAt: '2026-05-04T09:31:00.000Z',
  organizationId: 'acme',
  apiKeyId: 'key_3f9a0c1d2e4b5a69',
  dialect: 'generic',
  method: 'PUT',
  route: '/generic/v1/connectors/:id',
  requestId: '6f1c2a4e-8b3d-4f5a-9c7e-2d1b0a9f8e7d',
  action: 'update',
  connectorId: EXAMPLE_ID,
  version: 2,
  changes: [
    { path: '$.data.channel', old: '#alerts', new: '#ops' },
    {
      path: '$.data.bot_token',
      secret: 'changed',
      fingerprint: 'hmac-sha256:9f2c4e0a7b1d3f5e8c6a4b2d0e9f7a5c3b1d8e6f4a2c0b9d7e5f3a1c8b6d4e2f',
    },
  ],
};
const envelope = (data: object) => ({
  code: 200,
  data,
  message: 'success',
  requestId: '6f1c2a4e-8b3d-4f5a-9c7e-2d1b0a9f8e7d',
});
const HISTORY_EXAMPLE = envelope({ items: [ENTRY_EXAMPLE], limit: 20, offset: 0, hasMore: false });
const AUDIT_EXAMPLE = envelope({
  items: [ENTRY_EXAMPLE],
  limit: 100,
  hasMore: false,
  next: 'MjAyNi0wNS0wNFQwOTozMTowMC4wMDBafDQy',
});

/** An audit entry as the generic dialect shows it (canonical `config` paths read `data`). */
function toEntry(r: AuditRecord): GenericAuditEntry {
  return {
    id: r.id,
    occurredAt: r.occurredAt.toISOString(),
    organizationId: r.organizationId,
    apiKeyId: r.apiKeyId,
    dialect: r.dialect,
    method: r.method,
    route: r.route,
    requestId: r.requestId,
    action: r.action,
    connectorId: r.connectorId,
    version: r.version,
    changes: r.changes.map((c) => ({
      ...c,
      path: /^\$\.config(?=$|[.[])/.test(c.path)
        ? `$.data${c.path.slice('$.config'.length)}`
        : c.path,
    })),
  };
}

/** The audit trail, read through the generic envelope: a connector's history, the export. */
@ApiTags('Generic connectors')
@ApiSecurity('X-API-TOKEN')
@ApiBearerAuth()
@Controller()
@UseGuards(ApiKeyGuard)
@UseFilters(GenericExceptionFilter)
export class GenericAuditController {
  constructor(
    private readonly trail: AuditTrail,
    private readonly connectors: ConnectorsService,
  ) {}

  @Get('generic/v1/connectors/:id/history')
  @ApiOperation({
    summary: 'History of a connector',
    description:
      'Every change (create, update, delete, OAuth grant or disconnect, key re-seal), newest first: who (API key), when, through which dialect and route, which request, and the changed fields as JSON paths with old and new values. Secrets appear only as `changed` with a fingerprint. Kept after the connector is deleted (AUDIT_RETENTION_DAYS). Empty for a built-in never changed; 404 when the organization never had a connector with this id.',
  })
  @IdParam()
  @ApiOkResponse({ type: GenericHistoryEnvelope, example: HISTORY_EXAMPLE })
  @applyDecorators(
    ...errors([400, 401, 404], {
      400: [{ field: 'limit', reason: 'must not be greater than 100' }],
    }),
  )
  async history(
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
    @Param('id') id: string,
    @Query(DIALECT_VALIDATION) query: ListGenericConnectorsQuery,
  ): Promise<GenericHistoryEnvelope> {
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const offset = Math.min(query.offset ?? 0, Number.MAX_SAFE_INTEGER);
    const page = await this.trail.history(actor.organizationId, id, { limit, offset });
    // No entry: a connector never changed since the gateway made it (a built-in) has an empty
    // history; an id the organization never had is a 404 (get throws it).
    if (page.total === 0) await this.connectors.get(actor, id);
    return {
      code: 200,
      data: {
        items: page.items.map(toEntry),
        limit,
        offset,
        hasMore: offset + page.items.length < page.total,
      },
      message: 'success',
      requestId,
    };
  }

  @Get('generic/v1/audit')
  @ApiOperation({
    summary: 'Audit trail of the organization',
    description:
      'Oldest first from `since` (RFC 3339), for export to a SIEM: follow it by passing `data.next` as `after`.',
  })
  @ApiOkResponse({ type: GenericAuditEnvelope, example: AUDIT_EXAMPLE })
  @applyDecorators(
    ...errors([400, 401], {
      400: [
        { field: 'since', reason: 'since must be an RFC 3339 date-time (2026-12-01T00:00:00Z)' },
      ],
    }),
  )
  async export(
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
    @Query(DIALECT_VALIDATION) query: AuditExportQuery,
  ): Promise<GenericAuditEnvelope> {
    const limit = query.limit ?? DEFAULT_AUDIT_LIMIT;
    let from: Parameters<AuditTrail['export']>[1];
    if (query.after !== undefined) {
      const after = decodeCursor(query.after);
      if (!after) {
        throw new RequestValidationError([
          { field: 'after', reason: 'is not a cursor this gateway gave (data.next)' },
        ]);
      }
      from = { after };
    } else {
      const since = query.since === undefined ? new Date(0) : new Date(query.since);
      if (Number.isNaN(since.getTime())) {
        throw new RequestValidationError([{ field: 'since', reason: 'is not a valid date-time' }]);
      }
      from = { since };
    }
    const records = await this.trail.export(actor.organizationId, from, limit);
    const last = records[records.length - 1];
    const next = last ? encodeCursor(last) : query.after !== undefined ? query.after : null;
    return {
      code: 200,
      data: { items: records.map(toEntry), limit, hasMore: records.length === limit, next },
      message: 'success',
      requestId,
    };
  }
}
