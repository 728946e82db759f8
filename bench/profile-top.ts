/**
 * `node dist-bench/bench/profile-top.js <file.cpuprofile> [n]`: where a `node --cpu-prof` profile
 * spent its time: the top functions by self time, and self time summed per package (or node
 * internals, garbage collection, idle). What docs/performance.md quotes.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function where(url: string, fn: string): string {
  if (fn === '(garbage collector)') return '(garbage collector)';
  if (fn === '(idle)' || fn === '(program)') return fn;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.startsWith('node:') || !url) return 'node internals';
  return 'gateway code';
}

export function summarize(profile: Profile, top = 25) {
  const byNode = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
  );
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self.entries()]
    .filter(([id]) => byNode.get(id)?.callFrame.functionName === '(idle)')
    .reduce((a, [, t]) => a + t, 0);
  const busy = total - idle;
  const frames = new Map<string, number>();
  const packages = new Map<string, number>();
  for (const [id, t] of self) {
    const { functionName, url, lineNumber } = byNode.get(id)?.callFrame ?? {
      functionName: '?',
      url: '',
      lineNumber: 0,
    };
    if (functionName === '(idle)') continue;
    const short = url
      .replace(/^.*node_modules\//, '')
      .replace(/^file:\/\/.*?\/(dist[^/]*)\//, '$1/');
    const frame = `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
    frames.set(frame, (frames.get(frame) ?? 0) + t);
    const place = where(url, functionName);
    packages.set(place, (packages.get(place) ?? 0) + t);
  }
  const pct = (t: number) => `${((t / busy) * 100).toFixed(1).padStart(5)} %`;
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return {
    busyMs: Math.round(busy / 1000),
    frames: sorted(frames)
      .slice(0, top)
      .map(([f, t]) => `${pct(t)}  ${f}`),
    packages: sorted(packages)
      .slice(0, top)
      .map(([p, t]) => `${pct(t)}  ${p}`),
  };
}

if (require.main === module) {
  const [file, n] = process.argv.slice(2);
  if (!file) {
    console.error('usage: profile-top <file.cpuprofile> [n]');
    process.exit(2);
  }
  const s = summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(n ?? 25));
  console.log(`busy ${s.busyMs} ms (idle left out); self time by package:`);
  for (const line of s.packages) console.log(`  ${line}`);
  console.log('top functions by self time:');
  for (const line of s.frames) console.log(`  ${line}`);
}
