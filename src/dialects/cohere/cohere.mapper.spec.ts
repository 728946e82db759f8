import type { ConnectorView } from '../../connectors/domain/connector';
import { MASK } from '../../secrets/mask';
import { generateKey, parseKey, SecretCipher } from '../../secrets/cipher';
import { maskTree, sealTree } from '../../secrets/secret-tree';
import { CohereMapper } from './cohere.mapper';

const view: ConnectorView = {
  organizationId: 'acme',
  id: 'salesforce-kh3g8q',
  name: 'Salesforce CRM Connector',
  description: 'CRM data',
  url: 'https://api.salesforce.com/v1/search',
  active: true,
  createdAt: new Date('2024-01-15T09:30:00Z'),
  updatedAt: new Date('2024-01-16T10:00:00.123Z'),
  createdBy: 'key_1',
  updatedBy: 'key_2',
  config: maskTree(sealTree({ token: 't' }, null, new SecretCipher(parseKey(generateKey())), 'c')),
  builtin: false,
  version: 1,
  excludes: ['internal_notes'],
  continueOnFailure: true,
  oauth: {
    clientId: 'sf-client',
    clientSecret: MASK,
    authorizeUrl: 'https://login.salesforce.com/authorize',
    tokenUrl: 'https://login.salesforce.com/token',
    scope: 'api refresh_token',
  },
  serviceAuth: null,
  authStatus: 'valid',
  category: 'crm',
  icon: 'x',
  tags: ['crm'],
  pathHierarchy: false,
  assets: null,
  oauthConnectImplemented: true,
  processor: { enabled: true },
  type: 'salesforce',
  provider: 'pipedream',
};

describe('CohereMapper', () => {
  it("shows exactly the seed schema's fields, secrets masked, other dialects' fields absent", () => {
    expect(CohereMapper.toResponse(view)).toStrictEqual({
      id: 'salesforce-kh3g8q',
      organization_id: 'acme',
      name: 'Salesforce CRM Connector',
      description: 'CRM data',
      url: 'https://api.salesforce.com/v1/search',
      created_at: '2024-01-15T09:30:00.000Z',
      updated_at: '2024-01-16T10:00:00.123Z',
      excludes: ['internal_notes'],
      auth_type: 'oauth',
      oauth: {
        client_id: 'sf-client',
        client_secret: MASK,
        authorize_url: 'https://login.salesforce.com/authorize',
        token_url: 'https://login.salesforce.com/token',
        scope: 'api refresh_token',
      },
      auth_status: 'valid',
      active: true,
      continue_on_failure: true,
    });
  });

  it('omits what is not set, and reports service auth only by its kind', () => {
    const json = JSON.parse(
      JSON.stringify(
        CohereMapper.toResponse({
          ...view,
          description: null,
          url: null,
          excludes: null,
          oauth: null,
          authStatus: null,
          serviceAuth: { type: 'bearer', token: MASK },
        }),
      ),
    );
    expect(json).toStrictEqual({
      id: 'salesforce-kh3g8q',
      organization_id: 'acme',
      name: 'Salesforce CRM Connector',
      created_at: '2024-01-15T09:30:00.000Z',
      updated_at: '2024-01-16T10:00:00.123Z',
      auth_type: 'service_auth',
      active: true,
      continue_on_failure: true,
    });
  });

  it('reads a PATCH: null (what the SDK sends for undefined) means not given', () => {
    expect(
      CohereMapper.toChanges({
        name: null,
        description: 'new',
        excludes: [],
        oauth: { scope: 'read', client_secret: null },
        active: false,
        continue_on_failure: null,
      }),
    ).toStrictEqual({
      name: undefined,
      description: 'new',
      url: undefined,
      excludes: [],
      oauth: {
        clientId: undefined,
        clientSecret: undefined,
        authorizeUrl: undefined,
        tokenUrl: undefined,
        scope: 'read',
      },
      serviceAuth: undefined,
      active: false,
      continueOnFailure: undefined,
    });
  });

  it('reads a create', () => {
    expect(
      CohereMapper.toNewConnector({
        name: 'n',
        url: 'https://x.example.com/search',
        service_auth: { type: 'basic', token: 't' },
      }),
    ).toMatchObject({
      name: 'n',
      url: 'https://x.example.com/search',
      serviceAuth: { type: 'basic', token: 't' },
    });
  });
});
