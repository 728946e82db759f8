import type { ConnectorView, Processor } from '../../connectors/domain/connector';
import type {
  ConnectorChanges,
  NewConnector,
  ObjectChange,
} from '../../connectors/domain/connector.input';
import {
  type ConnectorSearch,
  SEARCH_BOOLEAN_FIELDS,
  SEARCH_LIMITS,
  type SearchAggregationField,
  type SearchBooleanField,
  type SearchFilter,
  type SearchFilterField,
  type SearchResult,
  type SearchSort,
  type SearchSortField,
  type SearchValue,
} from '../../connectors/domain/connector.search';
import type { JsonObject } from '../../secrets/json';
import { RequestValidationError } from '../../http/request-validation';
import { PRIMARY_TERM } from './coco-exception.filter';
import { newCocoId } from './coco-id';
import {
  type CocoFilter,
  type CocoSearchRequest,
  type CocoValue,
  filterSource,
} from './coco-search.parser';
import type {
  CocoProcessorDto,
  CreateCocoConnectorDto,
  UpdateCocoConnectorDto,
} from './dto/coco.requests';
import type {
  CocoConnector,
  CocoSearchHit,
  CocoSearchResponse,
  CocoTermsResult,
} from './dto/coco.responses';

/**
 * Coco field -> canonical field, where search reads them. Every Coco field a filter, a sort or an
 * aggregation may name is listed; anything else is refused.
 */
const FILTER_FIELDS: Record<string, SearchFilterField> = {
  id: 'id',
  _id: 'id',
  name: 'name',
  category: 'category',
  tags: 'tags',
  enabled: 'active',
  builtin: 'builtin',
  'processor.enabled': 'processor.enabled',
  'processor.name': 'processor.name',
};

const SORT_FIELDS: Record<string, SearchSortField> = {
  id: 'id',
  _id: 'id',
  name: 'name',
  category: 'category',
  created: 'createdAt',
  updated: 'updatedAt',
  enabled: 'active',
  builtin: 'builtin',
  'processor.name': 'processor.name',
  _score: 'score',
};

const AGGREGATION_FIELDS: Record<string, SearchAggregationField> = {
  category: 'category',
  tags: 'tags',
};

export const COCO_DEFAULT_SIZE = 10;

function invalid(field: string, reason: string): never {
  throw new RequestValidationError([{ field, reason }]);
}

/** Coco's JSON leaves empty strings out: an empty text is no text. */
const text = (v: string | null | undefined): string | null | undefined => (v === '' ? null : v);
/** `null` on a boolean or an object field means "not given" (as Go decodes it: no change). */
const given = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

function processorInput(dto: CocoProcessorDto): Processor {
  const p: Processor = {};
  if (dto.enabled !== undefined && dto.enabled !== null) p.enabled = dto.enabled;
  if (dto.name !== undefined && dto.name !== null && dto.name !== '') p.name = dto.name;
  return p;
}

function objectChange<T>(
  value: T | null | undefined,
  replace: boolean,
): ObjectChange<T> | undefined {
  if (replace) return { replace: value ?? null };
  if (value === undefined) return undefined;
  return value === null ? { replace: null } : { merge: value };
}

const isBooleanField = (field: SearchFilterField): field is SearchBooleanField =>
  (SEARCH_BOOLEAN_FIELDS as readonly string[]).includes(field);

function typedValue(field: SearchFilterField, raw: CocoValue, cocoField: string): SearchValue {
  if (isBooleanField(field)) {
    if (typeof raw === 'boolean') return raw;
    const v = String(raw).trim().toLowerCase();
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    return invalid('filter', `${cocoField} is a boolean: use true or false (got '${String(raw)}')`);
  }
  return String(raw);
}

function filterSpec(f: CocoFilter): SearchFilter {
  const field = FILTER_FIELDS[f.field];
  if (!field) {
    return invalid(
      'filter',
      `cannot filter on '${f.field}' (use ${Object.keys(FILTER_FIELDS).join(', ')})`,
    );
  }
  return { field, op: f.op, values: f.values.map((v) => typedValue(field, v, f.field)) };
}

/** Coco <-> canonical. Every field shown or read is listed here; `config` is only ever masked. */
export const CocoMapper = {
  /** The seed's fields and the real server's (`id` may be chosen by the client). */
  toNewConnector(dto: CreateCocoConnectorDto, id: string = newCocoId()): NewConnector {
    return {
      id: dto.id === undefined || dto.id === null || dto.id === '' ? id : dto.id,
      name: dto.name,
      description: text(dto.description),
      category: text(dto.category),
      icon: text(dto.icon),
      url: text(dto.url),
      tags: dto.tags,
      pathHierarchy: given(dto.path_hierarchy),
      assets: given(dto.assets) as JsonObject | undefined,
      config: given(dto.config) as JsonObject | undefined,
      oauthConnectImplemented: given(dto.oauth_connect_implemented),
      processor: dto.processor ? processorInput(dto.processor) : undefined,
      active: given(dto.enabled),
    };
  },

  /**
   * Merge (default): only the fields sent change; `config`, `assets` and `processor` merge key by
   * key. Replace: every Coco field is set, those left out cleared to their defaults. Either way the
   * fields only other dialects show (Cohere's excludes, oauth, service_auth...; generic type,
   * provider) are not touched, nor are id, created and builtin.
   */
  toChanges(dto: UpdateCocoConnectorDto, replace: boolean): ConnectorChanges {
    if (!replace) {
      return {
        name: dto.name,
        description: text(dto.description),
        category: text(dto.category),
        icon: text(dto.icon),
        url: text(dto.url),
        tags: dto.tags,
        pathHierarchy: given(dto.path_hierarchy),
        oauthConnectImplemented: given(dto.oauth_connect_implemented),
        active: given(dto.enabled),
        config: objectChange(dto.config as JsonObject | null | undefined, false),
        assets: objectChange(dto.assets as JsonObject | null | undefined, false),
        processor: objectChange(
          dto.processor ? processorInput(dto.processor) : dto.processor,
          false,
        ),
      };
    }
    if (dto.name === undefined) invalid('name', 'is required with replace=true');
    return {
      name: dto.name,
      description: text(dto.description) ?? null,
      category: text(dto.category) ?? null,
      icon: text(dto.icon) ?? null,
      url: text(dto.url) ?? null,
      tags: dto.tags ?? null,
      pathHierarchy: dto.path_hierarchy ?? false,
      oauthConnectImplemented: dto.oauth_connect_implemented ?? false,
      active: dto.enabled ?? true,
      config: objectChange(dto.config as JsonObject | null | undefined, true),
      assets: objectChange(dto.assets as JsonObject | null | undefined, true),
      processor: objectChange(dto.processor ? processorInput(dto.processor) : null, true),
    };
  },

  /** `_source`: Coco's presence rules (see CocoConnector); secrets in `config` already masked. */
  toSource(c: ConnectorView): CocoConnector {
    return {
      id: c.id,
      created: c.createdAt.toISOString(),
      updated: c.updatedAt.toISOString(),
      name: c.name,
      ...(c.description ? { description: c.description } : {}),
      ...(c.category ? { category: c.category } : {}),
      ...(c.icon ? { icon: c.icon } : {}),
      ...(c.tags?.length ? { tags: c.tags } : {}),
      ...(c.url ? { url: c.url } : {}),
      path_hierarchy: c.pathHierarchy,
      assets: c.assets ?? {},
      builtin: c.builtin,
      ...(c.config && Object.keys(c.config).length ? { config: c.config } : {}),
      oauth_connect_implemented: c.oauthConnectImplemented,
      processor: {
        enabled: c.processor?.enabled ?? false,
        ...(c.processor?.name ? { name: c.processor.name } : {}),
      },
      enabled: c.active,
    };
  },

  /** Elasticsearch's sequence fields of a version: `_seq_no` = version - 1, one primary term. */
  seqNo(version: number): { _seq_no: number; _primary_term: number } {
    return { _seq_no: version - 1, _primary_term: PRIMARY_TERM };
  },

  /** `_version`, `_seq_no` and `_primary_term` of a version. */
  versionFields(version: number): { _version: number; _seq_no: number; _primary_term: number } {
    return { _version: version, ...CocoMapper.seqNo(version) };
  },

  /** The canonical search for a parsed Coco request; `bound` is the configured exact-count bound. */
  toSearchSpec(request: CocoSearchRequest, bound: number): ConnectorSearch {
    const from = request.from ?? 0;
    const size = request.size ?? COCO_DEFAULT_SIZE;
    if (size > SEARCH_LIMITS.window) invalid('size', `must be at most ${SEARCH_LIMITS.window}`);
    if (from + size > SEARCH_LIMITS.window) {
      invalid(
        'from + size',
        `result window is too large: from + size must be at most ${SEARCH_LIMITS.window} but was ${from + size}`,
      );
    }
    const sort: SearchSort[] = (request.sort ?? [{ field: 'created', order: 'desc' }]).map((s) => {
      const field = SORT_FIELDS[s.field];
      if (!field) {
        return invalid(
          'sort',
          `cannot sort on '${s.field}' (use ${Object.keys(SORT_FIELDS).join(', ')})`,
        );
      }
      return { field, direction: s.order };
    });
    const track = request.trackTotalHits;
    return {
      text: request.query,
      filters: request.filters.map(filterSpec),
      sort,
      from,
      size,
      trackTotalHits: typeof track === 'number' ? Math.min(track, bound) : bound,
      aggregations: request.aggregations.map((a) => {
        const field = AGGREGATION_FIELDS[a.field];
        if (!field) {
          return invalid(
            `aggs.${a.name}`,
            `terms aggregations are supported on ${Object.keys(AGGREGATION_FIELDS).join(', ')} (got '${a.field}')`,
          );
        }
        if (a.size < 1 || a.size > SEARCH_LIMITS.aggregationSize) {
          invalid(`aggs.${a.name}.terms.size`, `must be 1 to ${SEARCH_LIMITS.aggregationSize}`);
        }
        return { name: a.name, field, size: a.size };
      }),
    };
  },

  toSearchResponse(
    result: SearchResult<ConnectorView>,
    request: CocoSearchRequest,
    took: number,
  ): CocoSearchResponse {
    const { enabled, includes, excludes } = request.source;
    const hits = result.hits.map((hit): CocoSearchHit => {
      const out: CocoSearchHit = {
        _index: 'connector',
        _type: '_doc',
        _id: hit.connector.id,
        ...(request.version ? { _version: hit.connector.version } : {}),
        ...(request.seqNoPrimaryTerm ? CocoMapper.seqNo(hit.connector.version) : {}),
        _score: hit.score,
      };
      if (enabled) {
        const source = CocoMapper.toSource(hit.connector) as unknown as Record<string, unknown>;
        out._source =
          includes.length || excludes.length ? filterSource(source, includes, excludes) : source;
      }
      return out;
    });
    const response: CocoSearchResponse = {
      took,
      timed_out: false,
      _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
      hits: {
        total: { value: result.total.value, relation: result.total.exact ? 'eq' : 'gte' },
        max_score: result.maxScore,
        hits,
      },
    };
    if (result.aggregations.length) {
      const aggregations: Record<string, CocoTermsResult> = {};
      for (const a of result.aggregations) {
        aggregations[a.name] = {
          doc_count_error_upper_bound: 0,
          sum_other_doc_count: a.otherCount,
          buckets: a.buckets.map((b) => ({ key: b.key, doc_count: b.count })),
        };
      }
      response.aggregations = aggregations;
    }
    return response;
  },
};
