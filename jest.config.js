/**
 * Two projects: unit tests beside the code (src/**\/*.spec.ts, no database) and e2e tests
 * (test/**\/*.e2e-spec.ts) through the real HTTP stack against a real PostgreSQL, in a schema made
 * fresh for the run by test/global-setup.ts.
 *
 * NestJS 12 (and a few of its dependencies) ship ES modules only, which Jest's CommonJS runtime
 * cannot require on Node 20: ts-jest compiles them, and our TypeScript, to CommonJS.
 */
const fs = require('node:fs');
const path = require('node:path');

/** Installed packages that are ES modules ("type": "module"): those must be transformed. */
function esmPackages() {
  const root = path.join(__dirname, 'node_modules');
  const names = [];
  const consider = (name) => {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(root, name, 'package.json'), 'utf8'));
      if (pkg.type === 'module') names.push(name);
    } catch {
      /* not a package */
    }
  };
  for (const entry of fs.existsSync(root) ? fs.readdirSync(root) : []) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      for (const sub of fs.readdirSync(path.join(root, entry))) consider(`${entry}/${sub}`);
    } else consider(entry);
  }
  return names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

// ts-jest in transpile-only mode (isolatedModules): type checking is `npm run typecheck`'s job.
const tsJest = ['<rootDir>/test/jest-transformer.js', { tsconfig: '<rootDir>/tsconfig.jest.json' }];
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)s$': tsJest },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages().join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
  ],
};
