import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * docker-compose.yml and the Dockerfile, read (no Docker engine on the test machines): compose
 * runs the Redis the rate budgets share and passes REDIS_URL, gives the gateway more time to stop
 * than its own bounded shutdown takes, and checks readiness on /health/ready.
 */
const ROOT = resolve(__dirname, '..');
const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const envExample = readFileSync(join(ROOT, '.env.example'), 'utf8');

/** The block of one top-level service (its lines indented under `  <name>:`). */
function service(name: string): string {
  const match = new RegExp(`^  ${name}:\\n((?:    .*\\n|\\s*\\n)+)`, 'm').exec(compose);
  if (!match) throw new Error(`no service ${name} in docker-compose.yml`);
  return match[1];
}

/** A compose duration (`30s`, `1m30s`) in seconds. */
function seconds(duration: string): number {
  const m = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
  if (!m || (!m[1] && !m[2])) throw new Error(`not a duration: ${duration}`);
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

describe('docker-compose.yml and Dockerfile', () => {
  const gateway = service('gateway');

  it('runs a Redis and hands its URL to the gateway, overridable from .env', () => {
    expect(service('redis')).toMatch(/image: redis:/);
    expect(gateway).toMatch(/^ {6}REDIS_URL: \$\{REDIS_URL:-redis:\/\/redis:6379\}$/m);
    expect(gateway).toMatch(/depends_on:[\s\S]*redis:/);
  });

  it('gives the gateway longer to stop than SHUTDOWN_TIMEOUT', () => {
    const shutdown = Number(/^# SHUTDOWN_TIMEOUT=(\d+)$/m.exec(envExample)?.[1]);
    expect(shutdown).toBeGreaterThan(0);
    const grace = /^ {4}stop_grace_period: (\S+)$/m.exec(gateway)?.[1];
    expect(grace).toBeDefined();
    // the shutdown, then the logger's flush and the pool's close
    expect(seconds(grace ?? '')).toBeGreaterThanOrEqual(shutdown + 5);
  });

  it('checks readiness on /health/ready, in compose and in the image', () => {
    expect(gateway).toMatch(/healthcheck:[\s\S]*'http:\/\/127\.0\.0\.1:3000\/health\/ready'/);
    expect(dockerfile).toMatch(/^HEALTHCHECK [\s\S]*\/health\/ready'\)/m);
  });

  it('needs no variable set for logs/down (no `:?`) and reads .env when present', () => {
    expect(compose).not.toMatch(/\$\{[A-Z_]+:?\?/);
    expect(gateway).toMatch(/env_file:\n\s+- path: \.env\n\s+required: false/);
  });
});
