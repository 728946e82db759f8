import { checkConditions, revisionOf } from '../connectors/domain/connector.revision';
import {
  ConnectorPreconditionFailedError,
  ConnectorVersionConflictError,
} from '../connectors/domain/connector.errors';
import {
  etagOf,
  ifMatchConditions,
  ifNoneMatchConditions,
  parseEntityTags,
} from './http-conditions';

const c = { organizationId: 'o', id: 'x', createdAt: new Date('2026-01-01T00:00:00Z'), version: 3 };

describe('entity tags and write conditions', () => {
  it('gives a strong ETag of the version that changes with the version and the incarnation', () => {
    expect(etagOf(c)).toMatch(/^"3-[A-Za-z0-9_-]{12}"$/);
    expect(etagOf({ ...c, version: 4 })).not.toBe(etagOf(c));
    expect(etagOf({ ...c, createdAt: new Date('2026-01-02T00:00:00Z') }).slice(0, 3)).toBe('"3-');
    expect(etagOf({ ...c, createdAt: new Date('2026-01-02T00:00:00Z') })).not.toBe(etagOf(c));
  });

  it('parses If-Match lists, *, and drops weak or malformed tags', () => {
    expect(parseEntityTags(undefined)).toBeUndefined();
    expect(parseEntityTags(' * ')).toBe('*');
    expect(parseEntityTags('"a", W/"b", "c"')).toEqual(['a', 'c']);
    expect(parseEntityTags('garbage')).toEqual([]);
    expect(ifMatchConditions({})).toEqual([]);
    expect(ifNoneMatchConditions({ 'if-none-match': '*' })).toEqual([{ kind: 'absent' }]);
    expect(ifNoneMatchConditions({ 'if-none-match': '"x"' })).toEqual([]);
  });

  it('checks conditions against the current connector', () => {
    const tag = revisionOf(c);
    expect(() => checkConditions(c, [{ kind: 'revision', revisions: [tag] }])).not.toThrow();
    expect(() => checkConditions(c, [{ kind: 'revision', revisions: '*' }])).not.toThrow();
    expect(() => checkConditions(c, [{ kind: 'revision', revisions: ['2-zzz'] }])).toThrow(
      ConnectorPreconditionFailedError,
    );
    expect(() => checkConditions(c, [{ kind: 'version', version: 3 }])).not.toThrow();
    const error = (() => {
      try {
        checkConditions(c, [{ kind: 'version', version: 2 }]);
      } catch (e) {
        return e;
      }
    })() as ConnectorVersionConflictError;
    expect(error).toBeInstanceOf(ConnectorVersionConflictError);
    expect([error.expected, error.current]).toEqual([2, 3]);
    expect(() => checkConditions(c, [{ kind: 'absent' }])).toThrow(
      ConnectorPreconditionFailedError,
    );
  });
});
