import { OAuthStateSigner } from './oauth-state';

describe('OAuthStateSigner', () => {
  const signer = new OAuthStateSigner(Buffer.alloc(32, 1), 600);

  it('round-trips the flow facts', () => {
    const state = signer.sign({
      org: 'acme',
      cid: 'web-search-abc123',
      redirect: 'https://app/done',
    });
    expect(signer.verify(state)).toMatchObject({
      org: 'acme',
      cid: 'web-search-abc123',
      redirect: 'https://app/done',
    });
  });

  it('refuses an altered state', () => {
    const state = signer.sign({ org: 'acme', cid: 'c', redirect: null });
    const [body, mac] = state.split('.') as [string, string];
    const forged = Buffer.from(
      Buffer.from(body, 'base64url').toString().replace('"acme"', '"evil"'),
    ).toString('base64url');
    expect(signer.verify(`${forged}.${mac}`)).toBeNull();
    expect(signer.verify('garbage')).toBeNull();
  });

  it('refuses a state signed under another key', () => {
    const other = new OAuthStateSigner(Buffer.alloc(32, 2));
    expect(other.verify(signer.sign({ org: 'acme', cid: 'c', redirect: null }))).toBeNull();
  });

  it('expires', () => {
    const state = signer.sign({ org: 'acme', cid: 'c', redirect: null }, 0);
    expect(signer.verify(state, 601_000)).toBeNull();
    expect(signer.verify(state, 599_000)).not.toBeNull();
  });
});
