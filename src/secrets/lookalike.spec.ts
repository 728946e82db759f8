import { findSealedLookalike } from './lookalike';

describe('values that look sealed', () => {
  const sealedForm = `gw1.0a1b2c3d.${'A'.repeat(40)}`;

  it('finds a plain value of the sealed form, at any depth, naming its path', () => {
    expect(findSealedLookalike({ region: sealedForm })).toBe('config.region');
    expect(findSealedLookalike({ a: [{ b: 'x' }, { host: sealedForm }] })).toBe('config.a[1].host');
    expect(findSealedLookalike({ a: [sealedForm] }, 'data')).toBe('data.a[0]');
  });

  it('leaves values under secret keys alone (those are sealed by the gateway)', () => {
    expect(findSealedLookalike({ token: sealedForm, db: { password: sealedForm } })).toBeNull();
  });

  it('takes only the whole sealed form, not a mention of it', () => {
    expect(
      findSealedLookalike({
        note: `see ${sealedForm}`,
        dotted: 'gw1.a.b.c',
        prefix: 'gw1.',
        version: 'gw1.2',
        n: 1,
        none: null,
      }),
    ).toBeNull();
  });
});
