import type { ConnectorView } from '../../connectors/domain/connector';
import type { SearchResult } from '../../connectors/domain/connector.search';
import { RequestValidationError } from '../../http/request-validation';
import type { MaskedTree } from '../../secrets/secret-tree';
import { newCocoId } from './coco-id';
import { parseSearchRequest } from './coco-search.parser';
import { CocoMapper } from './coco.mapper';
import { CreateCocoConnectorDto, UpdateCocoConnectorDto } from './dto/coco.requests';

const created = new Date('2025-01-15T02:00:00.000Z');
const updated = new Date('2025-01-16T02:00:00.000Z');

function view(overrides: Partial<ConnectorView> = {}): ConnectorView {
  return {
    organizationId: 'org',
    id: 'd07abc123def456ghi',
    name: 'My GitHub Connector',
    description: null,
    url: null,
    active: true,
    createdAt: created,
    updatedAt: updated,
    createdBy: 'key',
    updatedBy: 'key',
    config: null,
    builtin: false,
    version: 1,
    excludes: ['cohere-only'],
    continueOnFailure: true,
    oauth: null,
    serviceAuth: { type: 'bearer', token: '******' },
    authStatus: null,
    category: null,
    icon: null,
    tags: null,
    pathHierarchy: false,
    assets: null,
    oauthConnectImplemented: false,
    processor: null,
    type: 'github',
    provider: 'pipedream',
    ...overrides,
  };
}

const dto = <T extends object>(cls: new () => T, fields: Partial<T>): T =>
  Object.assign(new cls(), fields);

const reasonOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    if (error instanceof RequestValidationError) return error.message;
    throw error;
  }
  throw new Error('expected a RequestValidationError');
};

describe('CocoMapper.toSource', () => {
  it("shows the seed's fields and always the fields Coco always writes, nothing of other dialects", () => {
    const source = CocoMapper.toSource(
      view({
        description: 'Connects to GitHub repositories',
        category: 'version_control',
        icon: 'font_github',
        tags: ['github', 'code'],
        config: { token: '******', repos: ['infinilabs/coco-server'] } as unknown as MaskedTree,
        processor: { enabled: true },
      }),
    );
    expect(source).toStrictEqual({
      id: 'd07abc123def456ghi',
      created: '2025-01-15T02:00:00.000Z',
      updated: '2025-01-16T02:00:00.000Z',
      name: 'My GitHub Connector',
      description: 'Connects to GitHub repositories',
      category: 'version_control',
      icon: 'font_github',
      tags: ['github', 'code'],
      path_hierarchy: false,
      assets: {},
      builtin: false,
      config: { token: '******', repos: ['infinilabs/coco-server'] },
      oauth_connect_implemented: false,
      processor: { enabled: true },
      enabled: true,
    });
  });

  it('leaves out empty optional fields and shows a missing processor as not enabled', () => {
    const source = CocoMapper.toSource(
      view({
        description: '',
        tags: [],
        config: {} as MaskedTree,
        url: 'https://x.test',
        active: false,
      }),
    );
    expect(source).toStrictEqual({
      id: 'd07abc123def456ghi',
      created: '2025-01-15T02:00:00.000Z',
      updated: '2025-01-16T02:00:00.000Z',
      name: 'My GitHub Connector',
      url: 'https://x.test',
      path_hierarchy: false,
      assets: {},
      builtin: false,
      oauth_connect_implemented: false,
      processor: { enabled: false },
      enabled: false,
    });
  });
});

describe('CocoMapper.toNewConnector', () => {
  it('maps every Coco field, enabled onto active, and makes a Coco-shaped id', () => {
    const input = CocoMapper.toNewConnector(
      dto(CreateCocoConnectorDto, {
        name: 'n',
        description: 'd',
        category: 'c',
        icon: 'i',
        tags: ['t'],
        url: 'https://u.test',
        path_hierarchy: true,
        assets: { icons: { default: '/i.png' } },
        config: { token: 'x' },
        oauth_connect_implemented: true,
        processor: { enabled: true, name: 'p' },
        enabled: false,
      }),
    );
    expect(input).toStrictEqual({
      id: expect.stringMatching(/^[0-9a-v]{20}$/) as string,
      name: 'n',
      description: 'd',
      category: 'c',
      icon: 'i',
      url: 'https://u.test',
      tags: ['t'],
      pathHierarchy: true,
      assets: { icons: { default: '/i.png' } },
      config: { token: 'x' },
      oauthConnectImplemented: true,
      processor: { enabled: true, name: 'p' },
      active: false,
    });
  });

  it("keeps the client's id; an empty id or empty texts count as none", () => {
    expect(
      CocoMapper.toNewConnector(dto(CreateCocoConnectorDto, { id: 'mine', name: 'n' })).id,
    ).toBe('mine');
    const input = CocoMapper.toNewConnector(
      dto(CreateCocoConnectorDto, { id: '', name: 'n', url: '' }),
      'made',
    );
    expect(input.id).toBe('made');
    expect(input.url).toBeNull();
  });
});

describe('CocoMapper.toChanges', () => {
  it('merge: touches only what was sent; objects merge, null clears them', () => {
    expect(
      CocoMapper.toChanges(
        dto(UpdateCocoConnectorDto, {
          name: 'n2',
          config: { a: 1 },
          assets: null,
          processor: { name: 'p' },
          enabled: null,
        }),
        false,
      ),
    ).toStrictEqual({
      name: 'n2',
      description: undefined,
      category: undefined,
      icon: undefined,
      url: undefined,
      tags: undefined,
      pathHierarchy: undefined,
      oauthConnectImplemented: undefined,
      active: undefined,
      config: { merge: { a: 1 } },
      assets: { replace: null },
      processor: { merge: { name: 'p' } },
    });
  });

  it('replace: sets every Coco field, defaults for those left out, and nothing else', () => {
    expect(
      CocoMapper.toChanges(dto(UpdateCocoConnectorDto, { name: 'n', tags: ['t'] }), true),
    ).toStrictEqual({
      name: 'n',
      description: null,
      category: null,
      icon: null,
      url: null,
      tags: ['t'],
      pathHierarchy: false,
      oauthConnectImplemented: false,
      active: true,
      config: { replace: null },
      assets: { replace: null },
      processor: { replace: null },
    });
  });

  it('replace needs a name', () => {
    expect(reasonOf(() => CocoMapper.toChanges(dto(UpdateCocoConnectorDto, {}), true))).toBe(
      'name: is required with replace=true',
    );
  });
});

describe('CocoMapper.toSearchSpec', () => {
  const spec = (query: Record<string, unknown>, body?: unknown, bound = 10_000) =>
    CocoMapper.toSearchSpec(parseSearchRequest(query, body), bound);

  it('defaults: from 0, size 10, newest first, the configured bound', () => {
    expect(spec({}, undefined, 123)).toStrictEqual({
      text: undefined,
      filters: [],
      sort: [{ field: 'createdAt', direction: 'desc' }],
      from: 0,
      size: 10,
      trackTotalHits: 123,
      aggregations: [],
    });
  });

  it('translates Coco field names into canonical ones and types boolean values', () => {
    const s = spec({
      filter: [
        'enabled:true',
        '-processor.enabled:FALSE',
        'builtin:any(1,0)',
        '_id:x',
        'tags:42',
        'exists(processor.name)',
      ],
      sort: 'updated:asc,enabled:desc,_score',
    });
    expect(s.filters).toStrictEqual([
      { field: 'active', op: 'eq', values: [true] },
      { field: 'processor.enabled', op: 'neq', values: [false] },
      { field: 'builtin', op: 'any', values: [true, false] },
      { field: 'id', op: 'eq', values: ['x'] },
      { field: 'tags', op: 'eq', values: ['42'] },
      { field: 'processor.name', op: 'exists', values: [] },
    ]);
    expect(s.sort).toStrictEqual([
      { field: 'updatedAt', direction: 'asc' },
      { field: 'active', direction: 'desc' },
      { field: 'score', direction: 'desc' },
    ]);
  });

  it('caps track_total_hits at the configured bound', () => {
    expect(spec({}, { track_total_hits: 50 }, 20).trackTotalHits).toBe(20);
    expect(spec({}, { track_total_hits: 5 }, 20).trackTotalHits).toBe(5);
    expect(spec({}, { track_total_hits: true }, 20).trackTotalHits).toBe(20);
  });

  it.each([
    [{ size: '10001' }, 'size: must be at most 10000'],
    [
      { from: '9995', size: '10' },
      'from + size: result window is too large: from + size must be at most 10000 but was 10005',
    ],
    [
      { sort: 'description' },
      "sort: cannot sort on 'description' (use id, _id, name, category, created, updated, enabled, builtin, processor.name, _score)",
    ],
    [
      { filter: 'config.token:x' },
      "filter: cannot filter on 'config.token' (use id, _id, name, category, tags, enabled, builtin, processor.enabled, processor.name)",
    ],
    [{ filter: 'enabled:yes' }, "filter: enabled is a boolean: use true or false (got 'yes')"],
  ])('refuses %j', (query, reason) => {
    expect(reasonOf(() => spec(query))).toBe(reason);
  });

  it('refuses aggregations on other fields or of a size out of range', () => {
    expect(reasonOf(() => spec({}, { aggs: { a: { terms: { field: 'name' } } } }))).toBe(
      "aggs.a: terms aggregations are supported on category, tags (got 'name')",
    );
    expect(reasonOf(() => spec({}, { aggs: { a: { terms: { field: 'tags', size: 0 } } } }))).toBe(
      'aggs.a.terms.size: must be 1 to 10000',
    );
  });
});

describe('CocoMapper.toSearchResponse', () => {
  const result: SearchResult<ConnectorView> = {
    hits: [{ connector: view({ id: 'a', name: 'A' }), score: null }],
    total: { value: 10_000, exact: false },
    maxScore: null,
    aggregations: [{ name: 'categories', buckets: [{ key: 'website', count: 7 }], otherCount: 3 }],
  };

  it("answers in Elasticsearch's shape, total always an object", () => {
    const response = CocoMapper.toSearchResponse(
      result,
      parseSearchRequest({ _source_includes: 'id,name' }, undefined),
      4,
    );
    expect(response).toStrictEqual({
      took: 4,
      timed_out: false,
      _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
      hits: {
        total: { value: 10_000, relation: 'gte' },
        max_score: null,
        hits: [
          {
            _index: 'connector',
            _type: '_doc',
            _id: 'a',
            _score: null,
            _source: { id: 'a', name: 'A' },
          },
        ],
      },
      aggregations: {
        categories: {
          doc_count_error_upper_bound: 0,
          sum_other_doc_count: 3,
          buckets: [{ key: 'website', doc_count: 7 }],
        },
      },
    });
  });

  it('leaves _source out when asked to', () => {
    const response = CocoMapper.toSearchResponse(
      result,
      parseSearchRequest({ _source: 'false' }, undefined),
      1,
    );
    expect(response.hits.hits[0]).toStrictEqual({
      _index: 'connector',
      _type: '_doc',
      _id: 'a',
      _score: null,
    });
  });
});

describe('newCocoId', () => {
  it('makes 20-character base32hex xids that start with the creation second', () => {
    const a = newCocoId(new Date('2025-03-12T00:00:00Z'));
    const b = newCocoId(new Date('2025-03-12T00:00:00Z'));
    expect(a).toMatch(/^[0-9a-v]{20}$/);
    expect(a).not.toBe(b);
    // 1741737600 = 0x67d0cf80: its first 20 bits are the first 4 characters.
    expect(a.slice(0, 4)).toBe('cv8c');
    expect(a.slice(0, 14)).toBe(b.slice(0, 14));
  });
});
