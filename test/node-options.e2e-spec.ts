import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configuredNodeOptions, ROOT } from './processes';

describe('the V8 heap settings the gateway runs with', () => {
  it('are the same in the image and in npm start', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const image = /NODE_OPTIONS="([^"]*)"/.exec(dockerfile)?.[1];
    expect(configuredNodeOptions()).toMatch(/--max-old-space-size=\d+/);
    expect(image).toBe(configuredNodeOptions());
  });

  it('are accepted by node in NODE_OPTIONS and bound its heap', () => {
    const run = spawnSync(
      process.execPath,
      ['-p', "JSON.stringify(require('v8').getHeapStatistics())"],
      { env: { ...process.env, NODE_OPTIONS: configuredNodeOptions() }, encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const { heap_size_limit: limit } = JSON.parse(run.stdout) as { heap_size_limit: number };
    const oldSpaceMb = Number(/--max-old-space-size=(\d+)/.exec(configuredNodeOptions())?.[1]);
    // The limit is the old space plus the young generation: far below V8's default on a large host.
    expect(limit / 2 ** 20).toBeGreaterThanOrEqual(oldSpaceMb);
    expect(limit / 2 ** 20).toBeLessThan(oldSpaceMb + 64);
  });
});
