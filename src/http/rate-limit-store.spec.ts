import { GatewayThrottlerStorage, MemoryWindows } from './rate-limit-store';
import { isUnlimitedPath } from './throttling';

describe('MemoryWindows', () => {
  let windows: MemoryWindows;
  beforeEach(() => (windows = new MemoryWindows()));
  afterEach(() => windows.close());

  it('counts hits in a fixed window that opens at the first hit', () => {
    expect(windows.hit('k', 60_000, 1_000)).toEqual({ hits: 1, resetInMs: 60_000 });
    expect(windows.hit('k', 60_000, 31_000)).toEqual({ hits: 2, resetInMs: 30_000 });
    expect(windows.hit('other', 60_000, 31_000)).toEqual({ hits: 1, resetInMs: 60_000 });
    // The window ends: a new one opens.
    expect(windows.hit('k', 60_000, 61_000)).toEqual({ hits: 1, resetInMs: 60_000 });
  });

  it('sweeps ended windows outside the request path', () => {
    windows.hit('a', 1_000, 0);
    windows.hit('b', 5_000, 0);
    windows.sweep(2_000);
    expect(windows.size).toBe(1);
  });
});

describe('GatewayThrottlerStorage without Redis', () => {
  it('blocks past the limit until the window ends', async () => {
    const storage = new GatewayThrottlerStorage(null, 'test:');
    try {
      const records = [];
      for (let i = 0; i < 3; i++) records.push(await storage.increment('k', 60_000, 2));
      expect(records.map((r) => r.isBlocked)).toEqual([false, false, true]);
      expect(records[2]).toMatchObject({ totalHits: 3, timeToExpire: 60, timeToBlockExpire: 60 });
      expect(await storage.redisUp(100)).toBeNull();
    } finally {
      storage.onModuleDestroy();
    }
  });
});

describe('isUnlimitedPath', () => {
  it.each([
    '/health',
    '/health?x=1',
    '/health/ready',
    '/health/live?probe',
    '/docs',
    '/docs/cohere.json?x',
    '/metrics',
  ])('never limits %s', (url) => expect(isUnlimitedPath(url)).toBe(true));
  it.each(['/v1/connectors', '/healthz', '/connector/health', '/generic/v1/connectors?x=/health'])(
    'limits %s',
    (url) => expect(isUnlimitedPath(url)).toBe(false),
  );
});
