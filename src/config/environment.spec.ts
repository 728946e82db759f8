import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config';
import { loadEnvironment } from './environment';

describe('loadEnvironment (@nestjs/config over .env)', () => {
  const saved = { ...process.env };
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gw-env-'));
    for (const name of ['PORT', 'LOG_LEVEL', 'BODY_LIMIT', 'HOST']) delete process.env[name];
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads .env, lets the process environment win, and copies the rest into process.env', async () => {
    const file = join(dir, '.env');
    writeFileSync(file, '# a comment\nPORT=4100\nLOG_LEVEL=debug\nBODY_LIMIT=2048\n');
    process.env.LOG_LEVEL = 'warn';
    const config = await loadEnvironment(file);
    expect(config).toMatchObject({ port: 4100, logLevel: 'warn', bodyLimit: 2048 });
    expect(process.env.PORT).toBe('4100');
    expect(process.env.LOG_LEVEL).toBe('warn');
  });

  it('works without a .env file', async () => {
    process.env.PORT = '4200';
    await expect(loadEnvironment(join(dir, 'missing.env'))).resolves.toMatchObject({ port: 4200 });
  });

  it('refuses an invalid value from .env with the same message as from the environment', async () => {
    const file = join(dir, '.env');
    writeFileSync(file, 'PORT=seventy\n');
    await expect(loadEnvironment(file)).rejects.toThrow(ConfigError);
    await expect(loadEnvironment(file)).rejects.toThrow(
      'invalid configuration: PORT must be an integer number',
    );
  });
});
