// A real PostgreSQL server for storage tests. CI starts one and exports
// CERTBOUND_TEST_DATABASE_URL (a role allowed to CREATE DATABASE); without it, a throwaway
// cluster is created in a temporary directory from the PostgreSQL binaries on this machine,
// listening on 127.0.0.1 (password required) and on a socket inside that directory. Either
// way, each test gets fresh databases (certbound_test_<random>), dropped at the end.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, chown, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './ports.ts';
import { until } from './until.ts';

/** A port that was free a moment ago on 127.0.0.1 (one implementation, in test/helpers/ports.ts). */
export { freePort };

const execFileAsync = promisify(execFile);
/** Debian keeps runuser in /usr/sbin, which a non-login root shell may not have on its PATH. */
const RUNUSER = ['/usr/sbin/runuser', '/sbin/runuser'].find((p) => existsSync(p)) ?? 'runuser';

const MISSING =
  'PostgreSQL is needed by the storage tests: install it (Debian/Ubuntu: apt-get install postgresql) ' +
  'or set CERTBOUND_TEST_DATABASE_URL=postgres://user:password@host:port/database (a role that may CREATE DATABASE).';

/** A PostgreSQL server the tests may create databases on. */
export interface TestPostgres {
  /** Where it came from: CERTBOUND_TEST_DATABASE_URL, or a cluster started for this run. */
  readonly origin: 'CERTBOUND_TEST_DATABASE_URL' | 'throwaway cluster';
  /** Creates an empty database and returns its URL (with the password); stop() drops it. */
  createDatabase(): Promise<string>;
  /** Drops the databases created; stops and removes a throwaway cluster. */
  stop(): Promise<void>;
}


/** The directory holding initdb, pg_ctl and postgres: on the PATH, else the newest /usr/lib/postgresql/<v>/bin. */
async function findBinaries(): Promise<string | null> {
  const complete = (dir: string) => ['initdb', 'pg_ctl', 'postgres'].every((b) => existsSync(join(dir, b)));
  for (const dir of (process.env['PATH'] ?? '').split(delimiter).filter(Boolean)) {
    if (!existsSync(join(dir, 'initdb'))) continue;
    // /usr/local/bin/initdb may be a link into the real bin directory, which has all three.
    const real = dirname(await realpath(join(dir, 'initdb')));
    if (complete(real)) return real;
    if (complete(dir)) return dir;
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? (await readdir(root)).filter((v) => /^\d+(\.\d+)?$/.test(v)) : [];
  for (const v of versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))) {
    if (complete(join(root, v, 'bin'))) return join(root, v, 'bin');
  }
  return null;
}

/** Opens an admin connection and returns the create/drop half of a TestPostgres. */
/**
 * DROP DATABASE … WITH (FORCE), retried a few times: a connection still authenticating to the
 * database (a client of a test reconnecting as it stops) has no role yet, and PostgreSQL refuses
 * to terminate it (42501) until it has one; a moment later it can.
 */
async function dropDatabase(admin: pg.Client, name: string): Promise<void> {
  await until(`database ${name} dropped`, async () => {
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code !== '42501') throw err;
      return false;
    }
  }, { timeoutMs: 5_000, intervalMs: 200 });
}

async function databases(adminUrl: string): Promise<{ create(): Promise<string>; dropAll(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: adminUrl, application_name: 'certbound-tests' });
  // A test may stop the server under it (helpers below): unheard, the 'error' would crash the run.
  admin.on('error', () => {});
  await admin.connect();
  const created: string[] = [];
  return {
    async create() {
      const name = `certbound_test_${randomBytes(6).toString('hex')}`;
      await admin.query(`CREATE DATABASE ${name}`);
      created.push(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.href;
    },
    async dropAll() {
      try {
        // FORCE: a pool a failed test left open must not keep its database alive.
        for (const name of created.splice(0)) await dropDatabase(admin, name);
      } finally {
        await admin.end();
      }
    },
  };
}

/** A throwaway cluster whose server a test may stop and start again (same port, same data). */
export interface ControllablePostgres extends TestPostgres {
  /** Stops the server (fast shutdown: open connections are terminated). */
  stopServer(): Promise<void>;
  /** Starts the stopped server again. */
  startServer(): Promise<void>;
}

/** Runs a PostgreSQL program as `user` (null: as ourselves), in `cwd`, rejecting with its output. */
async function runAs(user: string | null, program: string, args: readonly string[], cwd: string): Promise<void> {
  const [command, argv] = user === null ? [program, args] : [RUNUSER, ['-u', user, '--', program, ...args]];
  try {
    await execFileAsync(command, argv, { cwd, timeout: 60_000 });
  } catch (err) {
    const { stderr, stdout, message } = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${program} ${args[0] ?? ''} failed: ${(stderr || stdout || message).trim()}`, { cause: err });
  }
}

/** The numeric uid and gid of a system user, or null if there is none. */
async function userIds(user: string): Promise<{ uid: number; gid: number } | null> {
  try {
    const uid = Number((await execFileAsync('id', ['-u', user])).stdout.trim());
    const gid = Number((await execFileAsync('id', ['-g', user])).stdout.trim());
    return { uid, gid };
  } catch {
    return null;
  }
}

async function startCluster(bin: string): Promise<ControllablePostgres> {
  // initdb and postgres refuse to run as root: then they run as the `postgres` system user
  // (which Debian's postgresql package creates), in a directory it owns.
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot ? await userIds('postgres') : null;
  if (asRoot && !ids) {
    throw new Error(
      'The storage tests run as root, and PostgreSQL refuses to: create the postgres system user ' +
        '(useradd -r -m postgres, or install the postgresql package) or set CERTBOUND_TEST_DATABASE_URL.',
    );
  }
  const user = ids ? 'postgres' : null;
  const dir = await mkdtemp(join(tmpdir(), 'certbound-pg-'));
  const data = join(dir, 'data');
  const password = randomBytes(16).toString('hex');
  let started = false;
  const stopCluster = async (): Promise<void> => {
    try {
      if (started) await runAs(user, join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w', '-t', '30'], dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  try {
    await writeFile(join(dir, 'pwfile'), `${password}\n`, { mode: 0o600 });
    if (ids) {
      await chown(dir, ids.uid, ids.gid);
      await chown(join(dir, 'pwfile'), ids.uid, ids.gid);
    }
    await runAs(user, join(bin, 'initdb'), [
      '-D', data, '-U', 'postgres', '--pwfile', join(dir, 'pwfile'),
      // Trust on the socket only; TCP needs the password, so a wrong one can be tested.
      '--auth-local=trust', '--auth-host=scram-sha-256',
      '-E', 'UTF8', '--locale=C', '--no-sync',
    ], dir);
    let port = 0;
    for (let attempt = 1; !started; attempt++) {
      port = await freePort();
      // A throwaway cluster: durability settings off for speed.
      await appendFile(
        join(data, 'postgresql.conf'),
        `\nlisten_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${dir}'\n` +
          'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 60\n',
      );
      try {
        await runAs(user, join(bin, 'pg_ctl'), ['start', '-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '30'], dir);
        started = true;
      } catch (err) {
        // The port may have been taken since freePort() looked; the next lines of the file win.
        if (attempt === 3) {
          const log = await readFile(join(dir, 'server.log'), 'utf8').catch(() => '');
          throw new Error(`${(err as Error).message}\n${log}`, { cause: err });
        }
      }
    }
    const dbs = await databases(`postgres://postgres:${password}@127.0.0.1:${port}/postgres`);
    let restarted = false;
    const pgCtl = (...args: string[]) => runAs(user, join(bin, 'pg_ctl'), args, dir);
    return {
      origin: 'throwaway cluster',
      createDatabase: dbs.create,
      async stop() {
        try {
          // The whole cluster goes; after a restart its admin connection is gone, and so are the databases with it.
          if (!restarted) await dbs.dropAll();
        } finally {
          await stopCluster();
        }
      },
      async stopServer() {
        restarted = true;
        await pgCtl('stop', '-D', data, '-m', 'fast', '-w', '-t', '30');
        started = false;
      },
      async startServer() {
        await pgCtl('start', '-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '30');
        started = true;
      },
    };
  } catch (err) {
    await stopCluster();
    throw err;
  }
}

/**
 * The PostgreSQL server of CERTBOUND_TEST_DATABASE_URL, or a throwaway cluster started now.
 * Throws (the test fails, it is not skipped) when neither is available.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const url = process.env['CERTBOUND_TEST_DATABASE_URL'];
  if (url) {
    const dbs = await databases(url).catch((err: unknown) => {
      throw new Error(`CERTBOUND_TEST_DATABASE_URL: cannot connect: ${(err as Error).message}`, { cause: err });
    });
    return { origin: 'CERTBOUND_TEST_DATABASE_URL', createDatabase: dbs.create, stop: dbs.dropAll };
  }
  const bin = await findBinaries();
  if (!bin) throw new Error(MISSING);
  return startCluster(bin);
}

/**
 * A throwaway cluster of its own, whatever CERTBOUND_TEST_DATABASE_URL says: for tests that stop
 * and start the server, which must never disturb a server other tests share.
 */
export async function startControllablePostgres(): Promise<ControllablePostgres> {
  const bin = await findBinaries();
  if (!bin) throw new Error(MISSING);
  return startCluster(bin);
}
