import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { localAdminFiles } from '../admin/local-admin.ts';
import { operation, type InputFor, type OperationId } from '../admin/operations.ts';
import { runOperation } from '../admin/run.ts';
import type { Operation, OperationInput } from '../admin/operation.ts';
import { CertboundError } from '../core/certbound-error.ts';
import type { KeyEncryptionKey } from '../core/key-wrap.ts';
import { readServeLock } from '../storage/lock.ts';
import { openStore, redactDatabaseUrl } from '../storage/open.ts';
import type { Store } from '../storage/store.ts';
import type { AdminIdentity } from './admin-client.ts';
import { assertDataDirInitialised, UsageError, withStore } from './context.ts';

/**
 * Runs an admin operation by id and returns its JSON result. Its input is typed from the
 * operation's schema, so a command that builds a wrong one does not compile (and the schema
 * refuses it at run time wherever it goes).
 */
export type Invoke = <Id extends OperationId>(id: Id, ...input: Record<never, never> extends InputFor<Id> ? [input?: InputFor<Id>] : [input: InputFor<Id>]) => Promise<unknown>;

/** The Invoke of a way to run an operation (on a remote admin API, or on a store). */
function invoker(run: (op: Operation, input: OperationInput) => Promise<unknown>): Invoke {
  return (id, ...input) => run(operation(id), input[0] ?? {});
}

/** Where admin commands act: the options every admin command takes. */
export interface AdminTargetOptions {
  readonly dir: string;
  /** The KEK of the store (--kek-file, $CERTBOUND_KEK); the embedded store's `<dir>/kek` without. */
  readonly kek?: KeyEncryptionKey | undefined;
  readonly database?: string | undefined;
  readonly adminUrl?: string | undefined;
  readonly adminCert?: string | undefined;
  readonly adminKey?: string | undefined;
  readonly adminCa?: string | undefined;
}

/** Options of admin commands, for parseArgs. */
export const ADMIN_TARGET_OPTIONS = {
  database: { type: 'string' },
  'admin-url': { type: 'string' },
  'admin-cert': { type: 'string' },
  'admin-key': { type: 'string' },
  'admin-ca': { type: 'string' },
} as const;

/** A remote admin API and the identity to call it with. */
interface RemoteTarget {
  readonly url: string;
  readonly identity: AdminIdentity;
}

async function readOption(path: string, option: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${option}: cannot read '${path}' (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
}

/** `--admin-url` with the certificate, key and CA options that go with it. */
async function explicitTarget(target: AdminTargetOptions, url: string): Promise<RemoteTarget> {
  if (target.adminCert === undefined || target.adminKey === undefined) throw new UsageError('--admin-url needs --admin-cert and --admin-key (an administrator certificate)');
  if (target.database !== undefined) throw new UsageError('--admin-url and --database exclude each other: the admin API acts on its own database');
  const ownCa = join(target.dir, 'ca.pem');
  const ca = target.adminCa !== undefined
    ? await readOption(target.adminCa, '--admin-ca')
    // The data directory's platform CA issued the token service's (and admin API's) certificate.
    : await readFile(ownCa, 'utf8').catch(() => undefined);
  return {
    url,
    identity: {
      cert: await readOption(target.adminCert, '--admin-cert'),
      key: await readOption(target.adminKey, '--admin-key'),
      ...(ca === undefined ? {} : { ca }),
      certSource: target.adminCert,
    },
  };
}

/** The admin API of a `serve` running on the data directory (on the same database), or null. */
async function servingTarget(target: AdminTargetOptions): Promise<RemoteTarget | null> {
  const lock = await readServeLock(target.dir);
  if (!lock?.adminUrl) return null;
  // Another database than the one that serve uses: that serve is not where this change goes.
  const wanted = target.database === undefined ? undefined : redactDatabaseUrl(target.database);
  if (wanted !== lock.database) return null;
  const files = localAdminFiles(target.dir);
  const read = async (path: string) => {
    try {
      return await readFile(path, 'utf8');
    } catch {
      throw new CertboundError(
        'ERR_CERTBOUND_ADMIN_UNAVAILABLE',
        `certbound serve (pid ${lock.pid}) runs on ${target.dir} with its admin API at ${lock.adminUrl}, but ${path} cannot be read: restart it to recreate its administrator credential`,
      );
    }
  };
  return {
    url: lock.adminUrl,
    identity: { cert: await read(files.cert), key: await read(files.key), ca: await read(join(target.dir, 'ca.pem')), certSource: files.cert },
  };
}

async function withDatabase<T>(dir: string, databaseUrl: string, kek: KeyEncryptionKey | undefined, fn: (store: Store) => Promise<T>): Promise<T> {
  // A PostgreSQL server has many writers: no data directory lock to respect.
  const store = await openStore(dir, kek === undefined ? { databaseUrl } : { databaseUrl, kek });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * Runs `fn` with an invoker of admin operations on the right target: a remote admin API
 * (`--admin-url`), the admin API of a `serve` running on the data directory (so that the change
 * is live at once), or the data directory's store itself (or `--database`'s).
 */
export async function withAdmin<T>(target: AdminTargetOptions, fn: (invoke: Invoke) => Promise<T>): Promise<T> {
  if (target.adminUrl === undefined && (target.adminCert ?? target.adminKey ?? target.adminCa) !== undefined) {
    throw new UsageError('--admin-cert, --admin-key and --admin-ca go with --admin-url');
  }
  const remote = target.adminUrl !== undefined ? await explicitTarget(target, target.adminUrl) : await servingTarget(target);
  if (remote) {
    // Loaded only when a service is there to talk to: the HTTP client is most of a command's start-up.
    const { createAdminClient } = await import('./admin-client.ts');
    const client = createAdminClient(remote.url, remote.identity);
    try {
      return await fn(invoker((op, input) => client.invoke(op, input)));
    } finally {
      await client.close();
    }
  }
  const local = (store: Store) => fn(invoker((op, input) => runOperation({ store, actor: 'local' }, op, input)));
  const { dir, kek } = target;
  // Only init and serve make a data directory; every other command acts on one that exists.
  if (target.database === undefined) await assertDataDirInitialised(dir);
  return target.database === undefined ? withStore(kek === undefined ? { dir } : { dir, kek }, local) : withDatabase(dir, target.database, kek, local);
}
