import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CertboundError } from '../core/certbound-error.ts';

/** What a running `certbound serve` records in its data directory. */
export interface ServeLock {
  readonly pid: number;
  readonly issuer: string;
  /** Where this host reaches its admin API; absent when it runs without one (or predates it). */
  readonly adminUrl?: string;
  /** The PostgreSQL server it uses, password redacted; absent for the embedded database. */
  readonly database?: string;
}

/** Library error raised when another process serves the data directory. */
export class DataDirectoryBusy extends CertboundError {
  constructor(dir: string, lock: ServeLock) {
    super(
      'ERR_CERTBOUND_DIR_BUSY',
      `certbound serve (pid ${lock.pid}, ${lock.issuer}) is running on ${dir}; the embedded database has a single writer. ` +
        'Stop it first (Ctrl-C or kill ' + lock.pid + '), then run this command again.',
    );
    this.name = 'DataDirectoryBusy';
  }
}

const LOCK_FILE = 'serve.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock of a live `serve` on `dir`, or null (a lock left by a dead process does not count). */
export async function readServeLock(dir: string): Promise<ServeLock | null> {
  let text: string;
  try {
    text = await readFile(join(dir, LOCK_FILE), 'utf8');
  } catch {
    return null;
  }
  let lock: unknown;
  try {
    lock = JSON.parse(text);
  } catch {
    // Only a crash between creating and writing the file leaves one that does not parse: stale.
    return null;
  }
  if (typeof lock !== 'object' || lock === null) return null;
  const { pid, issuer, adminUrl, database } = lock as Record<string, unknown>;
  // pid 0 and negative pids name process groups, which kill(pid, 0) would find alive.
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || pid === process.pid || !alive(pid)) return null;
  return {
    pid,
    issuer: typeof issuer === 'string' ? issuer : 'issuer unknown',
    ...(typeof adminUrl === 'string' ? { adminUrl } : {}),
    ...(typeof database === 'string' ? { database } : {}),
  };
}

/** Throws DataDirectoryBusy when a live `serve` holds `dir`. */
export async function assertNotServing(dir: string): Promise<void> {
  const lock = await readServeLock(dir);
  if (lock) throw new DataDirectoryBusy(dir, lock);
}

/**
 * Marks `dir` as served by this process; returns a function that removes the mark.
 * A stale lock of a dead process is replaced.
 */
export async function acquireServeLock(dir: string, issuer: string): Promise<() => Promise<void>> {
  await assertNotServing(dir);
  const path = join(dir, LOCK_FILE);
  await rm(path, { force: true });
  // 'wx' fails if another process created the file between our check and now.
  const handle = await open(path, 'wx', 0o600);
  await handle.writeFile(JSON.stringify({ pid: process.pid, issuer } satisfies ServeLock));
  await handle.close();
  return async () => {
    await rm(path, { force: true });
  };
}

/**
 * Records what this process's `serve` learnt once started (its actual issuer, its admin API's
 * address) in the lock it holds on `dir`. The file is replaced whole, so a reader never sees
 * half of it.
 */
export async function updateServeLock(dir: string, details: Omit<ServeLock, 'pid'>): Promise<void> {
  const path = join(dir, LOCK_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify({ pid: process.pid, ...details } satisfies ServeLock), { mode: 0o600 });
  await rename(temporary, path);
}
