import { RequestValidationError } from '../../http/request-validation';

/**
 * Coco Server's search syntax, read into a request that still speaks Coco's field names (the
 * mapper translates them into the canonical search). Two sources:
 *
 * - URL parameters (what Coco's query builder reads): `query`, `from`, `size`, `sort=a:desc,b`,
 *   repeatable `filter` (`field:value`, `field=value`, `-field:value`, `field:any(a,b)`,
 *   `exists(field)`, `-exists(field)`), `_source`, `_source_includes`, `_source_excludes`;
 * - an Elasticsearch-style JSON body (POST): `query` (a subset of the query DSL), `from`, `size`,
 *   `sort`, `aggs` / `aggregations` (terms), `_source`, `track_total_hits`.
 *
 * URL parameters win over the body: `from`, `size`, `sort` and the `_source` lists replace the
 * body's, `query` replaces the body's full-text words, and URL filters are added to the body's.
 * Anything malformed is a RequestValidationError (400), never a guess.
 */

export type CocoFilterOp = 'eq' | 'neq' | 'any' | 'none' | 'exists' | 'missing';
export type CocoValue = string | number | boolean;

export interface CocoFilter {
  /** As the client wrote it (a Coco field name); the mapper checks it. */
  field: string;
  op: CocoFilterOp;
  values: CocoValue[];
}

export interface CocoSort {
  field: string;
  order: 'asc' | 'desc';
}

export interface CocoTermsAggregation {
  name: string;
  field: string;
  size: number;
}

export interface CocoSourceFilter {
  /** False: hits carry no `_source` at all. */
  enabled: boolean;
  includes: string[];
  excludes: string[];
}

export interface CocoSearchRequest {
  /** Full-text words; undefined when none were given. */
  query?: string;
  filters: CocoFilter[];
  from?: number;
  size?: number;
  sort?: CocoSort[];
  source: CocoSourceFilter;
  aggregations: CocoTermsAggregation[];
  /** `track_total_hits` of the body: true, false or a bound. */
  trackTotalHits?: boolean | number;
  /** `version=true`: hits carry `_version`. */
  version?: boolean;
  /** `seq_no_primary_term=true`: hits carry `_seq_no` and `_primary_term`. */
  seqNoPrimaryTerm?: boolean;
}

function fail(field: string, reason: string): never {
  throw new RequestValidationError([{ field, reason }]);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const negatedOp: Record<CocoFilterOp, CocoFilterOp> = {
  eq: 'neq',
  neq: 'eq',
  any: 'none',
  none: 'any',
  exists: 'missing',
  missing: 'exists',
};

/** A name as Coco and Elasticsearch write fields: letters, digits, `_`, `.`, `-`. */
const FIELD = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function fieldName(raw: string, where: string): string {
  const field = raw.trim();
  if (!FIELD.test(field)) fail(where, `'${raw}' is not a field name`);
  return field;
}

// ---------------------------------------------------------------------------------------------
// URL syntax

/**
 * One `filter` parameter: `field:value` (or `field=value`), `field:any(a,b)`, `exists(field)`,
 * each negated by a leading `-`. Values are text; the mapper types them by field.
 */
export function parseFilter(raw: string): CocoFilter {
  let text = raw.trim();
  let negate = false;
  if (text.startsWith('-')) {
    negate = true;
    text = text.slice(1).trim();
  }
  const op = (o: CocoFilterOp) => (negate ? negatedOp[o] : o);

  const exists = /^exists\((.*)\)$/s.exec(text);
  if (exists) {
    return { field: fieldName(exists[1] ?? '', 'filter'), op: op('exists'), values: [] };
  }
  if (/^[^:=]*[<>]/.test(text)) fail('filter', `range filters are not supported ('${raw}')`);
  const at = text.search(/[:=]/);
  if (at <= 0) {
    fail('filter', `'${raw}' is not field:value, -field:value, field:any(a,b) or exists(field)`);
  }
  const field = fieldName(text.slice(0, at), 'filter');
  const value = text.slice(at + 1).trim();
  const any = /^any\((.*)\)$/s.exec(value);
  if (any) {
    const values = splitList(any[1] ?? '');
    if (!values.length) fail('filter', `any() needs at least one value ('${raw}')`);
    return { field, op: op('any'), values };
  }
  if (value === '') fail('filter', `'${raw}' has no value`);
  return { field, op: op('eq'), values: [value] };
}

/** `a:desc,b,c:asc` — no order means ascending, except `_score` (descending), as in Coco. */
export function parseSort(raw: string): CocoSort[] {
  const sorts: CocoSort[] = [];
  for (const part of raw.split(',')) {
    if (part.trim() === '') continue;
    const [name = '', order, ...rest] = part.split(':');
    if (rest.length) fail('sort', `'${part}' is not field or field:order`);
    sorts.push({ field: fieldName(name, 'sort'), order: sortOrder(order, name.trim()) });
  }
  if (!sorts.length) fail('sort', 'names no field');
  return sorts;
}

function sortOrder(raw: string | undefined, field: string): 'asc' | 'desc' {
  if (raw === undefined || raw.trim() === '') return field === '_score' ? 'desc' : 'asc';
  const order = raw.trim().toLowerCase();
  if (order !== 'asc' && order !== 'desc') fail('sort', `order must be asc or desc (got '${raw}')`);
  return order;
}

/** Comma-separated, blanks dropped. */
function splitList(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A URL parameter is text; a body value must be a JSON number. */
function nonNegativeInteger(raw: unknown, field: string): number {
  const n =
    typeof raw === 'number'
      ? raw
      : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw)
        ? Number(raw)
        : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) fail(field, 'must be a non-negative integer');
  return n;
}

/**
 * A single-valued URL parameter. Given twice (`size=1&size=2`) it is a 400: Coco would silently read
 * the first, and a client that sent both meant something the answer would not show.
 */
export function singleParam(query: Record<string, unknown>, key: string): string | undefined {
  const v = query[key];
  if (v === undefined || typeof v === 'string') return v;
  if (Array.isArray(v)) {
    if (v.length === 1 && typeof v[0] === 'string') return v[0];
    fail(key, 'must be given once');
  }
  return fail(key, 'must be text');
}

/** A repeatable URL parameter (`filter`). */
function all(query: Record<string, unknown>, key: string): string[] {
  const v = query[key];
  if (v === undefined) return [];
  const list: unknown[] = Array.isArray(v) ? v : [v];
  if (list.some((x) => typeof x !== 'string')) fail(key, 'must be text');
  return list as string[];
}

// ---------------------------------------------------------------------------------------------
// Body (Elasticsearch form)

const BODY_KEYS = [
  'query',
  'from',
  'size',
  'sort',
  'aggs',
  'aggregations',
  '_source',
  'track_total_hits',
  'version',
  'seq_no_primary_term',
];

/** A boolean search flag: a JSON boolean in the body; `true`/`false` (or bare) in the URL. */
function flag(raw: unknown, field: string): boolean {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string') {
    const v = raw.trim().toLowerCase();
    if (v === '' || v === 'true') return true;
    if (v === 'false') return false;
  }
  return fail(field, 'must be true or false');
}

interface Translated {
  words: string[];
  filters: CocoFilter[];
}

/**
 * How deep `bool` queries may nest. Real searches use one or two levels; the bound keeps a hostile
 * body from driving the recursion (the HTTP layer also bounds JSON nesting as a whole).
 */
export const MAX_BOOL_DEPTH = 16;

/**
 * The supported subset of the Elasticsearch query DSL, as words and filters. `depth` counts the
 * `bool` queries around `q`.
 */
function translateQuery(
  q: unknown,
  path: string,
  negate: boolean,
  out: Translated,
  depth = 0,
): void {
  if (typeof q === 'string') {
    if (negate) fail(path, 'full text cannot be negated');
    out.words.push(q);
    return;
  }
  if (!isObject(q)) fail(path, 'must be an object');
  const keys = Object.keys(q);
  if (keys.length !== 1) fail(path, 'must hold exactly one query type');
  const type = keys[0];
  const body = q[type];
  const at = `${path}.${type}`;
  const leaf = (field: string, op: CocoFilterOp, values: CocoValue[]) =>
    out.filters.push({ field, op: negate ? negatedOp[op] : op, values });

  switch (type) {
    case 'match_all':
      if (negate) fail(at, 'cannot be negated');
      return;
    case 'query_string':
    case 'simple_query_string':
    case 'multi_match': {
      if (negate) fail(at, 'full text cannot be negated');
      const text = isObject(body) ? body.query : undefined;
      if (typeof text !== 'string') fail(`${at}.query`, 'must be a string');
      out.words.push(text);
      return;
    }
    case 'term': {
      const [field, value] = singleField(body, at);
      const v = isObject(value) ? value.value : value;
      leaf(field, 'eq', [scalar(v, `${at}.${field}`)]);
      return;
    }
    case 'terms': {
      const [field, values] = singleField(body, at);
      if (!Array.isArray(values) || !values.length)
        fail(`${at}.${field}`, 'must be a non-empty list');
      leaf(
        field,
        'any',
        (values as unknown[]).map((v, i) => scalar(v, `${at}.${field}[${i}]`)),
      );
      return;
    }
    case 'ids': {
      const values = isObject(body) ? body.values : undefined;
      if (!Array.isArray(values) || !values.length)
        fail(`${at}.values`, 'must be a non-empty list');
      leaf(
        'id',
        'any',
        (values as unknown[]).map((v, i) => scalar(v, `${at}.values[${i}]`)),
      );
      return;
    }
    case 'exists': {
      const field = isObject(body) ? body.field : undefined;
      if (typeof field !== 'string') fail(`${at}.field`, 'must be a string');
      leaf(fieldName(field, `${at}.field`), 'exists', []);
      return;
    }
    case 'bool': {
      if (negate) fail(at, 'a bool query inside must_not is not supported');
      if (depth >= MAX_BOOL_DEPTH) {
        fail('query', `bool queries may nest at most ${MAX_BOOL_DEPTH} levels deep`);
      }
      if (!isObject(body)) fail(at, 'must be an object');
      for (const [key, clauses] of Object.entries(body as object)) {
        const list: unknown[] = Array.isArray(clauses) ? clauses : [clauses];
        switch (key) {
          case 'must':
          case 'filter':
            list.forEach((c, i) => translateQuery(c, `${at}.${key}[${i}]`, false, out, depth + 1));
            break;
          case 'must_not':
            list.forEach((c, i) => translateQuery(c, `${at}.${key}[${i}]`, true, out, depth + 1));
            break;
          default:
            fail(`${at}.${key}`, 'is not supported (use must, filter or must_not)');
        }
      }
      return;
    }
    default:
      fail(
        at,
        'is not supported: use match_all, query_string, simple_query_string, multi_match, term, terms, ids, exists or bool',
      );
  }
}

function singleField(body: unknown, at: string): [string, unknown] {
  if (!isObject(body) || Object.keys(body).length !== 1) fail(at, 'must name exactly one field');
  const [field, value] = Object.entries(body as object)[0] as [string, unknown];
  return [fieldName(field, at), value];
}

function scalar(v: unknown, at: string): CocoValue {
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  return fail(at, 'must be a string, number or boolean');
}

function bodyInteger(raw: unknown, field: string): number {
  if (typeof raw !== 'number') fail(field, 'must be a non-negative integer');
  return nonNegativeInteger(raw, field);
}

function bodySort(raw: unknown): CocoSort[] {
  if (typeof raw === 'string') return parseSort(raw);
  const list: unknown[] = Array.isArray(raw) ? raw : [raw];
  return list.map((item, i) => {
    const at = `sort[${i}]`;
    if (typeof item === 'string') {
      const field = fieldName(item, at);
      return { field, order: sortOrder(undefined, field) };
    }
    if (!isObject(item) || Object.keys(item).length !== 1)
      fail(at, 'must be "field" or {"field": "asc|desc"}');
    const [name, spec] = Object.entries(item as object)[0] as [string, unknown];
    const field = fieldName(name, at);
    const order = isObject(spec) ? spec.order : spec;
    if (order !== undefined && typeof order !== 'string')
      fail(`${at}.${field}`, 'order must be asc or desc');
    return { field, order: sortOrder(order, field) };
  });
}

function bodyAggregations(raw: unknown, key: string): CocoTermsAggregation[] {
  if (!isObject(raw)) return fail(key, 'must be an object');
  return Object.entries(raw).map(([name, agg]) => {
    const at = `${key}.${name}`;
    if (!isObject(agg)) fail(at, 'must be an object');
    const { terms, ...rest } = agg;
    if (Object.keys(rest).length || !isObject(terms)) {
      fail(at, 'only terms aggregations are supported (no sub-aggregations)');
    }
    const { field, size, ...options } = terms;
    if (typeof field !== 'string') fail(`${at}.terms.field`, 'must be a string');
    if (Object.keys(options).length) {
      fail(`${at}.terms`, `unsupported option '${Object.keys(options)[0]}' (field and size only)`);
    }
    return {
      name,
      field: fieldName(field, `${at}.terms.field`),
      size: size === undefined ? 10 : bodyInteger(size, `${at}.terms.size`),
    };
  });
}

function bodySource(raw: unknown): CocoSourceFilter {
  if (typeof raw === 'boolean') return { enabled: raw, includes: [], excludes: [] };
  if (typeof raw === 'string') {
    return { enabled: true, includes: patterns(splitList(raw), '_source'), excludes: [] };
  }
  if (Array.isArray(raw))
    return { enabled: true, includes: stringList(raw, '_source'), excludes: [] };
  if (isObject(raw)) {
    const includes = raw.includes ?? raw.include;
    const excludes = raw.excludes ?? raw.exclude;
    return {
      enabled: true,
      includes: includes === undefined ? [] : stringList(includes, '_source.includes'),
      excludes: excludes === undefined ? [] : stringList(excludes, '_source.excludes'),
    };
  }
  return fail('_source', 'must be a boolean, a field list or {includes, excludes}');
}

/** A `_source` pattern list of the body: a comma list or a JSON list of strings. */
function stringList(raw: unknown, at: string): string[] {
  if (typeof raw === 'string') return patterns(splitList(raw), at);
  if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string'))
    fail(at, 'must be a list of strings');
  return patterns((raw as string[]).map((s) => s.trim()).filter(Boolean), at);
}

/** Bounds on `_source` patterns: no real client needs more, and each is matched against every field. */
export const SOURCE_PATTERN_LIMITS = { count: 64, length: 256 } as const;

function patterns(list: string[], at: string): string[] {
  if (list.length > SOURCE_PATTERN_LIMITS.count) {
    fail(at, `at most ${SOURCE_PATTERN_LIMITS.count} patterns`);
  }
  if (list.some((p) => p.length > SOURCE_PATTERN_LIMITS.length)) {
    fail(at, `a pattern is at most ${SOURCE_PATTERN_LIMITS.length} characters`);
  }
  return list;
}

// ---------------------------------------------------------------------------------------------

/** Reads a search from the URL parameters and the (optional) JSON body. */
export function parseSearchRequest(
  query: Record<string, unknown>,
  body: unknown,
): CocoSearchRequest {
  const request: CocoSearchRequest = {
    filters: [],
    source: { enabled: true, includes: [], excludes: [] },
    aggregations: [],
  };

  if (body !== undefined && body !== null) {
    if (!isObject(body)) fail('body', 'must be a JSON object');
    const b = body;
    const unknown = Object.keys(b).find((k) => !BODY_KEYS.includes(k));
    if (unknown) fail(unknown, `is not a supported search key (${BODY_KEYS.join(', ')})`);
    if (b.query !== undefined) {
      const out: Translated = { words: [], filters: [] };
      translateQuery(b.query, 'query', false, out);
      if (out.words.length) request.query = out.words.join(' ');
      request.filters.push(...out.filters);
    }
    if (b.from !== undefined) request.from = bodyInteger(b.from, 'from');
    if (b.size !== undefined) request.size = bodyInteger(b.size, 'size');
    if (b.sort !== undefined) request.sort = bodySort(b.sort);
    if (b.aggs !== undefined && b.aggregations !== undefined) {
      fail('aggs', 'give aggs or aggregations, not both');
    }
    if (b.aggs !== undefined) request.aggregations = bodyAggregations(b.aggs, 'aggs');
    if (b.aggregations !== undefined) {
      request.aggregations = bodyAggregations(b.aggregations, 'aggregations');
    }
    if (b._source !== undefined) request.source = bodySource(b._source);
    if (b.track_total_hits !== undefined) {
      const t = b.track_total_hits;
      request.trackTotalHits = typeof t === 'boolean' ? t : bodyInteger(t, 'track_total_hits');
    }
    if (b.version !== undefined) request.version = flag(b.version, 'version');
    if (b.seq_no_primary_term !== undefined) {
      request.seqNoPrimaryTerm = flag(b.seq_no_primary_term, 'seq_no_primary_term');
    }
  }

  const version = singleParam(query, 'version');
  if (version !== undefined) request.version = flag(version, 'version');
  const seqNo = singleParam(query, 'seq_no_primary_term');
  if (seqNo !== undefined) request.seqNoPrimaryTerm = flag(seqNo, 'seq_no_primary_term');

  const text = singleParam(query, 'query');
  if (text !== undefined) request.query = text;
  if (request.query !== undefined && request.query.trim() === '') delete request.query;

  const from = singleParam(query, 'from');
  if (from !== undefined) request.from = nonNegativeInteger(from, 'from');
  const size = singleParam(query, 'size');
  if (size !== undefined) request.size = nonNegativeInteger(size, 'size');
  const sort = singleParam(query, 'sort');
  if (sort !== undefined && sort.trim() !== '') request.sort = parseSort(sort);
  for (const filter of all(query, 'filter')) {
    if (filter.trim() !== '') request.filters.push(parseFilter(filter));
  }

  const source = singleParam(query, '_source');
  if (source !== undefined) {
    const flag = source.trim().toLowerCase();
    request.source =
      flag === 'false' || flag === 'true'
        ? { enabled: flag === 'true', includes: [], excludes: [] }
        : { enabled: true, includes: patterns(splitList(source), '_source'), excludes: [] };
  }
  const includes = singleParam(query, '_source_includes');
  if (includes !== undefined) {
    const list = patterns(splitList(includes), '_source_includes');
    request.source = { ...request.source, enabled: true, includes: list };
  }
  const excludes = singleParam(query, '_source_excludes');
  if (excludes !== undefined) {
    const list = patterns(splitList(excludes), '_source_excludes');
    request.source = { ...request.source, enabled: true, excludes: list };
  }
  return request;
}

// ---------------------------------------------------------------------------------------------
// `_source` filtering

/**
 * A `_source` pattern as a test on dotted paths: `*` matches any run of characters (dots
 * included), everything else matches itself. No regular expression: a run of `*` compiled to `.*`
 * backtracks exponentially (`*************Z` took seconds per field). Here the text between the
 * stars is found left to right with `indexOf` — the leftmost place is always the best one, so
 * there is no backtracking — and a test costs at most (path length × pattern length).
 */
export function wildcardMatcher(pattern: string): (path: string) => boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return (path) => path === pattern;
  const head = parts[0] ?? '';
  const tail = parts[parts.length - 1] ?? '';
  const middle = parts.slice(1, -1).filter((part) => part !== '');
  return (path) => {
    if (path.length < head.length + tail.length) return false;
    if (!path.startsWith(head) || !path.endsWith(tail)) return false;
    const end = path.length - tail.length;
    let at = head.length;
    for (const part of middle) {
      const found = path.indexOf(part, at);
      if (found < 0 || found + part.length > end) return false;
      at = found + part.length;
    }
    return true;
  };
}

/**
 * Elasticsearch's `_source` filtering: dotted paths, `*` wildcards. A field is kept when it (or an
 * object above it) matches an include — or when there are no includes — and it matches no exclude.
 */
export function filterSource(
  source: Record<string, unknown>,
  includes: string[],
  excludes: string[],
): Record<string, unknown> {
  const inc = includes.map(wildcardMatcher);
  const exc = excludes.map(wildcardMatcher);
  const walk = (node: Record<string, unknown>, prefix: string, included: boolean) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (exc.some((matches) => matches(path))) continue;
      const here = included || inc.length === 0 || inc.some((matches) => matches(path));
      const kept = keep(value, path, here);
      if (kept !== undefined) out[key] = kept;
    }
    return out;
  };
  const keep = (value: unknown, path: string, included: boolean): unknown => {
    if (isObject(value)) {
      const inner = walk(value, path, included);
      return included || Object.keys(inner).length ? inner : undefined;
    }
    if (Array.isArray(value)) {
      if (!included && !value.some(isObject)) return undefined;
      const items = value
        .map((item) => keep(item, path, included))
        .filter((item) => item !== undefined);
      return included || items.length ? items : undefined;
    }
    return included ? value : undefined;
  };
  return walk(source, '', false);
}
