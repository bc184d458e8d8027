// The messages between the soak driver (bench/soak.ts) and its server process
// (bench/soak-server.ts), over the child process's IPC channel.

/** A registered client with the certificate certbound issued it. */
export interface SoakClient {
  readonly id: string;
  readonly partnerId: string;
  /** The subject DN it is registered with (RFC 4514), which a forger copies. */
  readonly subject: string;
  /** The chain it presents (leaf, then its partner's CA) and its key, PEM. */
  readonly chain: string;
  readonly key: string;
  /** `x5t#S256` of its leaf. */
  readonly thumbprint: string;
}

/** What the server process set up: where to reach it, and the clients to act as. */
export interface SoakWorld {
  /** https://127.0.0.1:PORT of the token service (its issuer). */
  readonly issuer: string;
  /** https://127.0.0.1:PORT of the guarded API. */
  readonly api: string;
  /** The resource identifier (`aud`) of the guarded API. */
  readonly resource: string;
  readonly scope: string;
  /** The platform CA both servers' TLS certificates chain to. */
  readonly ca: string;
  readonly clients: readonly SoakClient[];
}

/** The server process's own resource use. */
export interface ProcessStats {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** Entries of /proc/self/fd; null where there is no /proc. */
  readonly fds: number | null;
  /** The same by what they are: socket, pipe, anon_inode, data (files of the data directory), file. */
  readonly fdKinds: Readonly<Record<string, number>> | null;
  /** CPU time the process has used since it started (user + system), in seconds. */
  readonly cpuSeconds: number;
  /** How late its event loop ran since the driver's last `reset`, in milliseconds: a stalled server answers nothing. */
  readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Whether a full garbage collection ran just before (a settled figure). */
  readonly collected: boolean;
}

/** Driver → server. */
export type ToServer =
  | { readonly type: 'stats'; readonly id: number; readonly collect: boolean; readonly reset: boolean }
  | { readonly type: 'stop' };

/** Server → driver. */
export type FromServer =
  | { readonly type: 'ready'; readonly world: SoakWorld }
  | { readonly type: 'stats'; readonly id: number; readonly stats: ProcessStats }
  | { readonly type: 'failed'; readonly message: string };
