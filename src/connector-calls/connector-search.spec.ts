import { ConnectorCallFailedError } from '../connectors/domain/connector.errors';
import { serviceAuthorization } from './connector-credentials';
import { resultsOf } from './connector-search';

const answer = (status: number, body: string) => ({
  status,
  headers: {},
  body: Buffer.from(body),
});

describe('serviceAuthorization', () => {
  it.each([
    ['bearer', 'Bearer tok-1'],
    ['basic', 'Basic tok-1'],
    ['noscheme', 'tok-1'],
  ] as const)('%s → %s', (type, header) =>
    expect(serviceAuthorization(type, 'tok-1')).toBe(header),
  );
});

describe('resultsOf', () => {
  const connector = { id: 'c1' };

  it('returns the results without the excluded fields', () => {
    const body = JSON.stringify({
      results: [
        { title: 'a', text: 't', internal_id: 1, nested: { internal_id: 2 } },
        { title: 'b', score: 0.5 },
      ],
      extra: 'ignored',
    });
    expect(resultsOf(connector, answer(200, body), ['internal_id', 'score'])).toEqual([
      { title: 'a', text: 't', nested: { internal_id: 2 } },
      { title: 'b' },
    ]);
  });

  it('accepts every 2xx and an empty list', () => {
    expect(resultsOf(connector, answer(203, '{"results":[]}'), [])).toEqual([]);
  });

  it.each([
    [500, '{"results":[]}', 'connector answered 500'],
    [302, '', 'connector answered 302'],
    [401, 'denied: secret-upstream-detail', 'connector answered 401'],
    [
      200,
      '<html>secret-upstream-detail</html>',
      'connector answered 200 with a body that is not JSON',
    ],
    [200, '{"items":[]}', 'connector answered 200 without a "results" array'],
    [200, '{"results":{"a":1}}', 'connector answered 200 without a "results" array'],
    [200, '[1,2]', 'connector answered 200 without a "results" array'],
    [200, '{"results":["x"]}', 'connector answered 200 with a result that is not an object'],
  ])('%d %s → a failed call (%s), the body not echoed', (status, body, message) => {
    let error: unknown;
    try {
      resultsOf(connector, answer(status, body), []);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConnectorCallFailedError);
    expect((error as Error).message).toBe(message);
    expect((error as ConnectorCallFailedError).upstreamStatus).toBe(status);
  });
});
