import { Pool, TypeOverrides, types as pgTypes, type PoolClient } from 'pg';
import { CertboundError } from '../../core/certbound-error.ts';
import type { Database, Queryable, SqlValue, TransactionOptions } from '../database.ts';
import { isDatabaseError } from '../database-error.ts';
import { listenOn } from './listener.ts';
import { databaseUrlSecrets, isPostgresUrl, redactDatabaseUrl } from './url.ts';
import { invalidArgValue } from '../../core/argument-error.ts';

/** Pool settings of a PostgreSQL server connection. */
export interface PostgresOptions {
  /** Most connections the pool opens at once (default 10). */
  readonly maxConnections?: number;
  /** How long to wait for a connection before giving up, in milliseconds (default 5000). */
  readonly connectTimeoutMs?: number;
  /** How long an unused connection stays open, in milliseconds (default 30000). */
  readonly idleTimeoutMs?: number;
}

/** A PostgreSQL server database, which can also lend one connection for session-scoped work. */
export interface PostgresDatabase extends Database {
  /**
   * Runs `fn` on one connection held for its whole duration, for session state such as an
   * advisory lock. If `fn` throws, the connection is closed, which releases anything it held.
   */
  withConnection<T>(fn: (connection: Database) => Promise<T>): Promise<T>;
}

const INT8 = 20;
const INT8_ARRAY: number = 1016; // not in pg-types' TypeId list

/** int8 as a number while exact, a bigint beyond ±2^53. */
function parseInt8(text: string): number | bigint {
  const n = BigInt(text);
  return n < Number.MIN_SAFE_INTEGER || n > Number.MAX_SAFE_INTEGER ? n : Number(n);
}

/** Per-pool parsers (the global pg.types stays untouched); timestamptz, bytea and text[] keep pg's defaults. */
function typeParsers(): TypeOverrides {
  const types = new TypeOverrides();
  const parseInt8Texts = pgTypes.getTypeParser(INT8_ARRAY, 'text') as (text: string) => (string | null)[];
  types.setTypeParser(INT8, 'text', parseInt8);
  types.setTypeParser(INT8_ARRAY, 'text', (text) => parseInt8Texts(text).map((v) => (v === null ? null : parseInt8(v))));
  return types;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // Node reports a refused connection to every address of a name as an AggregateError without a message.
  const inner = err instanceof AggregateError && err.message === '' ? err.errors.find((e) => e instanceof Error) : undefined;
  const base = err.message || (inner instanceof Error ? inner.message : err.name);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && !base.includes(code) ? `${base} (${code})` : base;
}

/** The operator-facing error for a connection that could not be made; the password never appears in it. */
function unavailable(url: string, err: unknown): CertboundError {
  let reason = describe(err);
  for (const secret of databaseUrlSecrets(url)) reason = reason.replaceAll(secret, '***');
  return new CertboundError(
    'ERR_CERTBOUND_DATABASE_UNAVAILABLE',
    `cannot connect to PostgreSQL at ${redactDatabaseUrl(url)}: ${reason}`,
    { cause: err },
  );
}

const toError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

interface Borrowed {
  readonly client: PoolClient;
  /** Returns the connection to the pool, or closes it when `broken` is given. */
  readonly release: (broken?: Error) => void;
}

async function borrow(pool: Pool, url: string): Promise<Borrowed> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw unavailable(url, err);
  }
  // A connection lost while lent out emits 'error', which unheard would crash the process;
  // the pending or next query fails instead, and the pool drops the connection on release.
  let lost: Error | undefined;
  const onError = (err: Error): void => {
    lost = err;
  };
  client.on('error', onError);
  return {
    client,
    release: (broken) => {
      if (!lost) client.off('error', onError);
      client.release(lost ?? broken);
    },
  };
}

/** Whether a failed query failed because the connection went away (no SQLSTATE: the server never answered). */
function connectionLost(err: unknown): boolean {
  if (!(err instanceof Error) || isDatabaseError(err)) return false;
  const code = (err as { code?: unknown }).code;
  return (typeof code === 'string' && /^E[A-Z]+$/.test(code)) || /^Connection terminated|connection error|not queryable/i.test(err.message);
}

function wrap(client: PoolClient, url: string): Queryable {
  return {
    dialect: 'postgres',
    async query<Row>(sql: string, params: readonly SqlValue[] = []) {
      try {
        const result = await client.query(sql, [...params]);
        return { rows: result.rows as Row[] };
      } catch (err) {
        // A server that went away mid-query is "unavailable, try again" (503), like one that cannot be reached.
        throw connectionLost(err) ? unavailable(url, err) : err;
      }
    },
  };
}

/** BEGIN … COMMIT on `client`, ROLLBACK if `fn` throws; `onBroken` hears of a connection that could not roll back. */
async function transactionOn<T>(
  client: PoolClient,
  url: string,
  fn: (tx: Queryable) => Promise<T>,
  onBroken: (err: Error) => void,
  options: TransactionOptions = {},
): Promise<T> {
  const q = wrap(client, url);
  await q.query('BEGIN');
  try {
    // Relaxed: COMMIT returns before the WAL is flushed; a crash may lose it, never corrupt anything.
    if (options.durability === 'relaxed') await q.query('SET LOCAL synchronous_commit = off');
    const result = await fn(q);
    await q.query('COMMIT');
    return result;
  } catch (err) {
    // A connection that cannot roll back is in an unknown state: it must not be reused.
    await client.query('ROLLBACK').catch((rollbackErr: unknown) => onBroken(toError(rollbackErr)));
    throw err;
  }
}

/** A Database over one lent connection; closing it is the lender's business. */
function onConnection(client: PoolClient, url: string, onBroken: (err: Error) => void): Database {
  return {
    dialect: 'postgres',
    query: wrap(client, url).query,
    transaction: (fn, options) => transactionOn(client, url, fn, onBroken, options),
    exec: async (sql) => {
      await client.query(sql);
    },
    close: async () => {},
  };
}

/**
 * Opens a pool of connections to the PostgreSQL server at `url` (`postgres://` or
 * `postgresql://`) and checks that it accepts one. Values come back typed as the store expects
 * (int8 as a number while exact).
 * Throws CertboundError `ERR_CERTBOUND_DATABASE_UNAVAILABLE` when the server cannot be reached
 * or refuses the credentials.
 */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<PostgresDatabase> {
  if (!isPostgresUrl(url) || !URL.canParse(url)) {
    // Not echoed: a malformed URL may still carry a password.
    throw invalidArgValue('the database URL must be a postgres:// or postgresql:// URL');
  }
  const pool = new Pool({
    connectionString: url,
    application_name: 'certbound',
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    types: typeParsers(),
  });
  // An idle connection the server closed: the pool drops it and opens another when needed.
  pool.on('error', () => {});

  try {
    (await borrow(pool, url)).release();
  } catch (err) {
    await pool.end();
    throw err;
  }

  let ending: Promise<void> | undefined;
  return {
    dialect: 'postgres',
    async query<Row>(sql: string, params: readonly SqlValue[] = []) {
      const { client, release } = await borrow(pool, url);
      try {
        return await wrap(client, url).query<Row>(sql, params);
      } finally {
        release();
      }
    },
    async transaction(fn, options) {
      const { client, release } = await borrow(pool, url);
      let broken: Error | undefined;
      try {
        return await transactionOn(client, url, fn, (err) => (broken = err), options);
      } finally {
        release(broken);
      }
    },
    async exec(sql) {
      const { client, release } = await borrow(pool, url);
      try {
        await client.query(sql);
      } finally {
        release();
      }
    },
    async withConnection(fn) {
      const { client, release } = await borrow(pool, url);
      let failure: Error | undefined;
      try {
        return await fn(onConnection(client, url, (err) => (failure = err)));
      } catch (err) {
        // Session state (a lock, an open transaction) may remain: close the connection rather than reuse it.
        failure = toError(err);
        throw err;
      } finally {
        release(failure);
      }
    },
    listen: (channel, listener) => listenOn(url, channel, listener),
    close: () => (ending ??= pool.end()),
  };
}
