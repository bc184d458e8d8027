import pg from 'pg';
import type { RegistryListener, RegistrySubscription } from '../store.ts';
import { invalidArgValue } from '../../core/argument-error.ts';

/** How a subscription reconnects. */
export interface ListenOptions {
  /** First wait after a lost connection (ms, default 100); doubled after each failed attempt. */
  readonly minBackoffMs?: number;
  /** Longest wait between attempts (ms, default 5000). */
  readonly maxBackoffMs?: number;
  /** How long one connection attempt may take (ms, default 5000). */
  readonly connectTimeoutMs?: number;
}

/** The `application_name` of listening connections, so an operator (or a test) can tell them from the pool's. */
export const LISTEN_APPLICATION_NAME = 'certbound-listen';

const CHANNEL = /^[a-z_][a-z0-9_]*$/;

const toError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/**
 * Subscribes to a `NOTIFY` channel on a dedicated connection to the server at `url` (never one of
 * the pool's: a pooled connection is shared, and `LISTEN` is session state). When the connection
 * is lost — the server restarts, an operator terminates it, the network drops — it is re-made
 * with exponential backoff, `LISTEN` is issued again and the listener is told (`onSubscribed(true)`)
 * so that it can catch up on what it missed. Resolves after the first attempt, made or not.
 * @see https://www.postgresql.org/docs/current/sql-listen.html
 */
export async function listenOn(url: string, channel: string, listener: RegistryListener, options: ListenOptions = {}): Promise<RegistrySubscription> {
  // The channel is an identifier, not a parameter: only a fixed, plain name is ever spliced in.
  if (!CHANNEL.test(channel)) throw invalidArgValue('the channel must be a plain lowercase identifier');
  const minBackoff = options.minBackoffMs ?? 100;
  const maxBackoff = options.maxBackoffMs ?? 5_000;
  let backoff = minBackoff;
  let closed = false;
  let initial = true;
  let client: pg.Client | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const retryLater = (err: Error): void => {
    if (closed || timer !== undefined) return;
    const wait = backoff;
    backoff = Math.min(backoff * 2, maxBackoff);
    listener.onLost(err, wait);
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, wait);
    // The poll and the service keep the process alive, not a reconnection timer.
    timer.unref();
  };

  const connect = async (): Promise<void> => {
    const c = new pg.Client({
      connectionString: url,
      application_name: LISTEN_APPLICATION_NAME,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      // A half-open connection (a silent network drop) is found by TCP keep-alive, not never.
      keepAlive: true,
    });
    let lost = false;
    const onLoss = (err: Error): void => {
      if (lost) return;
      lost = true;
      if (client === c) client = null;
      // A client that emitted 'error' is done for: end it quietly and make a new one.
      c.end().catch(() => {});
      retryLater(err);
    };
    // Unheard, an 'error' event would crash the process.
    c.on('error', onLoss);
    c.on('end', () => onLoss(new Error('the listening connection ended')));
    c.on('notification', (msg) => {
      if (msg.channel === channel) listener.onChange(msg.payload ?? '');
    });
    const first = initial;
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (err) {
      onLoss(toError(err));
      return;
    }
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    backoff = minBackoff;
    // Anything but the very first attempt may have missed changes: the listener catches up.
    listener.onSubscribed(!first);
  };

  await connect();
  initial = false;
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
