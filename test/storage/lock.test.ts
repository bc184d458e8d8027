import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { acquireServeLock, assertNotServing, DataDirectoryBusy, readServeLock } from '../../src/storage/lock.ts';

const LOCK = 'serve.lock';
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'certbound-lock-'));
});
after(() => rm(dir, { recursive: true, force: true }));
afterEach(() => rm(join(dir, LOCK), { force: true }));

/** Starts a process that stays alive until killed: another `serve`, as far as the lock can tell. */
async function otherProcess(): Promise<ChildProcess & { pid: number }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000); process.stdout.write("up")'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await once(child.stdout!, 'data');
  return child as ChildProcess & { pid: number };
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  const pid = child.pid!;
  await once(child, 'exit');
  return pid;
}

const isBusy = (pid: number) => (err: unknown): boolean =>
  err instanceof DataDirectoryBusy && err.code === 'ERR_CERTBOUND_DIR_BUSY' && err.message.includes(String(pid)) && err.message.includes('Stop it first');

describe('serve lock', () => {
  test('a directory without a lock is not being served', async () => {
    assert.equal(await readServeLock(dir), null);
    await assertNotServing(dir);
  });

  test('acquireServeLock records this process and the issuer, mode 0600; the release function removes it', async () => {
    const release = await acquireServeLock(dir, 'https://localhost:8443');
    const path = join(dir, LOCK);
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), { pid: process.pid, issuer: 'https://localhost:8443' });
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    await release();
    await assert.rejects(stat(path), { code: 'ENOENT' });
    await release();
  });

  test('a lock held by another live process makes assertNotServing and acquireServeLock refuse, naming its pid', async () => {
    const other = await otherProcess();
    try {
      await writeFile(join(dir, LOCK), JSON.stringify({ pid: other.pid, issuer: 'https://localhost:9443' }));
      assert.deepEqual(await readServeLock(dir), { pid: other.pid, issuer: 'https://localhost:9443' });
      await assert.rejects(assertNotServing(dir), isBusy(other.pid));
      await assert.rejects(acquireServeLock(dir, 'https://localhost:8443'), isBusy(other.pid));
      assert.equal(JSON.parse(await readFile(join(dir, LOCK), 'utf8')).pid, other.pid, 'the holder keeps its lock');
    } finally {
      other.kill();
      await once(other, 'exit');
    }
  });

  test('a stale lock left by a dead process is ignored, and acquireServeLock replaces it', async () => {
    const pid = await deadPid();
    await writeFile(join(dir, LOCK), JSON.stringify({ pid, issuer: 'https://localhost:9443' }));
    assert.equal(await readServeLock(dir), null);
    await assertNotServing(dir);
    const release = await acquireServeLock(dir, 'https://localhost:8443');
    assert.equal(JSON.parse(await readFile(join(dir, LOCK), 'utf8')).pid, process.pid);
    await release();
  });

  test('a lock file that names no live process (empty after a crash, garbage, pid 0 or negative) does not block commands', async () => {
    for (const text of ['', '{"pid":', 'not json', '{"issuer":"x"}', '{"pid":"12"}', '{"pid":0}', '{"pid":-1}', 'null', '[]']) {
      await writeFile(join(dir, LOCK), text);
      assert.equal(await readServeLock(dir), null, JSON.stringify(text));
      await assertNotServing(dir);
    }
    const release = await acquireServeLock(dir, 'https://localhost:8443');
    await release();
  });
});
