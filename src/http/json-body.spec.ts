import { inspectJsonBody } from './json-body';

describe('inspectJsonBody', () => {
  it('lets ordinary bodies through', () => {
    expect(inspectJsonBody({ name: 'x', config: { a: [1, 2, { b: 'é 😀' }] } })).toBeNull();
    expect(inspectJsonBody('just a string')).toBeNull();
  });

  it('refuses nesting deeper than the limit, without recursion', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown;
    expect(inspectJsonBody(deep)).toEqual({
      status: 400,
      message: 'body: nested deeper than 64 levels',
    });
    expect(inspectJsonBody(JSON.parse('['.repeat(64) + ']'.repeat(64)))).toBeNull();
  });

  it('refuses unpaired surrogates in values and keys, naming where', () => {
    expect(inspectJsonBody(JSON.parse('{"config":{"a":"\\ud800"}}'))).toEqual({
      status: 400,
      message: 'body.config.a: contains an unpaired UTF-16 surrogate',
    });
    expect(inspectJsonBody(JSON.parse('{"config":{"\\udc00x":1}}'))).toMatchObject({ status: 400 });
    expect(inspectJsonBody(JSON.parse('{"ok":"\\ud83d\\ude00"}'))).toBeNull();
  });

  it('refuses numbers JSON cannot carry back', () => {
    expect(inspectJsonBody(JSON.parse('{"a":1e400}'))).toEqual({
      status: 400,
      message: 'body.a: number out of range',
    });
  });

  it('refuses bodies with more values than the limit as too large', () => {
    const wide = Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`k${i}`, i]));
    expect(inspectJsonBody(wide)).toEqual({
      status: 413,
      message: 'request body holds more than 10000 values',
    });
  });
});
