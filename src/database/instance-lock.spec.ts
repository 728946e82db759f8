import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireInstanceLock, InstanceLockedError, lockHolder } from './instance-lock';

describe('the instance lock of a data directory', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'gw-lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const file = () => join(dir, 'gateway.lock');
  const holder = (pid: number, host = hostname()) =>
    writeFileSync(file(), JSON.stringify({ pid, host, started: '2026-01-01T00:00:00.000Z' }));
  /** The pid of a process that has exited. */
  const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid;

  it('is a file naming this process, readable by its user only, gone once released', () => {
    const lock = acquireInstanceLock(dir);
    expect(JSON.parse(readFileSync(file(), 'utf8'))).toEqual({
      pid: process.pid,
      host: hostname(),
      started: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(statSync(file()).mode & 0o777).toBe(0o600);
    expect(lock.holder.pid).toBe(process.pid);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is refused while a live process holds it, naming that process', () => {
    holder(process.ppid);
    expect(() => acquireInstanceLock(dir)).toThrow(InstanceLockedError);
    expect(() => acquireInstanceLock(dir)).toThrow(
      `in use by process ${process.ppid} on ${hostname()}`,
    );
    expect(lockHolder(dir)?.pid).toBe(process.ppid);
  });

  it('is refused when held from another host, whose processes cannot be checked', () => {
    holder(deadPid(), 'another-host');
    expect(() => acquireInstanceLock(dir)).toThrow('on another-host');
  });

  it('is taken over from a process that is gone, or from a file that is not a lock', () => {
    holder(deadPid());
    expect(lockHolder(dir)).toBeNull();
    acquireInstanceLock(dir).release();
    writeFileSync(file(), 'garbage');
    const lock = acquireInstanceLock(dir);
    expect(JSON.parse(readFileSync(file(), 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('does not remove a lock that is no longer its own', () => {
    const lock = acquireInstanceLock(dir);
    holder(process.ppid);
    lock.release();
    expect(lockHolder(dir)?.pid).toBe(process.ppid);
  });
});
