// The entry point of a `certbound serve --workers N` worker process (node:cluster): one token
// service on the listening port the workers share. The primary sends its configuration over
// the IPC channel (never argv or the environment, which other local users may read), then
// `reload`, `metrics` and `stop` requests.
import { pino } from 'pino';
import { startTokenService, type TokenService } from '../server/service.ts';
import { openStore } from '../storage/open.ts';
import type { Store } from '../storage/store.ts';
import { givenKek } from './context.ts';
import type { PrimaryMessage, WorkerMessage } from './serve-cluster.ts';

const send = (message: WorkerMessage) => process.send?.(message);

let store: Store | undefined;
let service: TokenService | undefined;

async function start(config: Extract<PrimaryMessage, { type: 'start' }>['config']): Promise<void> {
  const kek = await givenKek(config.kekFile);
  store = await openStore(config.dir, { databaseUrl: config.databaseUrl, ...(kek === undefined ? {} : { kek }) });
  const logger = pino({ level: config.logLevel }, pino.destination({ dest: 2, sync: false })).child({ worker: config.index });
  const port = config.port;
  service = await startTokenService({
    store,
    issuer: config.issuer ?? ((actual: number) => `https://localhost:${actual}`),
    host: config.host,
    port,
    logger,
    ...(config.tls ? { tls: config.tls } : {}),
    ...(config.defaultAudience === undefined ? {} : { defaultAudience: config.defaultAudience }),
    caNames: config.caNames,
    // One worker prunes the audit log; the others would only repeat its DELETE.
    auditRetentionMs: config.index === 0 ? config.auditRetentionMs : 0,
    ...(config.index === 0 && config.keyRotation !== null ? { keyRotation: config.keyRotation } : {}),
    drainTimeoutMs: config.drainTimeoutMs,
  });
  send({ type: 'listening', issuer: service.issuer, url: service.url });
}

async function stop(): Promise<void> {
  await service?.close();
  await store?.close();
  if (process.connected) process.disconnect?.();
}

process.on('message', (message: PrimaryMessage) => {
  switch (message.type) {
    case 'start':
      start(message.config).catch((err: unknown) => {
        send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
        void stop();
      });
      break;
    case 'reload':
      void (service?.reload() ?? Promise.resolve()).then(
        () => send({ type: 'reloaded', id: message.id }),
        (err: unknown) => send({ type: 'reloaded', id: message.id, error: err instanceof Error ? err.message : String(err) }),
      );
      break;
    case 'metrics':
      void (service?.metrics.registry.getMetricsAsJSON() ?? Promise.resolve([])).then((metrics) => send({ type: 'metrics', id: message.id, metrics }));
      break;
    case 'stop':
      void stop();
      break;
  }
});
// Without its primary (killed, say), a worker stops rather than serve unmanaged.
process.on('disconnect', () => void stop());
// The primary handles Ctrl-C and SIGTERM for the whole service and stops each worker in turn.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
