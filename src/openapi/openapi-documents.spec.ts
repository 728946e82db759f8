import { operationId } from './openapi-documents';

describe('operationId', () => {
  it('names an operation <dialect>_<resource>_<action>', () => {
    expect(operationId('cohere', '/v1/connectors', 'CohereConnectorsController_list[0]')).toBe(
      'cohere_connectors_list',
    );
    expect(operationId('coco', '/connector', 'CocoConnectorsController_create[0]')).toBe(
      'coco_connector_create',
    );
    expect(
      operationId('coco', '/connector/_search', 'CocoConnectorsController_searchWithBody[0]'),
    ).toBe('coco_connector_search_with_body');
    expect(operationId('generic', '/generic/v1/connectors/{id}', 'GenericController_get')).toBe(
      'generic_connectors_get',
    );
    expect(
      operationId('generic', '/generic/v1/connector-types', 'GenericConnectorTypesController_list'),
    ).toBe('generic_connector_types_list');
  });

  it("names a route's second mount by its kind: under the dialect's prefix, or at the root", () => {
    expect(
      operationId('cohere', '/cohere/v1/connectors/{id}', 'CohereConnectorsController_get[1]'),
    ).toBe('cohere_connectors_get_prefixed');
    expect(
      operationId('generic', '/v1/connectors/{id}', 'GenericConnectorsController_update[1]'),
    ).toBe('generic_connectors_update_root');
  });

  it('refuses an id it cannot read', () => {
    expect(() => operationId('cohere', '/v1/connectors', 'list')).toThrow(/unexpected/);
  });
});
