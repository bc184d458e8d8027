import type { Server } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** How a listener shuts down. */
export interface DrainOptions {
  /** How long requests in flight may take to finish before their connections are cut (ms). */
  readonly timeoutMs: number;
  /** Told once the listener accepts no new connections (the drain has begun). */
  readonly onStopAccepting?: (() => void) | undefined;
}

/** What a drain did. */
export interface DrainResult {
  /** Whether requests still in flight at the deadline had their connections cut. */
  readonly cut: boolean;
}

/**
 * Closes a Fastify listener gracefully: it stops accepting connections, idle keep-alive
 * connections close, requests in flight finish — for at most `timeoutMs`, after which the
 * connections left are destroyed, so that a stuck or slow peer never holds a shutdown forever.
 */
export async function drainAndClose(app: FastifyInstance, options: DrainOptions): Promise<DrainResult> {
  const server = app.server as Server & { closeAllConnections?: () => void };
  let cut = false;
  const deadline = setTimeout(() => {
    cut = true;
    server.closeAllConnections?.();
  }, options.timeoutMs);
  const closing = app.close();
  if (options.onStopAccepting) {
    // Fastify stops the listener a few turns into close(): report it once it has.
    const notify = options.onStopAccepting;
    const wait = (): void => {
      if (!server.listening) notify();
      else setImmediate(wait);
    };
    wait();
  }
  try {
    await closing;
  } finally {
    clearTimeout(deadline);
  }
  return { cut };
}
