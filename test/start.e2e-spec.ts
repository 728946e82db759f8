import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import {
  buildIfStale,
  configuredNodeOptions,
  exitOf,
  gatewayEnv,
  groupAlive,
  Output,
  ROOT,
} from './processes';

/** Whether a new connection to `port` on 127.0.0.1 is refused (nothing listens there). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolveProbe) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolveProbe(false);
    });
    socket.once('error', () => resolveProbe(true));
  });
}

describe('npm start', () => {
  beforeAll(() => buildIfStale(), 300_000);

  it('starts without a build when nothing changed; SIGTERM to npm stops the gateway and leaves no process', async () => {
    // Its own process group: afterwards, no process of the group may be left (npm, sh, node).
    const env = gatewayEnv({ LOG_FORMAT: 'json', LOG_LEVEL: 'info' });
    delete env.NODE_OPTIONS;
    const npm = spawn('npm', ['start'], {
      cwd: ROOT,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pgid = npm.pid as number;
    const out = new Output(npm);
    try {
      const listening = JSON.parse(await out.line((l) => l.includes('"msg":"listening on'))) as {
        port: number;
        pid: number;
      };
      // The gateway runs with the heap settings of the image (package.json config.nodeOptions).
      const environ = readFileSync(`/proc/${listening.pid}/environ`, 'utf8').split('\0');
      expect(environ).toContain(`NODE_OPTIONS=${configuredNodeOptions()}`);
      const health = await fetch(`http://127.0.0.1:${listening.port}/health`);
      expect(health.status).toBe(200);
      await health.text();
      // dist/ was fresh: no tsc before the first log line.
      expect(out.all).not.toContain('building dist/');

      npm.kill('SIGTERM');
      expect(await exitOf(npm, 30_000)).toEqual({ code: 0, signal: null });
      expect(out.stdout.some((l) => l.includes('"msg":"shutting down"'))).toBe(true);
      expect(out.stdout.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
      const deadline = Date.now() + 5_000;
      while (groupAlive(pgid) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(groupAlive(pgid)).toBe(false);
      expect(await refused(listening.port)).toBe(true);
    } finally {
      if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
    }
  }, 120_000);
});
