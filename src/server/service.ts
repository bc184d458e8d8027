import { X509Certificate } from 'node:crypto';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { CertboundError } from '../core/certbound-error.ts';
import { pkcs8ToPem } from '../pki/keys.ts';
import { registryVersion } from '../storage/registry-version.ts';
import type { Store } from '../storage/store.ts';
import { KeySet } from './access-tokens.ts';
import { createAuditLog, type AuditLog } from './audit.ts';
import { startAuditRetention } from './audit-retention.ts';
import { startRevocationPurge } from './revocation-purge.ts';
import { createCrlCache } from './crl-cache.ts';
import type { ClientErrorHook } from './client-error.ts';
import { secureContextOptions } from './fastify-https.ts';
import { buildApp, type ServiceState } from './http.ts';
import type { ListenerLimits } from './listener-limits.ts';
import { assertIssuer } from './metadata.ts';
import { createMetrics, type ServiceMetrics } from './metrics.ts';
import { loadRegistry, type Registry } from './registry.ts';
import { watchRegistry } from './registry-watch.ts';
import { loadSigningKey } from './signing-keys.ts';
import { startKeyMaintenance } from './key-maintenance.ts';
import { drainAndClose } from './drain.ts';
import { startExpiryWatch } from './expiry-watch.ts';
import { TOKEN_SERVICE_TLS } from './certificate-inventory.ts';
import type { MaintenanceResult, RotationSchedule } from './key-rotation.ts';

/** How to run the token service. */
export interface TokenServiceOptions {
  readonly store: Store;
  /** The issuer URL, exactly as tokens and metadata carry it; a function of the port when listening on port 0. */
  readonly issuer: string | ((port: number) => string);
  /** `aud` for clients without a resource of their own; the issuer by default. */
  readonly defaultAudience?: string;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** The listener's certificate and key (PEM); by default the one `init` created, from the store. */
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly logger?: Logger | false;
  /**
   * Where issued and refused requests are recorded: by default an audit log on `store` and
   * `logger`, created and closed with the service; one passed in is flushed on close, not closed;
   * false records nothing.
   */
  readonly audit?: AuditLog | false;
  /**
   * Which CA names the listener sends in its TLS CertificateRequest: `all` trusted CAs (the
   * default; clients may present their leaf alone), or only the `roots` (the platform root and
   * imported anchors), so the handshake stays small with many partners and clients of
   * certbound-held partner CAs present their chain. Trust is the same either way.
   */
  readonly caNames?: 'all' | 'roots';
  /**
   * How often to check the store for registry changes made elsewhere — another instance's admin
   * API, the CLI on the database — and reload (ms); 2 seconds by default, 0 never. On
   * PostgreSQL, changes are also pushed (`LISTEN`/`NOTIFY`) and this is the safety net.
   */
  readonly registryPollMs?: number;
  /** Whether to apply changes pushed by the store (PostgreSQL `LISTEN`) at once; true by default. */
  readonly registryNotify?: boolean;
  /** How often the CRLs of imported partner CAs are fetched again (ms); 5 minutes by default. */
  readonly crlRefreshMs?: number;
  /** Timeouts and connection cap of the listener (TOKEN_SERVICE_LIMITS by default; tests inject small ones). */
  readonly limits?: Partial<ListenerLimits>;
  /** Told of each request the HTTP parser refused. */
  readonly onClientError?: ClientErrorHook;
  /**
   * Audit events older than this are deleted, at start and hourly (ms); 0 or absent keeps every
   * event. `certbound serve` keeps 90 days by default (`--audit-retention`).
   */
  readonly auditRetentionMs?: number;
  /** How long one CRL fetch or file read may take (ms); 5 seconds by default. */
  readonly crlFetchTimeoutMs?: number;
  /** CA certificates (PEM) trusted for https CRL sources besides Node's bundled roots. */
  readonly crlFetchCa?: readonly string[];
  /**
   * Rotates the signing key on this schedule (`serve --key-rotation`); the schedule stored with
   * `keys rotate --schedule` when absent, none when neither. Previous keys are retired either way.
   */
  readonly keyRotation?: RotationSchedule;
  /** How often key rotation and retirement are checked (ms); every minute by default, 0 only through maintainKeys(). */
  readonly keyMaintenanceMs?: number;
  /** How often certificate expiry is checked (ms): hourly by default, and after every reload; 0 only then. */
  readonly expiryCheckMs?: number;
  /** Told when a reload picked up a renewed TLS certificate of the token service (serve rewrites its files). */
  readonly onTlsRenewed?: (tls: { readonly cert: string; readonly key: string }) => Promise<void>;
  /** How long close() lets requests in flight finish before cutting their connections (ms); 10 seconds by default. */
  readonly drainTimeoutMs?: number;
  /** Clock, for tests. */
  readonly now?: () => Date;
}

/** A running token service. */
export interface TokenService {
  readonly app: FastifyInstance;
  readonly issuer: string;
  /** The address it listens on, e.g. `https://127.0.0.1:8443`. */
  readonly url: string;
  readonly port: number;
  /** Its Prometheus metrics, for a metrics listener (startMetricsListener), never served on the token port; the admin API counts its refused handshakes here too. */
  readonly metrics: ServiceMetrics;
  /**
   * Re-reads clients, partners, CAs and keys from the store and applies them to new requests
   * and handshakes. It never waits for a CRL source: a new one is fetched in the background
   * and its CA's clients are refused until it is at hand.
   */
  reload(): Promise<void>;
  /** Settles when the CRL fetches started by the start and the reloads so far are done (each within its deadline). */
  crlsFetched(): Promise<void>;
  /** Runs one signing-key maintenance pass now (rotation when due, retirement of expired keys); never rejects. */
  maintainKeys(): Promise<MaintenanceResult>;
  /** Sets the certificate expiry gauges and logs the warnings due, now (also hourly and after each reload); never rejects. */
  checkExpiry(): Promise<void>;
  /**
   * Stops accepting connections, lets requests in flight finish (within the drain timeout),
   * writes what the audit log holds; `onStopAccepting` is told when the listener has closed,
   * `onCut` when requests still in flight at the deadline had their connections cut.
   */
  close(options?: { readonly onStopAccepting?: () => void; readonly onCut?: () => void }): Promise<void>;
}

/** The validity period of the (first) certificate of a PEM chain. */
function certificateValidity(pem: string): { notBefore: Date; notAfter: Date } {
  const cert = new X509Certificate(pem);
  return { notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) };
}

/** The published signing keys of the store, ready to sign and verify. */
export async function loadKeys(store: Store): Promise<KeySet> {
  const published = (await store.listSigningKeys()).filter((k) => k.active);
  // Fail fast rather than sign with an ephemeral or retired key that verifiers will not expect.
  if (published.length === 0) throw new CertboundError('ERR_CERTBOUND_NOT_INITIALISED', 'the store holds no active signing key: run certbound init');
  return new KeySet(await Promise.all(published.map(loadSigningKey)));
}

/**
 * Starts the token service: loads the registry and keys into memory, then listens on
 * `node:https`, asking for client certificates issued under any of the registry's CAs.
 */
export async function startTokenService(options: TokenServiceOptions): Promise<TokenService> {
  const listenerCas = (registry: Registry) => (options.caNames === 'roots' ? registry.rootCaPems : registry.caPems);
  const { store } = options;
  if (typeof options.issuer === 'string') assertIssuer(options.issuer);
  let tls = options.tls;
  if (!tls) {
    const stored = await store.getTlsCredential(TOKEN_SERVICE_TLS);
    if (!stored) throw new CertboundError('ERR_CERTBOUND_NOT_INITIALISED', 'the store holds no TLS certificate for the token service: run certbound init');
    tls = { cert: stored.certPem, key: pkcs8ToPem(stored.keyPkcs8) };
  }
  const crls = createCrlCache({
    ...(options.crlRefreshMs === undefined ? {} : { refreshMs: options.crlRefreshMs }),
    ...(options.crlFetchTimeoutMs === undefined ? {} : { fetchTimeoutMs: options.crlFetchTimeoutMs }),
    ...(options.crlFetchCa === undefined ? {} : { fetchCa: options.crlFetchCa }),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  // Read before the registry: a change committed meanwhile is then seen as one not yet applied.
  const loadedVersion = await registryVersion(store).catch(() => undefined);
  const registry = await loadRegistry(store, crls);
  // Fail closed from the first request, but not for want of trying: configured CRLs are fetched
  // before serving, each within the fetch deadline.
  let crlsFetched = crls.sync([...registry.anchors.values()].flat());
  await crlsFetched;
  const state: ServiceState = {
    registry,
    keys: await loadKeys(store),
    issuer: typeof options.issuer === 'string' ? options.issuer : '',
    certificate: certificateValidity(tls.cert),
  };
  // The listener's credential: replaced when a renewed stored one is loaded (never one given as options.tls).
  const https = { key: tls.key, cert: tls.cert, ca: [...listenerCas(state.registry)] };
  const ownAudit = options.audit === undefined;
  const audit = options.audit === false ? undefined : (options.audit ?? createAuditLog({ store, logger: options.logger ?? false }));
  const closeAudit = async () => {
    if (ownAudit) await audit?.close();
    else await audit?.flush();
  };
  const metrics = createMetrics();
  const expiry = startExpiryWatch({
    store,
    gauge: metrics.certificateExpiry,
    served: () => ({ name: TOKEN_SERVICE_TLS, certPem: https.cert }),
    logger: options.logger,
    intervalMs: options.expiryCheckMs ?? 3_600_000,
    ...(options.now ? { now: options.now } : {}),
  });
  const app = buildApp({
    audit,
    metrics,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.onClientError ? { onClientError: options.onClientError } : {}),
    defaultAudience: options.defaultAudience,
    store,
    state,
    https,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.now ? { now: options.now } : {}),
  });
  try {
    await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 8443 });
  } catch (err) {
    crls.close();
    await closeAudit();
    throw err;
  }
  const server = app.server as HttpsServer;
  void expiry.check();
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  if (typeof options.issuer === 'function') {
    state.issuer = options.issuer(address.port);
    try {
      assertIssuer(state.issuer);
    } catch (err) {
      await app.close();
      crls.close();
      await closeAudit();
      throw err;
    }
  }
  const load = async () => {
    const registry = await loadRegistry(store, crls);
    const keys = await loadKeys(store);
    // A renewed certificate (cert server --renew) is served from the next handshake on.
    const stored = options.tls ? null : await store.getTlsCredential(TOKEN_SERVICE_TLS);
    const renewed = stored !== null && stored.certPem !== https.cert;
    if (renewed) {
      https.cert = stored.certPem;
      https.key = pkcs8ToPem(stored.keyPkcs8);
    }
    // Not awaited: a slow or dead CRL source must never hold up a registry change (or a
    // shutdown behind it); sync never rejects, and the anchor fails closed until its CRL is read.
    crlsFetched = Promise.all([crlsFetched, crls.sync([...registry.anchors.values()].flat())]).then(() => {});
    // Handshakes from now on ask for and validate against the new CA set; open connections stay.
    server.setSecureContext(secureContextOptions({ ...https, ca: [...listenerCas(registry)] }));
    state.registry = registry;
    state.keys = keys;
    if (renewed) {
      state.certificate = certificateValidity(https.cert);
      if (options.logger) options.logger.info({ not_after: state.certificate.notAfter.toISOString() }, 'TLS certificate renewed: served from the next handshake on');
      await options.onTlsRenewed?.({ cert: https.cert, key: https.key });
    }
    void expiry.check();
  };
  // One reload at a time, in order: a slow one never overwrites a newer one that finished first.
  let reloading: Promise<void> = Promise.resolve();
  const reload = (): Promise<void> => (reloading = reloading.catch(() => {}).then(load));
  const watch = await watchRegistry(store, {
    reload,
    pollMs: options.registryPollMs ?? 2_000,
    notifications: options.registryNotify ?? true,
    loadedVersion,
    logger: options.logger,
  });
  const keyMaintenance = startKeyMaintenance({
    store,
    schedule: options.keyRotation,
    intervalMs: options.keyMaintenanceMs ?? 60_000,
    onChange: reload,
    logger: options.logger,
    ...(options.now ? { now: options.now } : {}),
  });
  const retention = options.auditRetentionMs
    ? startAuditRetention({ store, retentionMs: options.auditRetentionMs, audit, logger: options.logger, ...(options.now ? { now: options.now } : {}) })
    : null;
  const revocationPurge = startRevocationPurge({ store, logger: options.logger, ...(options.now ? { now: options.now } : {}) });
  return {
    app,
    issuer: state.issuer,
    url: `https://${host}:${address.port}`,
    port: address.port,
    metrics,
    reload,
    crlsFetched: () => crlsFetched,
    maintainKeys: () => keyMaintenance.run(),
    checkExpiry: () => expiry.check(),
    async close(closeOptions = {}) {
      await watch.stop();
      keyMaintenance.stop();
      expiry.stop();
      retention?.stop();
      revocationPurge.stop();
      // Requests in flight finish (and record) first; then what the audit log holds is written.
      const { cut } = await drainAndClose(app, { timeoutMs: options.drainTimeoutMs ?? 10_000, onStopAccepting: closeOptions.onStopAccepting });
      if (cut) closeOptions.onCut?.();
      crls.close();
      await closeAudit();
    },
  };
}
