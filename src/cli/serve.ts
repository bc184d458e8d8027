import { mkdir, readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { DEMO, seedDemo } from '../admin/demo.ts';
import { startAdminApi, type AdminApi } from '../admin/api.ts';
import { initDataDir, PLATFORM_CA, TOKEN_SERVICE_TLS } from '../admin/init.ts';
import { bindIssuer, chooseIssuer } from '../admin/issuer.ts';
import { ensureLocalAdmin } from '../admin/local-admin.ts';
import { CertboundError } from '../core/certbound-error.ts';
import { pkcs8ToPem } from '../pki/keys.ts';
import { assertIssuer } from '../server/metadata.ts';
import { startMetricsListener, type MetricsListener } from '../server/metrics-listener.ts';
import { startTokenService } from '../server/service.ts';
import { banner, hostSan } from './serve-banner.ts';
import { startClusterService } from './serve-cluster.ts';
import { acquireServeLock, updateServeLock } from '../storage/lock.ts';
import { redactDatabaseUrl } from '../storage/open.ts';
import type { Store } from '../storage/store.ts';
import { integerOption, parse, UsageError, useDataDir, type Command, type Io } from './context.ts';
import { parseAuditRetention } from './retention.ts';
import { openServeStore } from './serve-store.ts';
import { onServiceCertificateRenewed, parseOpsOptions } from './serve-ops.ts';
import { SERVE_USAGE } from './usage/serve.ts';

/**
 * The token service's own TLS credential, as `init` stored it: the admin API serves it whatever
 * `--tls-cert` says, so that the data directory's platform CA (ca.pem) always verifies it.
 */
async function serviceCredential(store: Store): Promise<{ cert: string; key: string }> {
  const stored = await store.getTlsCredential(TOKEN_SERVICE_TLS);
  if (!stored) throw new CertboundError('ERR_CERTBOUND_NOT_INITIALISED', 'the store holds no TLS certificate for the token service: run certbound init');
  return { cert: stored.certPem, key: pkcs8ToPem(stored.keyPkcs8) };
}

/** `certbound serve`: initialises the data directory if needed and runs the token service. */
export const serve: Command = {
  usage: SERVE_USAGE,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      host: { type: 'string' },
      port: { type: 'string' },
      issuer: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'default-audience': { type: 'string' },
      'ca-names': { type: 'string' },
      'seed-demo': { type: 'boolean' },
      'log-level': { type: 'string' },
      'admin-host': { type: 'string' },
      'admin-port': { type: 'string' },
      'no-admin': { type: 'boolean' },
      'metrics-host': { type: 'string' },
      'metrics-port': { type: 'string' },
      database: { type: 'string' },
      'audit-retention': { type: 'string' },
      workers: { type: 'string' },
      'key-rotation': { type: 'string' },
      'key-lead-time': { type: 'string' },
      'drain-timeout': { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const port = integerOption('port', values.port, 0, 65_535) ?? 8443;
    const adminPort = integerOption('admin-port', values['admin-port'], 0, 65_535) ?? 8444;
    const metricsPort = integerOption('metrics-port', values['metrics-port'], 0, 65_535);
    if (metricsPort === undefined && values['metrics-host'] !== undefined) throw new UsageError('--metrics-host goes with --metrics-port');
    const admin = !values['no-admin'];
    if (!admin && (values['admin-port'] !== undefined || values['admin-host'] !== undefined)) throw new UsageError('--no-admin excludes --admin-host and --admin-port');
    const databaseUrl = values.database;
    const workers = integerOption('workers', values.workers, 1, 64) ?? 1;
    if (workers > 1 && databaseUrl === undefined) {
      throw new UsageError('--workers above 1 needs --database: the embedded store has one writer, the serving process');
    }
    if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
    const auditRetentionMs = parseAuditRetention(values['audit-retention']);
    const { keyRotation, drainTimeoutMs } = parseOpsOptions(values);
    const caNames = values['ca-names'] ?? 'all';
    if (caNames !== 'all' && caNames !== 'roots') throw new UsageError('--ca-names is all or roots');
    if (values.issuer !== undefined) {
      try {
        assertIssuer(values.issuer);
      } catch (err) {
        throw new UsageError(`--issuer: ${(err as Error).message}`);
      }
    }
    const { dir, kek } = await useDataDir(values);
    const provisional = values.issuer ?? `https://localhost:${port}`;
    // Hold the lock before opening the database (the embedded one has a single writer), so no
    // other command opens it while this one initialises it, and release it only once closed.
    // On a PostgreSQL server it still marks the directory (its files, its admin credential) as served.
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const release = await acquireServeLock(dir, provisional);
    // From here on, a signal stops the service cleanly, even during start-up.
    const stopped = new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    let store: Store | undefined;
    let adminApi: AdminApi | undefined;
    let metrics: MetricsListener | undefined;
    try {
      const opened = await openServeStore(dir, { ...(databaseUrl === undefined ? {} : { databaseUrl }), ...(kek === undefined ? {} : { kek }) }, io, stopped);
      // Stopped while still waiting for the database: nothing was started.
      if (opened === null) return 0;
      store = opened;
      // One service, one identity: instances on one database share the issuer stored in it.
      const shared = databaseUrl !== undefined;
      const issuer = await chooseIssuer(store, { given: values.issuer, fallback: port === 0 ? null : provisional, shared });
      const tls = values['tls-cert'] === undefined ? undefined : {
        cert: await readFile(values['tls-cert'], 'utf8'),
        key: await readFile(values['tls-key']!, 'utf8'),
      };
      // The first start makes keys and certificates: say so, rather than sit silent for a while.
      const first = (await store.getAuthority(PLATFORM_CA)) === null;
      if (first) io.out(`Initialising ${databaseUrl === undefined ? dir : 'the database'}: a platform CA, the token service's TLS certificate, a signing key…`);
      await initDataDir(store, dir, [...hostSan(new URL(issuer ?? provisional).hostname), ...(admin ? hostSan(values['admin-host'] ?? 'localhost') : [])]);
      const demo = values['seed-demo'] ? await seedDemo(store, dir) : null;
      // Asynchronous writes, not a blocking write per log line: logging stays off the request path.
      const logger = pino({ level: values['log-level'] ?? 'info' }, pino.destination({ dest: 2, sync: false }));
      const serviceOptions = {
        host: values.host ?? '127.0.0.1',
        port,
        ...(values['default-audience'] === undefined ? {} : { defaultAudience: values['default-audience'] }),
        caNames: caNames as 'all' | 'roots',
        auditRetentionMs,
      };
      const service = workers > 1
        ? await startClusterService(workers, {
            ...serviceOptions,
            dir,
            databaseUrl: databaseUrl!,
            kekFile: values['kek-file'],
            issuer,
            tls,
            defaultAudience: values['default-audience'],
            logLevel: values['log-level'] ?? 'info',
            drainTimeoutMs,
            keyRotation: keyRotation ?? null,
          }, logger)
        : await startTokenService({
            ...serviceOptions,
            store,
            issuer: issuer ?? ((actual: number) => `https://localhost:${actual}`),
            logger,
            ...(tls ? { tls } : {}),
            ...(keyRotation ? { keyRotation } : {}),
            drainTimeoutMs,
            onTlsRenewed: onServiceCertificateRenewed(dir, () => adminApi),
          });
      if (issuer === null && shared) {
        // Port 0: the default issuer was known only now; a concurrent first instance may have bound another.
        try {
          await bindIssuer(store, service.issuer);
        } catch (err) {
          await service.close();
          throw err;
        }
      }
      let adminNote = '';
      if (admin) {
        try {
          await ensureLocalAdmin(store, dir);
          const options = {
            store,
            host: values['admin-host'] ?? '127.0.0.1',
            tls: await serviceCredential(store),
            onChange: () => service.reload(),
            logger: logger.child({ component: 'admin' }),
            metrics: service.metrics,
          };
          const start = (p: number) => startAdminApi({ ...options, port: p });
          try {
            adminApi = await start(adminPort);
          } catch (err) {
            // Only the default port gives way (to a second serve on this host, say); a port asked for is kept or fails.
            if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || values['admin-port'] !== undefined) throw err;
            adminApi = await start(0);
            adminNote = ` (${adminPort} was in use)`;
          }
        } catch (err) {
          await service.close();
          if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
            throw new CertboundError('ERR_CERTBOUND_USAGE', `the admin API cannot listen on port ${adminPort}: it is in use (choose another with --admin-port, or --no-admin)`);
          }
          throw err;
        }
      }
      if (metricsPort !== undefined) {
        try {
          metrics = await startMetricsListener({ registry: 'exposition' in service ? service.exposition : service.metrics.registry, host: values['metrics-host'] ?? '127.0.0.1', port: metricsPort });
        } catch (err) {
          await adminApi?.close();
          await service.close();
          if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new CertboundError('ERR_CERTBOUND_USAGE', `the metrics listener cannot listen on port ${metricsPort}: it is in use`);
          throw err;
        }
      }
      await updateServeLock(dir, {
        issuer: service.issuer,
        ...(adminApi ? { adminUrl: adminApi.url } : {}),
        ...(databaseUrl === undefined ? {} : { database: redactDatabaseUrl(databaseUrl) }),
      });
      // The demo client's curl only where it was asked for: a later serve on the directory is about the user's own clients.
      const hasDemo = demo !== null || (values['seed-demo'] === true && (await store.getClient(DEMO.client)) !== null);
      banner(io, dir, service.issuer, service.url, adminApi ? { url: adminApi.url, boundAddress: adminApi.boundAddress, note: adminNote } : null, metrics?.url ?? null, hasDemo);
      process.on('SIGHUP', () => {
        service.reload().then(
          () => logger.info('registry reloaded'),
          (err: unknown) => logger.error({ err }, 'reload failed'),
        );
      });
      const signal = await stopped;
      // Ctrl-C at a terminal gets one line (the last); SIGTERM, from a supervisor, narrates the drain.
      const interactive = signal === 'SIGINT';
      // A second signal means now: no drain, no flush (exit status 1 says so).
      const force = () => process.exit(1);
      process.on('SIGTERM', force);
      process.on('SIGINT', force);
      logger[interactive ? 'debug' : 'info']({ drain_timeout_ms: drainTimeoutMs, signal }, 'shutting down');
      // The admin API first: no change is accepted that the token service would not apply.
      await adminApi?.close();
      await metrics?.close();
      await service.close({
        onStopAccepting: () => interactive || io.out(`Shutting down: no new connections; requests in flight may finish (up to ${drainTimeoutMs / 1000} s).`),
        onCut: () => logger.warn({ drain_timeout_ms: drainTimeoutMs }, 'shutdown: requests still in flight at the drain deadline were cut'),
      });
      logger.flush();
      await store.close();
      store = undefined;
      io.out('Stopped: the audit log is written and the database closed.');
      return 0;
    } finally {
      await store?.close();
      await release();
    }
  },
};
