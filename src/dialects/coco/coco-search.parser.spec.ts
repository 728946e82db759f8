import { RequestValidationError } from '../../http/request-validation';
import {
  filterSource,
  MAX_BOOL_DEPTH,
  parseFilter,
  parseSearchRequest,
  parseSort,
  singleParam,
  wildcardMatcher,
} from './coco-search.parser';

const reasonOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    if (error instanceof RequestValidationError) return error.message;
    throw error;
  }
  throw new Error('expected a RequestValidationError');
};

describe('parseFilter', () => {
  it('reads field:value and field=value', () => {
    expect(parseFilter('category:website')).toEqual({
      field: 'category',
      op: 'eq',
      values: ['website'],
    });
    expect(parseFilter(' enabled = true ')).toEqual({
      field: 'enabled',
      op: 'eq',
      values: ['true'],
    });
  });

  it('keeps everything after the first separator as the value', () => {
    expect(parseFilter('name:a:b=c')).toEqual({ field: 'name', op: 'eq', values: ['a:b=c'] });
  });

  it('negates with a leading minus', () => {
    expect(parseFilter('-category:website')).toEqual({
      field: 'category',
      op: 'neq',
      values: ['website'],
    });
    expect(parseFilter('-id:any(a,b)')).toEqual({ field: 'id', op: 'none', values: ['a', 'b'] });
    expect(parseFilter('-exists(tags)')).toEqual({ field: 'tags', op: 'missing', values: [] });
  });

  it('reads any(...) lists, trimming and dropping blanks', () => {
    expect(parseFilter('id:any( github , notion,,)')).toEqual({
      field: 'id',
      op: 'any',
      values: ['github', 'notion'],
    });
  });

  it('reads exists(field), dotted fields included', () => {
    expect(parseFilter('exists(processor.name)')).toEqual({
      field: 'processor.name',
      op: 'exists',
      values: [],
    });
  });

  it.each([
    [
      'github',
      "filter: 'github' is not field:value, -field:value, field:any(a,b) or exists(field)",
    ],
    [':x', "filter: ':x' is not field:value, -field:value, field:any(a,b) or exists(field)"],
    ['name:', "filter: 'name:' has no value"],
    ['id:any()', "filter: any() needs at least one value ('id:any()')"],
    ['exists()', "filter: '' is not a field name"],
    ['na me:x', "filter: 'na me' is not a field name"],
    ['age>=18', "filter: range filters are not supported ('age>=18')"],
  ])('refuses %j', (raw, reason) => {
    expect(reasonOf(() => parseFilter(raw))).toBe(reason);
  });
});

describe('parseSort', () => {
  it('reads a comma list with optional orders; ascending by default, _score descending', () => {
    expect(parseSort('created:desc,name,_score, updated:ASC')).toEqual([
      { field: 'created', order: 'desc' },
      { field: 'name', order: 'asc' },
      { field: '_score', order: 'desc' },
      { field: 'updated', order: 'asc' },
    ]);
  });

  it('refuses an unknown order and a field with two colons', () => {
    expect(reasonOf(() => parseSort('name:up'))).toBe("sort: order must be asc or desc (got 'up')");
    expect(reasonOf(() => parseSort('name:asc:x'))).toBe(
      "sort: 'name:asc:x' is not field or field:order",
    );
    expect(reasonOf(() => parseSort(','))).toBe('sort: names no field');
  });
});

describe('parseSearchRequest', () => {
  it('gives defaults to the mapper by leaving them undefined', () => {
    expect(parseSearchRequest({}, undefined)).toEqual({
      filters: [],
      source: { enabled: true, includes: [], excludes: [] },
      aggregations: [],
    });
  });

  it('reads the URL parameters, repeated filters included', () => {
    const r = parseSearchRequest(
      {
        query: 'git hub',
        from: '5',
        size: '20',
        sort: 'name:desc',
        filter: ['category:website', '-builtin:true'],
        _source_includes: 'id, name',
        _source_excludes: 'config',
        unknown: 'ignored',
      },
      undefined,
    );
    expect(r).toEqual({
      query: 'git hub',
      from: 5,
      size: 20,
      sort: [{ field: 'name', order: 'desc' }],
      filters: [
        { field: 'category', op: 'eq', values: ['website'] },
        { field: 'builtin', op: 'neq', values: ['true'] },
      ],
      source: { enabled: true, includes: ['id', 'name'], excludes: ['config'] },
      aggregations: [],
    });
  });

  it.each(['query', 'from', 'size', 'sort', '_source', '_source_includes', '_source_excludes'])(
    'refuses %s given twice (Fastify hands a repeated parameter over as a list)',
    (key) => {
      expect(reasonOf(() => parseSearchRequest({ [key]: ['1', '2'] }, undefined))).toBe(
        `${key}: must be given once`,
      );
    },
  );

  it('reads filter given any number of times, and a one-item list as its item', () => {
    expect(
      parseSearchRequest({ filter: ['tags:a', 'tags:b', 'tags:c'] }, undefined).filters,
    ).toEqual(['a', 'b', 'c'].map((tag) => ({ field: 'tags', op: 'eq', values: [tag] })));
    expect(parseSearchRequest({ size: ['3'] }, undefined).size).toBe(3);
  });

  it('refuses a parameter that is not text', () => {
    expect(reasonOf(() => parseSearchRequest({ size: { a: '1' } }, undefined))).toBe(
      'size: must be text',
    );
    expect(reasonOf(() => parseSearchRequest({ filter: ['a:b', 5] }, undefined))).toBe(
      'filter: must be text',
    );
    expect(reasonOf(() => singleParam({ replace: ['true', 'false'] }, 'replace'))).toBe(
      'replace: must be given once',
    );
    expect(singleParam({}, 'replace')).toBeUndefined();
    expect(singleParam({ replace: '' }, 'replace')).toBe('');
  });

  it('bounds the _source patterns: at most 64, each at most 256 characters', () => {
    const many = Array.from({ length: 65 }, (_, i) => `f${i}`);
    expect(
      parseSearchRequest({ _source_includes: many.slice(0, 64).join(',') }, undefined).source
        .includes,
    ).toHaveLength(64);
    expect(
      reasonOf(() => parseSearchRequest({ _source_includes: many.join(',') }, undefined)),
    ).toBe('_source_includes: at most 64 patterns');
    expect(
      reasonOf(() => parseSearchRequest({ _source_excludes: 'a'.repeat(257) }, undefined)),
    ).toBe('_source_excludes: a pattern is at most 256 characters');
    expect(reasonOf(() => parseSearchRequest({ _source: many.join(',') }, undefined))).toBe(
      '_source: at most 64 patterns',
    );
    expect(reasonOf(() => parseSearchRequest({}, { _source: many }))).toBe(
      '_source: at most 64 patterns',
    );
    expect(
      reasonOf(() => parseSearchRequest({}, { _source: { excludes: ['*'.repeat(257)] } })),
    ).toBe('_source.excludes: a pattern is at most 256 characters');
  });

  it(`lets bool queries nest ${MAX_BOOL_DEPTH} levels deep, and no deeper`, () => {
    const nest = (levels: number): unknown => {
      let q: unknown = { term: { category: 'x' } };
      for (let i = 0; i < levels; i++) q = { bool: { must: q } };
      return q;
    };
    expect(parseSearchRequest({}, { query: nest(MAX_BOOL_DEPTH) }).filters).toEqual([
      { field: 'category', op: 'eq', values: ['x'] },
    ]);
    expect(reasonOf(() => parseSearchRequest({}, { query: nest(MAX_BOOL_DEPTH + 1) }))).toBe(
      'query: bool queries may nest at most 16 levels deep',
    );
    // Refused at the 17th level: the rest of a deep body is never walked.
    expect(reasonOf(() => parseSearchRequest({}, { query: nest(100_000) }))).toBe(
      'query: bool queries may nest at most 16 levels deep',
    );
  });

  it('treats a blank query as no query', () => {
    expect(parseSearchRequest({ query: '   ' }, undefined).query).toBeUndefined();
  });

  it.each([
    [{ from: '-1' }, 'from: must be a non-negative integer'],
    [{ size: 'ten' }, 'size: must be a non-negative integer'],
    [{ size: '1.5' }, 'size: must be a non-negative integer'],
    [{ size: '99999999999999999999' }, 'size: must be a non-negative integer'],
  ])('refuses bad numbers %j', (query, reason) => {
    expect(reasonOf(() => parseSearchRequest(query, undefined))).toBe(reason);
  });

  it('reads _source=false and _source=a,b', () => {
    expect(parseSearchRequest({ _source: 'false' }, undefined).source.enabled).toBe(false);
    expect(parseSearchRequest({ _source: 'id,name' }, undefined).source).toEqual({
      enabled: true,
      includes: ['id', 'name'],
      excludes: [],
    });
  });

  it("reads the admin UI's aggregation body", () => {
    const r = parseSearchRequest(
      {},
      { aggs: { categories: { terms: { field: 'category', size: 100 } } }, size: 0 },
    );
    expect(r.size).toBe(0);
    expect(r.aggregations).toEqual([{ name: 'categories', field: 'category', size: 100 }]);
  });

  it('translates the supported query DSL into words and filters', () => {
    const r = parseSearchRequest(
      {},
      {
        query: {
          bool: {
            must: [
              { query_string: { query: 'gith' } },
              { multi_match: { query: 'code', fields: ['name'] } },
            ],
            filter: [
              { term: { enabled: true } },
              { term: { category: { value: 'website' } } },
              { terms: { tags: ['a', 'b'] } },
              { ids: { values: ['x'] } },
              { exists: { field: 'icon' } },
              { match_all: {} },
            ],
            must_not: { term: { builtin: true } },
          },
        },
      },
    );
    expect(r.query).toBe('gith code');
    expect(r.filters).toEqual([
      { field: 'enabled', op: 'eq', values: [true] },
      { field: 'category', op: 'eq', values: ['website'] },
      { field: 'tags', op: 'any', values: ['a', 'b'] },
      { field: 'id', op: 'any', values: ['x'] },
      { field: 'icon', op: 'exists', values: [] },
      { field: 'builtin', op: 'neq', values: [true] },
    ]);
  });

  it('lets URL parameters win over the body, and adds URL filters to the body filters', () => {
    const r = parseSearchRequest(
      { size: '2', query: 'url words', filter: 'enabled:true', sort: 'name' },
      {
        size: 1,
        from: 3,
        sort: [{ created: { order: 'desc' } }],
        query: {
          bool: {
            must: { query_string: { query: 'body words' } },
            filter: { term: { category: 'x' } },
          },
        },
      },
    );
    expect(r.size).toBe(2);
    expect(r.from).toBe(3);
    expect(r.query).toBe('url words');
    expect(r.sort).toEqual([{ field: 'name', order: 'asc' }]);
    expect(r.filters).toEqual([
      { field: 'category', op: 'eq', values: ['x'] },
      { field: 'enabled', op: 'eq', values: ['true'] },
    ]);
  });

  it('reads body sorts in their Elasticsearch forms', () => {
    expect(
      parseSearchRequest({}, { sort: ['name', { created: 'desc' }, { updated: { order: 'asc' } }] })
        .sort,
    ).toEqual([
      { field: 'name', order: 'asc' },
      { field: 'created', order: 'desc' },
      { field: 'updated', order: 'asc' },
    ]);
    expect(parseSearchRequest({}, { sort: 'created:desc' }).sort).toEqual([
      { field: 'created', order: 'desc' },
    ]);
  });

  it.each([
    [[], 'body: must be a JSON object'],
    ['text', 'body: must be a JSON object'],
    [
      { highlight: {} },
      'highlight: is not a supported search key (query, from, size, sort, aggs, aggregations, _source, track_total_hits, version, seq_no_primary_term)',
    ],
    [
      { query: { match: { name: 'x' } } },
      'query.match: is not supported: use match_all, query_string, simple_query_string, multi_match, term, terms, ids, exists or bool',
    ],
    [{ query: { term: { a: 1 }, terms: { b: [1] } } }, 'query: must hold exactly one query type'],
    [
      { query: { bool: { should: [] } } },
      'query.bool.should: is not supported (use must, filter or must_not)',
    ],
    [
      { query: { bool: { must_not: { bool: { must: [] } } } } },
      'query.bool.must_not[0].bool: a bool query inside must_not is not supported',
    ],
    [
      { query: { bool: { must_not: { query_string: { query: 'x' } } } } },
      'query.bool.must_not[0].query_string: full text cannot be negated',
    ],
    [{ query: { terms: { id: [] } } }, 'query.terms.id: must be a non-empty list'],
    [
      { query: { term: { id: { nested: 1 } } } },
      'query.term.id: must be a string, number or boolean',
    ],
    [{ size: '5' }, 'size: must be a non-negative integer'],
    [{ size: -1 }, 'size: must be a non-negative integer'],
    [
      { aggs: { a: { avg: { field: 'x' } } } },
      'aggs.a: only terms aggregations are supported (no sub-aggregations)',
    ],
    [
      { aggs: { a: { terms: { field: 'category' }, aggs: {} } } },
      'aggs.a: only terms aggregations are supported (no sub-aggregations)',
    ],
    [
      { aggs: { a: { terms: { field: 'category', order: { _key: 'asc' } } } } },
      "aggs.a.terms: unsupported option 'order' (field and size only)",
    ],
    [{ aggs: {}, aggregations: {} }, 'aggs: give aggs or aggregations, not both'],
    [{ _source: 5 }, '_source: must be a boolean, a field list or {includes, excludes}'],
    [{ track_total_hits: 'yes' }, 'track_total_hits: must be a non-negative integer'],
  ])('refuses the body %j', (body, reason) => {
    expect(reasonOf(() => parseSearchRequest({}, body))).toBe(reason);
  });
});

describe('filterSource', () => {
  const source = {
    id: 'a',
    name: 'A',
    processor: { enabled: true, name: 'p' },
    config: { token: '******', nested: { host: 'h' }, list: [{ password: '******', port: 1 }] },
    tags: ['x'],
  };

  it('keeps only the included fields, whole objects included', () => {
    expect(filterSource(source, ['id', 'processor'], [])).toEqual({
      id: 'a',
      processor: { enabled: true, name: 'p' },
    });
  });

  it('follows dotted paths into objects and arrays of objects', () => {
    expect(filterSource(source, ['processor.name', 'config.list.port'], [])).toEqual({
      processor: { name: 'p' },
      config: { list: [{ port: 1 }] },
    });
  });

  it('understands wildcards and drops excluded fields, excludes winning', () => {
    expect(filterSource(source, ['*'], ['config', 'processor.*'])).toEqual({
      id: 'a',
      name: 'A',
      processor: {},
      tags: ['x'],
    });
    expect(filterSource(source, ['n*', 'id'], [])).toEqual({ id: 'a', name: 'A' });
    expect(filterSource(source, [], ['config.*', 'tags'])).toEqual({
      id: 'a',
      name: 'A',
      processor: { enabled: true, name: 'p' },
      config: {},
    });
  });

  it('treats regular-expression characters in a pattern literally', () => {
    expect(filterSource({ 'a.b': 1, axb: 2 }, ['a.b'], [])).toEqual({ 'a.b': 1 });
    expect(filterSource({ 'a+b': 1, aab: 2, 'a?': 3, a: 4 }, ['a+b', 'a?'], [])).toEqual({
      'a+b': 1,
      'a?': 3,
    });
  });

  it('answers at once for patterns that make a regular expression backtrack exponentially', async () => {
    // As regular expressions (`^.*.*...Z$`, `^a.*a.*...b$`) each of these took seconds on
    // these few fields, and every further star multiplies the time by three or four. A synchronous
    // hang cannot be interrupted, so the test yields to the timers once done: had the filtering
    // taken longer than the timeout, Jest's timer fires first and fails the test.
    const stars = `${'*'.repeat(12)}Z`;
    const starsBetween = `${'a*'.repeat(10)}b`;
    const long = { ['a'.repeat(36)]: 1, config: { ['a'.repeat(30)]: 2 } };
    expect(filterSource(source, [stars], [])).toEqual({});
    expect(filterSource(source, [], [stars])).toEqual(source);
    expect(filterSource(long, [starsBetween], [])).toEqual({});
    expect(filterSource(long, ['*'], [starsBetween])).toEqual(long);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }, 5000);
});

describe('wildcardMatcher', () => {
  it.each<[string, string[], string[]]>([
    ['name', ['name'], ['nam', 'names', 'x.name', '']],
    ['*', ['', 'id', 'config.nested.host'], []],
    ['**', ['', 'id', 'config.a'], []],
    ['n*', ['n', 'name', 'n.x'], ['', 'an', 'id']],
    ['*name', ['name', 'processor.name', 'rename'], ['names', 'nam']],
    ['*.name', ['processor.name', 'a.b.name'], ['name', 'processorname']],
    ['config.*', ['config.', 'config.token', 'config.nested.host'], ['config', 'configx']],
    ['p*r.n*e', ['processor.name', 'pr.ne', 'pXr.nYe'], ['processor.names', 'processor']],
    ['a**b', ['ab', 'axb', 'a.x.b'], ['a', 'b', 'ba']],
    ['a*a', ['aa', 'aba', 'aaa'], ['a', '']],
    ['ab*ba', ['abba', 'abxba'], ['aba', 'ab', 'ba']],
    ['*a*b*c*', ['abc', 'xaxbxcx', 'cabc'], ['acb', 'cba', 'ab']],
    ['a.b', ['a.b'], ['axb', 'a.bc']],
    ['*.*', ['a.b', '.'], ['ab']],
  ])('%j matches %j and not %j', (pattern, yes, no) => {
    const matches = wildcardMatcher(pattern);
    for (const path of yes) expect([path, matches(path)]).toEqual([path, true]);
    for (const path of no) expect([path, matches(path)]).toEqual([path, false]);
  });
});
