import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';

/** A fetch bound to one dispatcher (the token service's private CA, or the caller's own). */
export type BoundFetch = (url: string | URL, init?: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal; redirect?: 'manual' }) => Promise<Response>;

/** What reaching the token service needs. */
export interface ReachOptions {
  /** CA certificate(s) that issued the token service's TLS certificate (its platform `ca.pem`). */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /** An undici dispatcher to use instead (takes precedence over `ca`). */
  readonly dispatcher?: Dispatcher;
}

/**
 * A fetch for talking to the token service, with its own keep-alive agent trusting `ca`
 * (or the given dispatcher), and the function that closes that agent.
 */
export function boundFetch(options: ReachOptions & { readonly tls?: { cert: string; key: string } }): { fetch: BoundFetch; close(): Promise<void> } {
  const own = options.dispatcher
    ? undefined
    : new Agent({
        connect: {
          ...(options.ca === undefined ? {} : { ca: options.ca as string | Buffer | (string | Buffer)[] }),
          ...(options.tls ?? {}),
        },
      });
  const dispatcher = options.dispatcher ?? own;
  return {
    fetch: async (url, init = {}) =>
      (await undiciFetch(url, { ...init, ...(dispatcher ? { dispatcher } : {}) })) as unknown as Response,
    close: async () => {
      await own?.close();
    },
  };
}
