import type { ConnectorView } from '../../connectors/domain/connector';
import { generateKey, parseKey, SecretCipher } from '../../secrets/cipher';
import { MASK } from '../../secrets/mask';
import { maskTree, sealTree } from '../../secrets/secret-tree';
import { DEFAULT_TYPE, GenericMapper, SYSTEM_ACTOR } from './generic.mapper';

const cipher = new SecretCipher(parseKey(generateKey()));
const config = maskTree(
  sealTree(
    { channel: '#alerts', bot_token: 'xoxb-1', hosts: [{ password: 'p' }] },
    null,
    cipher,
    'ctx',
  ),
);

function view(overrides: Partial<ConnectorView> = {}): ConnectorView {
  return {
    organizationId: 'org-1',
    id: 'team-slack-ab12cd',
    name: 'Team Slack',
    description: 'alerts',
    url: 'https://search.example.com/search',
    active: true,
    createdAt: new Date('2026-01-02T03:04:05.006Z'),
    updatedAt: new Date('2026-02-03T04:05:06.007Z'),
    createdBy: 'key_0011223344556677',
    updatedBy: 'key_8899aabbccddeeff',
    config,
    builtin: false,
    version: 1,
    excludes: ['x'],
    continueOnFailure: false,
    oauth: null,
    serviceAuth: { type: 'bearer', token: MASK },
    authStatus: null,
    category: 'chat',
    icon: null,
    tags: ['a'],
    pathHierarchy: false,
    assets: null,
    oauthConnectImplemented: false,
    processor: null,
    type: 'slack',
    provider: 'pipedream',
    ...overrides,
  };
}

describe('GenericMapper', () => {
  it('shows exactly the seed fields, data as maskedData', () => {
    expect(GenericMapper.toResponse(view())).toStrictEqual({
      id: 'team-slack-ab12cd',
      name: 'Team Slack',
      description: 'alerts',
      type: 'slack',
      provider: 'pipedream',
      organizationId: 'org-1',
      createdAt: '2026-01-02T03:04:05.006Z',
      createdBy: 'key_0011223344556677',
      updatedAt: '2026-02-03T04:05:06.007Z',
      updatedBy: 'key_8899aabbccddeeff',
      version: 1,
      maskedData: { channel: '#alerts', bot_token: MASK, hosts: [{ password: MASK }] },
      authStatus: null,
    });
  });

  it('fills what other dialects leave empty: type, provider, description, data, actors', () => {
    const shown = GenericMapper.toResponse(
      view({
        type: null,
        provider: null,
        description: null,
        config: null,
        createdBy: null,
        updatedBy: null,
      }),
    );
    expect(shown.type).toBe(DEFAULT_TYPE);
    expect(DEFAULT_TYPE).toBe('custom');
    expect(shown.provider).toBe('');
    expect(shown.description).toBe('');
    expect(shown.maskedData).toEqual({});
    expect(shown.createdBy).toBe(SYSTEM_ACTOR);
    expect(shown.updatedBy).toBe(SYSTEM_ACTOR);
  });

  it('creates with data as config', () => {
    expect(
      GenericMapper.toNewConnector({ name: 'n', type: 'slack', data: { a: 1 } }),
    ).toStrictEqual({
      name: 'n',
      type: 'slack',
      config: { a: 1 },
      description: null,
      provider: null,
    });
    expect(
      GenericMapper.toNewConnector({
        name: 'n',
        type: 'github',
        data: {},
        description: 'd',
        provider: 'pipedream',
      }),
    ).toMatchObject({ description: 'd', provider: 'pipedream' });
  });

  it('updates: data merges, left-out fields are not touched, description null clears', () => {
    expect(GenericMapper.toChanges({})).toStrictEqual({
      name: undefined,
      description: undefined,
      config: undefined,
    });
    expect(
      GenericMapper.toChanges({ data: { token: MASK }, name: 'x', description: null }),
    ).toStrictEqual({
      name: 'x',
      description: null,
      config: { merge: { token: MASK } },
    });
  });

  it('pages with hasMore from the total', () => {
    const items = [view(), view({ id: 'b' })];
    expect(GenericMapper.toPage({ items, total: 5 }, 2, 0).hasMore).toBe(true);
    expect(GenericMapper.toPage({ items, total: 5 }, 2, 3).hasMore).toBe(false);
    expect(GenericMapper.toPage({ items: [], total: 5 }, 2, 10)).toStrictEqual({
      items: [],
      limit: 2,
      offset: 10,
      hasMore: false,
    });
    const page = GenericMapper.toPage({ items, total: 2 }, 20, 0);
    expect(page.items.map((c) => c.id)).toEqual(['team-slack-ab12cd', 'b']);
    expect(page.hasMore).toBe(false);
  });

  it('names canonical config fields as data', () => {
    expect(GenericMapper.field('config')).toBe('data');
    expect(GenericMapper.field('config.db.password')).toBe('data.db.password');
    expect(GenericMapper.field('config[0]')).toBe('data[0]');
    expect(GenericMapper.field('configuration')).toBe('configuration');
    expect(GenericMapper.field('type')).toBe('type');
    expect(GenericMapper.details([{ field: 'config.token', reason: 'r' }])).toEqual([
      { field: 'data.token', reason: 'r' },
    ]);
  });

  it('gives one details entry per field, its first reason', () => {
    expect(
      GenericMapper.details([
        { field: 'limit', reason: 'must be an integer number' },
        { field: 'limit', reason: 'must not be less than 1' },
        { field: 'config', reason: 'must be an object' },
        { field: 'name', reason: 'is required' },
      ]),
    ).toEqual([
      { field: 'limit', reason: 'must be an integer number' },
      { field: 'data', reason: 'must be an object' },
      { field: 'name', reason: 'is required' },
    ]);
  });
});
