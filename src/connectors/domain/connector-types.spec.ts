import { BUILTIN_CONNECTORS } from './builtin-catalog';
import {
  builtinTypeOf,
  CONNECTOR_TYPES,
  credentialFieldsOf,
  findConnectorType,
  markedPaths,
} from './connector-types';

describe('connector types', () => {
  it('cover the built-in catalog and the other types the gateway knows, once each', () => {
    const types = CONNECTOR_TYPES.map((t) => t.type);
    expect(new Set(types).size).toBe(types.length);
    for (const entry of BUILTIN_CONNECTORS) expect(types).toContain(builtinTypeOf(entry));
    for (const t of ['slack', 'github', 'google-drive', 's3', 'postgres', 'webhook', 'custom']) {
      expect(findConnectorType(t)).toBeDefined();
    }
    expect(findConnectorType('nope')).toBeUndefined();
  });

  it('mark every credential field writeOnly with format password', () => {
    for (const t of CONNECTOR_TYPES) {
      for (const path of markedPaths(t.dataSchema)) {
        const field = path.split('.').reduce((node, key) => node.properties![key], t.dataSchema);
        expect({ type: t.type, path, writeOnly: field.writeOnly, format: field.format }).toEqual({
          type: t.type,
          path,
          writeOnly: true,
          format: 'password',
        });
      }
    }
    expect([...credentialFieldsOf('s3')].sort()).toEqual(['access_key_id', 'secret_access_key']);
    expect([...credentialFieldsOf('webhook')]).toEqual(['signing']);
  });

  it('find marks at any depth and in arrays', () => {
    expect([
      ...markedPaths({
        type: 'object',
        properties: {
          a: { type: 'object', properties: { b: { writeOnly: true }, c: { type: 'string' } } },
          list: { type: 'array', items: { properties: { pw: { format: 'password' } } } },
          keys: { type: 'array', items: { writeOnly: true } },
        },
      }),
    ]).toEqual(['a.b', 'list[].pw', 'keys[]']);
  });

  it('mark nothing for a type the gateway does not know', () => {
    expect(credentialFieldsOf('unknown').size).toBe(0);
    expect(credentialFieldsOf(null).size).toBe(0);
  });
});
