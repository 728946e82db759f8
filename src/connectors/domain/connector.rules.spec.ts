import { InvalidConnectorError } from './connector.errors';
import {
  checkChanges,
  checkNewConnector,
  generateConnectorId,
  isHttpUrl,
  isValidConnectorId,
} from './connector.rules';

function problems(fn: () => void): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidConnectorError) return e.problems.map((p) => `${p.field}: ${p.reason}`);
    throw e;
  }
  return [];
}

describe('connector ids', () => {
  it('are a slug of the name with a six-character suffix', () => {
    expect(generateConnectorId('Example Connector')).toMatch(/^example-connector-[a-z0-9]{6}$/);
    expect(generateConnectorId('Ünïcödé  & Co.')).toMatch(/^unicode-co-[a-z0-9]{6}$/);
    expect(generateConnectorId('!!!')).toMatch(/^connector-[a-z0-9]{6}$/);
    expect(generateConnectorId('x'.repeat(300)).length).toBeLessThanOrEqual(48 + 7);
  });

  it('are URL-safe and valid', () => {
    for (let i = 0; i < 50; i++)
      expect(isValidConnectorId(generateConnectorId('Some name'))).toBe(true);
  });

  it('accept Coco slugs and xids, refuse paths and reserved words', () => {
    expect(isValidConnectorId('google_drive')).toBe(true);
    expect(isValidConnectorId('d07abc123def456ghi')).toBe(true);
    expect(isValidConnectorId('_search')).toBe(false);
    expect(isValidConnectorId('a/b')).toBe(false);
    expect(isValidConnectorId('')).toBe(false);
    expect(isValidConnectorId('a'.repeat(129))).toBe(false);
  });
});

describe('isHttpUrl', () => {
  it.each(['https://example.com/search', 'http://localhost:8080/x'])('%s is fine', (u) =>
    expect(isHttpUrl(u)).toBe(true),
  );
  it.each(['ftp://example.com', 'example.com', 'javascript:alert(1)', 'https://', ''])(
    '%s is refused',
    (u) => expect(isHttpUrl(u)).toBe(false),
  );
});

describe('checkNewConnector', () => {
  it('accepts a minimal connector', () => {
    expect(problems(() => checkNewConnector({ name: 'a' }))).toEqual([]);
  });

  it('lists every problem at once', () => {
    expect(
      problems(() =>
        checkNewConnector({
          id: 'bad id',
          name: ' ',
          url: 'not a url',
          type: 'Not A Slug',
          oauth: { authorizeUrl: 'x', tokenUrl: 'https://t' },
          serviceAuth: { type: 'bearer', token: 't' },
        }),
      ),
    ).toEqual([
      expect.stringMatching(/^id: /),
      'name: must not be empty',
      'url: must be an absolute http(s) URL',
      expect.stringMatching(/^type: /),
      'oauth: oauth and service_auth cannot both be given',
      'oauth.authorize_url: must be an absolute http(s) URL',
    ]);
  });

  it('requires both OAuth URLs on create', () => {
    expect(problems(() => checkNewConnector({ name: 'a', oauth: { clientId: 'c' } }))).toEqual([
      'oauth.authorize_url: is required',
      'oauth.token_url: is required',
    ]);
  });

  it('refuses configuration nested deeper than 32 levels without overflowing the stack', () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 100_000; i++) deep = deep.a = {};
    expect(problems(() => checkNewConnector({ name: 'a', config: root as never }))).toEqual([
      'config: must not be nested deeper than 32 levels',
    ]);
  });

  it('refuses a service_auth type it does not know', () => {
    expect(
      problems(() =>
        checkNewConnector({ name: 'a', serviceAuth: { type: 'digest' as never, token: 't' } }),
      ),
    ).toEqual(['service_auth.type: must be one of bearer, basic, noscheme']);
  });
});

describe('checkChanges', () => {
  it('lets partial OAuth settings through (the stored ones complete them)', () => {
    expect(problems(() => checkChanges({ oauth: { scope: 'read' } }))).toEqual([]);
  });

  it('refuses an empty name and a non-object config', () => {
    expect(problems(() => checkChanges({ name: '', config: { replace: [] as never } }))).toEqual([
      'name: must not be empty',
      'config: must be an object',
    ]);
  });
});
