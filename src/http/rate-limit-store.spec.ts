import { MemoryWindows, RateLimitStore } from './rate-limit-store';
import { isUnlimitedPath } from './route-labels';

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

describe('RateLimitStore without Redis', () => {
  it('counts in this process, at once (no promise)', async () => {
    const storage = new RateLimitStore(null, 'test:');
    try {
      const counts = [];
      for (let i = 0; i < 3; i++) counts.push(storage.hit('k', 60_000));
      expect(counts.map((c) => (c instanceof Promise ? 'promise' : c.hits))).toEqual([1, 2, 3]);
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
