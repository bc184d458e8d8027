import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

/**
 * The token service's Prometheus metrics, in a registry of their own (several services may
 * share a process). No request metric names a partner or client; the certificate expiry gauge
 * does (a CA's id, a client's id), for the operator: the metrics listener is on loopback unless
 * told otherwise, and never on the token (partner-facing) port.
 */
export interface ServiceMetrics {
  readonly registry: Registry;
  /** Access tokens issued. */
  readonly tokensIssued: Counter;
  /** OAuth error responses, by endpoint and error code. */
  readonly errors: Counter<'endpoint' | 'error'>;
  /** Request durations in seconds, by endpoint. */
  readonly duration: Histogram<'endpoint'>;
  /** TLS handshakes refused, by listener (`token`, `admin`) and OpenSSL error code (see handshakeFailureReason). */
  readonly tlsHandshakeFailures: Counter<'listener' | 'reason'>;
  /** Seconds until each watched certificate expires (negative once expired), by kind and name (see expiry-watch.ts). */
  readonly certificateExpiry: Gauge<'kind' | 'name'>;
}

/** Creates the metrics; process metrics (CPU, memory, event-loop lag) included. */
export function createMetrics(): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'certbound_' });
  return {
    registry,
    tokensIssued: new Counter({ name: 'certbound_tokens_issued_total', help: 'Access tokens issued', registers: [registry] }),
    errors: new Counter({ name: 'certbound_oauth_errors_total', help: 'OAuth error responses', labelNames: ['endpoint', 'error'], registers: [registry] }),
    duration: new Histogram({
      name: 'certbound_request_duration_seconds',
      help: 'Request duration',
      labelNames: ['endpoint'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    tlsHandshakeFailures: new Counter({
      name: 'certbound_tls_handshake_failures_total',
      help: 'TLS handshakes refused, by listener and OpenSSL error code',
      labelNames: ['listener', 'reason'],
      registers: [registry],
    }),
    certificateExpiry: new Gauge({
      name: 'certbound_certificate_expiry_seconds',
      help: 'Seconds until the certificate expires (negative once expired): the token service TLS certificate, CAs, administrator, client and issued server certificates',
      labelNames: ['kind', 'name'],
      registers: [registry],
    }),
  };
}

/** One registry's metrics as data (prom-client's JSON form), as a process sends them to another. */
export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

/** The exposition of several processes' metrics summed (prom-client's cluster aggregation). */
export function aggregateMetrics(snapshots: readonly MetricsSnapshot[]): Promise<string> {
  return AggregatorRegistry.aggregate([...snapshots]).metrics();
}
