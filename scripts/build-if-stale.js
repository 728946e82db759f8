#!/usr/bin/env node
// Builds dist/ (`tsc -p tsconfig.build.json`, incremental) only when a source changed since the
// last successful build, so `npm start` and the CLI scripts start at once when nothing changed.
// "Changed": a file or folder under src/, or a tsconfig, newer than dist/.build-stamp (folders
// count so that a deleted or renamed file also triggers a build). Plain Node, no dependencies.
'use strict';
const { spawnSync } = require('node:child_process');
const {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  statSync,
  utimesSync,
  writeFileSync,
} = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const stamp = join(root, 'dist', '.build-stamp');

function newest(path) {
  const stat = statSync(path);
  let time = stat.mtimeMs;
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path)) time = Math.max(time, newest(join(path, entry)));
  }
  return time;
}

function built() {
  try {
    return statSync(stamp).mtimeMs;
  } catch {
    return 0;
  }
}

// A production layout (the Docker image, `npm ci --omit=dev`) has dist/ but no sources to build.
if (!existsSync(join(root, 'src')) && existsSync(join(root, 'dist', 'main.js'))) process.exit(0);

const sources = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json'].map((p) =>
  join(root, p),
);
const changed = Math.max(...sources.map(newest));
if (built() > changed && !process.argv.includes('--force')) process.exit(0);

process.stderr.write('building dist/ (sources changed since the last build)\n');
const startedAt = Date.now();
const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
  cwd: root,
  stdio: 'inherit',
});
if (result.status !== 0) {
  process.stderr.write(`the build failed (tsc exit ${result.status ?? result.signal})\n`);
  process.exit(1);
}
mkdirSync(join(root, 'dist'), { recursive: true });
// The `bin` (dist/cli/main.js, `#!/usr/bin/env node`) runs by itself, also through a symlink.
chmodSync(join(root, 'dist', 'cli', 'main.js'), 0o755);
// The stamp takes the time the build started: a source saved during the build is seen next time.
writeFileSync(stamp, `${new Date(startedAt).toISOString()}\n`);
const seconds = startedAt / 1000;
utimesSync(stamp, seconds, seconds);
