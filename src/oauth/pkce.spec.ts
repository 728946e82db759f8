import { codeChallenge, randomToken, stateDigest } from './pkce';

describe('PKCE', () => {
  it('derives the S256 challenge of RFC 7636 appendix B', () => {
    expect(codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('makes verifiers of 43 unreserved characters, never the same twice', () => {
    const a = randomToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken()).not.toBe(a);
  });

  it('keys a flow by a digest that does not contain the state', () => {
    const state = randomToken();
    expect(stateDigest(state)).toMatch(/^[0-9a-f]{64}$/);
    expect(stateDigest(state)).not.toContain(state);
  });
});
