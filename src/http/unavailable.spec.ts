import { QueryFailedError } from 'typeorm';
import { classify, problemHeaders } from './problem';
import { asServiceUnavailable, ServiceUnavailableError } from './unavailable';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('asServiceUnavailable', () => {
  it.each([
    ['statement timeout', pgError('57014', 'canceling statement due to statement timeout'), 1],
    ['lock timeout', pgError('55P03', 'canceling statement due to lock timeout'), 1],
    ['server shutting down', pgError('57P01'), 5],
    ['server starting', pgError('57P03'), 5],
    ['connection failure', pgError('08006'), 5],
    ['connection refused', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), 5],
    ['pool acquire timeout', new Error('timeout exceeded when trying to connect'), 2],
    ['connection terminated', new Error('Connection terminated unexpectedly'), 2],
  ])('recognizes %s', (_name, error, retryAfter) => {
    expect(asServiceUnavailable(error)?.retryAfterSeconds).toBe(retryAfter);
  });

  it('looks inside TypeORM query errors', () => {
    const failed = new QueryFailedError('SELECT 1', [], pgError('55P03'));
    expect(asServiceUnavailable(failed)).toBeInstanceOf(ServiceUnavailableError);
  });

  it.each([
    ['a unique violation', pgError('23505')],
    ['a syntax error', pgError('42601')],
    ['a bug', new TypeError('x is undefined')],
  ])('leaves %s alone', (_name, error) => {
    expect(asServiceUnavailable(error)).toBeNull();
  });

  it('is a 503 with Retry-After in the classification every dialect uses', () => {
    const problem = classify(pgError('57014'));
    expect(problem).toMatchObject({ kind: 'unavailable', status: 503, retryAfterSeconds: 1 });
    expect(problemHeaders(problem)).toEqual({ 'retry-after': '1' });
    expect(problemHeaders(classify(pgError('23505')))).toEqual({});
  });
});
