import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { CertboundError } from '../core/certbound-error.ts';
import { aggregateMetrics, createMetrics, type MetricsSnapshot, type ServiceMetrics } from '../server/metrics.ts';
import type { MetricsSource } from '../server/metrics-listener.ts';
import type { RotationSchedule } from '../server/key-rotation.ts';

/** What a worker needs to run its token service; sent over IPC, never in argv or the environment. */
export interface WorkerConfig {
  readonly index: number;
  readonly dir: string;
  readonly databaseUrl: string;
  readonly kekFile: string | undefined;
  readonly issuer: string | null;
  readonly host: string;
  readonly port: number;
  readonly tls: { readonly cert: string; readonly key: string } | undefined;
  readonly defaultAudience: string | undefined;
  readonly caNames: 'all' | 'roots';
  readonly auditRetentionMs: number;
  readonly logLevel: string;
  /** How long a worker's requests in flight may take to finish when it stops. */
  readonly drainTimeoutMs: number;
  /** This instance's rotation schedule (serve --key-rotation): kept by the first worker only. */
  readonly keyRotation: RotationSchedule | null;
}

/** Primary to worker. */
export type PrimaryMessage =
  | { readonly type: 'start'; readonly config: WorkerConfig }
  | { readonly type: 'reload'; readonly id: number }
  | { readonly type: 'metrics'; readonly id: number }
  | { readonly type: 'stop' };

/** Worker to primary. */
export type WorkerMessage =
  | { readonly type: 'listening'; readonly issuer: string; readonly url: string }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'metrics'; readonly id: number; readonly metrics: MetricsSnapshot }
  | { readonly type: 'reloaded'; readonly id: number; readonly error?: string };

/** The token service as N worker processes on one port. */
export interface ClusterService {
  readonly issuer: string;
  readonly url: string;
  /** The primary's own metrics (the admin API counts its refused handshakes there). */
  readonly metrics: ServiceMetrics;
  /** Every worker's metrics and the primary's, summed (prom-client's cluster aggregation). */
  readonly exposition: MetricsSource;
  /** Has every worker reload its registry from the store; settles when all have (rejects if one failed). */
  reload(): Promise<void>;
  /** Stops every worker (each drains its requests and writes its audit log) and waits for them. */
  close(options?: { readonly onStopAccepting?: () => void }): Promise<void>;
}

const WORKER_ENTRY = fileURLToPath(new URL(`./serve-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
/** A worker that dies is replaced after this long, so that one failing at once does not spin. */
const RESTART_DELAY_MS = 1_000;
/** How long a worker may take to answer a reload or a metrics scrape. */
const ASK_TIMEOUT_MS = 10_000;

/**
 * Starts `count` workers running the token service on one port (node:cluster; the kernel spreads
 * connections among them) and resolves once all listen; a worker that dies later is replaced.
 */
export async function startClusterService(count: number, config: Omit<WorkerConfig, 'index'>, logger: Logger): Promise<ClusterService> {
  // Each worker accepts its own connections: with round-robin the primary would accept them all
  // and pass each on, a per-connection cost on the primary's core.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  // Node 22 and 24 warn that node:sqlite is experimental on every start; the binary already drops that line.
  cluster.setupPrimary({ exec: WORKER_ENTRY, args: [], execArgv: [...process.execArgv, '--disable-warning=ExperimentalWarning'] });
  let stopping = false;
  let port = config.port;
  const workers = new Map<number, Worker>();
  const fork = (index: number): Promise<{ issuer: string; url: string }> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork();
      workers.set(index, worker);
      let started = false;
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'listening') {
          started = true;
          resolve(message);
        } else if (message.type === 'failed') reject(new CertboundError('ERR_CERTBOUND_USAGE', `a worker could not start: ${message.message}`));
      });
      worker.once('exit', (code) => {
        if (!started) reject(new CertboundError('ERR_CERTBOUND_USAGE', `a worker exited while starting (status ${code})`));
        else if (!stopping) {
          logger.error({ worker: index, code }, 'a worker exited; starting another');
          setTimeout(() => void fork(index).catch((err: unknown) => logger.error({ err, worker: index }, 'a replacement worker failed to start')), RESTART_DELAY_MS).unref();
        }
      });
      const message: PrimaryMessage = { type: 'start', config: { ...config, port, index } };
      worker.send(message);
    });
  const stopAll = async () => {
    stopping = true;
    await Promise.all(
      [...workers.values()].filter((w) => !w.isDead()).map((w) => new Promise<void>((resolve) => {
        w.once('exit', () => resolve());
        w.send({ type: 'stop' } satisfies PrimaryMessage);
      })),
    );
  };
  let first: { issuer: string; url: string };
  try {
    // The first picks the port when asked for any (0); the others then share it.
    first = await fork(0);
    port = Number(new URL(first.url).port);
    await Promise.all(Array.from({ length: count - 1 }, (_, i) => fork(i + 1)));
  } catch (err) {
    await stopAll();
    throw err;
  }
  const metrics = createMetrics();
  let nextId = 0;
  /** Asks every live worker and collects the answers; a worker that does not answer in time (dying, say) is left out. */
  const ask = async (request: (id: number) => PrimaryMessage, answer: WorkerMessage['type']): Promise<WorkerMessage[]> => {
    const live = [...workers.values()].filter((w) => w.isConnected());
    const answers = await Promise.all(live.map((worker) => new Promise<WorkerMessage | null>((resolve) => {
      const id = nextId++;
      const timer = setTimeout(() => done(null), ASK_TIMEOUT_MS);
      const done = (message: WorkerMessage | null) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        resolve(message);
      };
      const onMessage = (message: WorkerMessage) => {
        if (message.type === answer && 'id' in message && message.id === id) done(message);
      };
      worker.on('message', onMessage);
      worker.send(request(id));
    })));
    return answers.filter((a) => a !== null);
  };
  return {
    issuer: first.issuer,
    url: first.url,
    metrics,
    exposition: {
      contentType: metrics.registry.contentType,
      async metrics() {
        const answers = await ask((id) => ({ type: 'metrics', id }), 'metrics');
        const workerMetrics = answers.flatMap((a) => (a.type === 'metrics' ? [a.metrics] : []));
        return aggregateMetrics([await metrics.registry.getMetricsAsJSON(), ...workerMetrics]);
      },
    },
    async reload() {
      // The admin API answers a change once every worker applies it, as a single process does.
      const answers = await ask((id) => ({ type: 'reload', id }), 'reloaded');
      const failed = answers.find((a) => a.type === 'reloaded' && a.error !== undefined);
      if (failed?.type === 'reloaded') throw new CertboundError('ERR_CERTBOUND_USAGE', `a worker could not reload: ${failed.error}`);
    },
    async close(options = {}) {
      options.onStopAccepting?.();
      await stopAll();
    },
  };
}
