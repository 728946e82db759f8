import { grantStatus } from './oauth-grant-statuses';

describe('grantStatus', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const base = {
    connectorId: 'c',
    status: 'valid' as const,
    hasAccessToken: true,
    hasRefreshToken: false,
    expiresAt: new Date(now + 1000),
  };

  it('is valid with an unexpired access token, or one without expiry', () => {
    expect(grantStatus(base, now)).toBe('valid');
    expect(grantStatus({ ...base, expiresAt: null }, now)).toBe('valid');
  });

  it('is valid past expiry while a refresh token is held', () => {
    expect(grantStatus({ ...base, hasRefreshToken: true, expiresAt: new Date(now - 1) }, now)).toBe(
      'valid',
    );
  });

  it('is expired past expiry without a refresh token, and once marked expired', () => {
    expect(grantStatus({ ...base, expiresAt: new Date(now) }, now)).toBe('expired');
    expect(
      grantStatus(
        { ...base, status: 'expired', hasAccessToken: false, hasRefreshToken: false },
        now,
      ),
    ).toBe('expired');
  });
});
