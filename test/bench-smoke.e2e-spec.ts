import { optionsFromEnv, runBench } from '../bench/run';

/**
 * The bench, as CI keeps it: every scenario against the gateway and against its floor, for half a
 * second each, on small organizations. Only that every request answered 2xx, and that the floor
 * gave the same body as the gateway for every read (so the ratios compare like with like), is
 * asserted here; the figures are `npm run bench`'s business (docs/performance.md).
 */
const embedded = process.env.GW_TEST_EMBEDDED_ACTIVE === '1';

// The bench makes schemas of its own; PGlite serves one session with one search path.
(embedded ? describe.skip : describe)('bench smoke (BENCH_SMOKE=1)', () => {
  it('runs every scenario on the gateway and the floor, all answered 2xx, same answers', async () => {
    const lines: string[] = [];
    const options = {
      ...optionsFromEnv({
        BENCH_SMOKE: '1',
        BENCH_DATABASE_URL: process.env.GW_TEST_DATABASE_URL,
        BENCH_SECONDS: '0.5',
      }),
      out: undefined,
      log: (line: string) => lines.push(line),
    };
    const report = await runBench(options);
    expect(report.scenarios.map((s) => s.name).sort()).toEqual([
      'coco-aggs-100',
      'coco-aggs-1k',
      'coco-merge-put',
      'coco-search-100',
      'coco-search-1k',
      'cohere-create-sealed',
      'cohere-get-100',
      'cohere-get-1k',
      'cohere-list30-100',
      'cohere-list30-1k',
    ]);
    for (const s of report.scenarios) {
      for (const target of ['gateway', 'floor'] as const) {
        const f = s[target];
        expect({ scenario: s.name, target, non2xx: f.non2xx, errors: f.errors }).toEqual({
          scenario: s.name,
          target,
          non2xx: 0,
          errors: 0,
        });
        expect(f.rps).toBeGreaterThan(0);
      }
      if (s.sameAnswer !== null)
        expect({ scenario: s.name, same: s.sameAnswer }).toEqual({ scenario: s.name, same: true });
    }
  }, 120_000);
});
