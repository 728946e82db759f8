import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIfStale, gatewayEnv, ROOT } from './processes';

/**
 * The CLI as the Docker image has it: dist/, package.json and package-lock.json copied into an
 * empty folder, `npm ci --omit=dev` there (no TypeScript, no tsconfig, no sources), and
 * `connector-gateway` on PATH as a symlink to dist/cli/main.js, as in the Dockerfile.
 */
describe('the CLI in the production layout', () => {
  let dir: string;
  let app: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    buildIfStale();
    dir = mkdtempSync(join(tmpdir(), 'gw-prod-'));
    app = join(dir, 'app');
    mkdirSync(app);
    cpSync(join(ROOT, 'dist'), join(app, 'dist'), { recursive: true });
    for (const file of ['package.json', 'package-lock.json', 'scripts/build-if-stale.js']) {
      cpSync(join(ROOT, file), join(app, file));
    }
    const install = spawnSync(
      'npm',
      ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'],
      {
        cwd: app,
        encoding: 'utf8',
        timeout: 240_000,
        env: { ...process.env, NODE_ENV: 'production' },
      },
    );
    if (install.status !== 0) throw new Error(`npm ci failed:\n${install.stdout}${install.stderr}`);
    mkdirSync(join(dir, 'bin'));
    symlinkSync(join(app, 'dist', 'cli', 'main.js'), join(dir, 'bin', 'connector-gateway'));
    env = gatewayEnv({ PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}` });
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** `connector-gateway <args>` from PATH, in the app folder: exit code and output. */
  function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolveRun) => {
      execFile(
        'connector-gateway',
        args,
        { cwd: app, env, timeout: 60_000, encoding: 'utf8' },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolveRun({ code, stdout, stderr });
        },
      );
    });
  }

  it('is the layout the Dockerfile builds, and the one docker-compose.yml runs', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const copied = [...dockerfile.matchAll(/^COPY --from=build \S+ (.+) \S+$/gm)].flatMap((m) =>
      m[1].split(' ').map((path) => path.replace(/^\/app\//, '')),
    );
    expect(copied.sort()).toEqual(
      [
        'dist',
        'node_modules',
        'package-lock.json',
        'package.json',
        'scripts/build-if-stale.js',
      ].sort(),
    );
    expect(dockerfile).toContain('ln -s /app/dist/cli/main.js /usr/local/bin/connector-gateway');
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/main\.js"\]$/m);
    const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    // `${VAR:?message}` fails every compose command (logs, down) in a shell without VAR.
    expect(compose).not.toMatch(/\$\{[A-Z_]+:?\?/);
    expect(compose).toMatch(/env_file:\n\s+- path: \.env\n\s+required: false/);
  });

  it('has no dev dependency, no tsconfig and no sources', () => {
    expect(existsSync(join(app, 'node_modules', '@nestjs', 'core'))).toBe(true);
    // (typescript itself is there: @nestjs/swagger depends on it.)
    for (const absent of [
      'node_modules/jest',
      'node_modules/ts-jest',
      'node_modules/eslint',
      'node_modules/@nestjs/testing',
      'tsconfig.json',
      'tsconfig.build.json',
      'src',
    ]) {
      expect(existsSync(join(app, absent))).toBe(false);
    }
  });

  it('apikey create, list and revoke; migrate show; --help', async () => {
    const org = `prod-${randomBytes(4).toString('hex')}`;
    const made = await cli('apikey', 'create', '--org', org, '--label', 'ops');
    expect(made).toMatchObject({ code: 0, stderr: '' });
    const id = /key id:\s+(key_\w+)/.exec(made.stdout)?.[1];
    const key = /api key:\s+(gw_\S+)/.exec(made.stdout)?.[1];
    expect(id).toBeDefined();
    expect(key).toBeDefined();

    const listed = await cli('apikey', 'list', '--org', org);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\tops\\t\\S+\\tactive\\n$`));
    expect(listed.stdout).not.toContain(key);

    expect(await cli('apikey', 'revoke', '--id', id as string)).toMatchObject({ code: 0 });
    expect((await cli('apikey', 'list', '--org', org)).stdout).toMatch(/\trevoked \S+\n$/);

    expect(await cli('migrate', 'show')).toEqual({ code: 0, stdout: 'up to date\n', stderr: '' });

    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: connector-gateway <command>/);
    expect(help.stdout).toContain('apikey');
    expect(help.stdout).toContain('migrate');
    const createHelp = await cli('apikey', 'create', '--help');
    expect(createHelp).toMatchObject({ code: 0, stderr: '' });
    expect(createHelp.stdout).toContain('--org <organization>');
  }, 120_000);

  it('refuses a command line it does not understand with its usage and exit 2', async () => {
    // A flag's value may not be the next flag.
    const ambiguous = await cli('apikey', 'create', '--org', '--label', 'x');
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain("Option '--org' argument is ambiguous");
    expect(ambiguous.stderr).toContain('usage: connector-gateway apikey create');
    expect(await cli('apikey', 'create')).toMatchObject({ code: 2 });
    expect((await cli('apikey', 'list', '--org', 'x', '--bogus')).stderr).toContain(
      "Unknown option '--bogus'",
    );
    expect(await cli('frobnicate')).toMatchObject({ code: 2 });
    expect(await cli()).toMatchObject({ code: 2 });
  }, 60_000);

  it('npm run apikey works there too, without building', () => {
    const run = spawnSync('npm', ['run', '--silent', 'apikey', '--', 'list', '--org', 'nobody'], {
      cwd: app,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  }, 60_000);
});
