import { type FieldProblem, InvalidConnectorError } from './connector.errors';

/**
 * A search over an organization's connectors, in canonical terms. No dialect's syntax lives here:
 * a dialect parses its own query language and translates its field names into these.
 */

/** Fields holding text (`tags` holds a list of texts: a filter matches any of its items). */
export const SEARCH_TEXT_FIELDS = ['id', 'name', 'category', 'tags', 'processor.name'] as const;
/** Fields holding a boolean. A connector without a processor counts as `processor.enabled: false`. */
export const SEARCH_BOOLEAN_FIELDS = ['active', 'builtin', 'processor.enabled'] as const;
export type SearchTextField = (typeof SEARCH_TEXT_FIELDS)[number];
export type SearchBooleanField = (typeof SEARCH_BOOLEAN_FIELDS)[number];
export type SearchFilterField = SearchTextField | SearchBooleanField;
export const SEARCH_FILTER_FIELDS: readonly SearchFilterField[] = [
  ...SEARCH_TEXT_FIELDS,
  ...SEARCH_BOOLEAN_FIELDS,
];

/**
 * - `eq` / `neq`: equal to the one value (for a list: contains it) / not equal, a missing value
 *   included;
 * - `any` / `none`: equal to one of the values / to none of them, a missing value included;
 * - `exists` / `missing`: has a value (a list: at least one item) / has none.
 * Text comparisons are exact, case included.
 */
export type SearchFilterOp = 'eq' | 'neq' | 'any' | 'none' | 'exists' | 'missing';
export const SEARCH_FILTER_OPS: readonly SearchFilterOp[] = [
  'eq',
  'neq',
  'any',
  'none',
  'exists',
  'missing',
];

export type SearchValue = string | boolean;

export interface SearchFilter {
  field: SearchFilterField;
  op: SearchFilterOp;
  /** One value for eq/neq, at least one for any/none, none for exists/missing. */
  values: SearchValue[];
}

/** `score` is the full-text relevance (constant without `text`). */
export const SEARCH_SORT_FIELDS = [
  'id',
  'name',
  'category',
  'createdAt',
  'updatedAt',
  'active',
  'builtin',
  'processor.name',
  'score',
] as const;
export type SearchSortField = (typeof SEARCH_SORT_FIELDS)[number];
export type SortDirection = 'asc' | 'desc';

export interface SearchSort {
  field: SearchSortField;
  direction: SortDirection;
}

export const SEARCH_AGGREGATION_FIELDS = ['category', 'tags'] as const;
export type SearchAggregationField = (typeof SEARCH_AGGREGATION_FIELDS)[number];

/** Counts connectors per distinct value of a field, most frequent first (then by value). */
export interface TermsAggregation {
  name: string;
  field: SearchAggregationField;
  size: number;
}

export interface ConnectorSearch {
  /**
   * Full text over name, description, category, tags and processor name, case-insensitive: every
   * word must match a word of the connector, as the whole word or as its beginning.
   */
  text?: string;
  filters: SearchFilter[];
  /** Applied in order; ties end newest first (creation time, then insertion order). */
  sort: SearchSort[];
  from: number;
  /** 0: count and aggregate only. */
  size: number;
  /** Count matches exactly up to this many; past it the total is this bound, marked inexact. */
  trackTotalHits: number;
  aggregations: TermsAggregation[];
}

export interface SearchHit<T> {
  connector: T;
  /** Relevance, only when sorted by `score` (as Elasticsearch, which scores nothing otherwise). */
  score: number | null;
}

export interface SearchResult<T> {
  hits: Array<SearchHit<T>>;
  /** `exact: false` means "at least `value`". */
  total: { value: number; exact: boolean };
  maxScore: number | null;
  aggregations: Array<{
    name: string;
    buckets: Array<{ key: string; count: number }>;
    /** Matches counted in no returned bucket (items, for a list field). */
    otherCount: number;
  }>;
}

export const SEARCH_LIMITS = {
  /** `from + size` at most this (Elasticsearch's default `index.max_result_window`). */
  window: 10_000,
  text: 1024,
  filters: 64,
  values: 1024,
  valueLength: 1024,
  sorts: 16,
  aggregations: 16,
  aggregationSize: 10_000,
} as const;

/** PostgreSQL text cannot hold U+0000. */
const NUL = '\u0000';

const isTextField = (f: SearchFilterField): f is SearchTextField =>
  (SEARCH_TEXT_FIELDS as readonly string[]).includes(f);

/** Checks a spec before it reaches the store; a dialect should have refused worse already. */
export function checkSearch(spec: ConnectorSearch): void {
  const problems: FieldProblem[] = [];
  const add = (field: string, reason: string) => problems.push({ field, reason });
  const count = (n: number) => Number.isSafeInteger(n) && n >= 0;

  if (spec.text !== undefined && spec.text.length > SEARCH_LIMITS.text) {
    add('query', `must be at most ${SEARCH_LIMITS.text} characters`);
  } else if (spec.text?.includes(NUL)) add('query', 'must not contain NUL characters');
  if (!count(spec.from)) add('from', 'must be a non-negative integer');
  if (!count(spec.size)) add('size', 'must be a non-negative integer');
  if (count(spec.from) && count(spec.size) && spec.from + spec.size > SEARCH_LIMITS.window) {
    add('from + size', `must be at most ${SEARCH_LIMITS.window}`);
  }
  if (!count(spec.trackTotalHits)) add('track_total_hits', 'must be a non-negative integer');

  if (spec.filters.length > SEARCH_LIMITS.filters) {
    add('filter', `at most ${SEARCH_LIMITS.filters} filters`);
  }
  for (const f of spec.filters) {
    if (!SEARCH_FILTER_FIELDS.includes(f.field)) {
      add('filter', `cannot filter on '${String(f.field)}'`);
      continue;
    }
    if (!SEARCH_FILTER_OPS.includes(f.op)) {
      add(`filter ${f.field}`, `unknown operator '${String(f.op)}'`);
      continue;
    }
    const arity =
      f.op === 'exists' || f.op === 'missing'
        ? f.values.length === 0
        : f.op === 'eq' || f.op === 'neq'
          ? f.values.length === 1
          : f.values.length >= 1 && f.values.length <= SEARCH_LIMITS.values;
    if (!arity) add(`filter ${f.field}`, `wrong number of values for '${f.op}'`);
    const want = isTextField(f.field) ? 'string' : 'boolean';
    for (const v of f.values) {
      if (typeof v !== want) add(`filter ${f.field}`, `values must be ${want}s`);
      else if (typeof v === 'string' && v.length > SEARCH_LIMITS.valueLength) {
        add(`filter ${f.field}`, `values must be at most ${SEARCH_LIMITS.valueLength} characters`);
      } else if (typeof v === 'string' && v.includes(NUL)) {
        add(`filter ${f.field}`, 'values must not contain NUL characters');
      }
    }
  }

  if (spec.sort.length > SEARCH_LIMITS.sorts) add('sort', `at most ${SEARCH_LIMITS.sorts} fields`);
  for (const s of spec.sort) {
    if (!(SEARCH_SORT_FIELDS as readonly string[]).includes(s.field)) {
      add('sort', `cannot sort on '${String(s.field)}'`);
    }
    if (s.direction !== 'asc' && s.direction !== 'desc')
      add('sort', 'direction must be asc or desc');
  }

  if (spec.aggregations.length > SEARCH_LIMITS.aggregations) {
    add('aggs', `at most ${SEARCH_LIMITS.aggregations} aggregations`);
  }
  for (const a of spec.aggregations) {
    if (!(SEARCH_AGGREGATION_FIELDS as readonly string[]).includes(a.field)) {
      add(`aggs.${a.name}`, `cannot aggregate on '${String(a.field)}'`);
    }
    if (!Number.isSafeInteger(a.size) || a.size < 1 || a.size > SEARCH_LIMITS.aggregationSize) {
      add(`aggs.${a.name}`, `size must be 1 to ${SEARCH_LIMITS.aggregationSize}`);
    }
  }
  if (problems.length) throw new InvalidConnectorError(problems);
}
