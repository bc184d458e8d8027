import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * The gateway's Prometheus metrics, in a registry of their own. Labelled by route (as the
 * operator wrote it) and status, never by client or partner: whoever scrapes the admin address
 * must not learn who calls the API.
 */
export interface GatewayMetrics {
  readonly registry: Registry;
  /** Requests answered, by route and status. */
  readonly requests: Counter<'route' | 'status'>;
  /** Time to the end of the answer, in seconds, by route. */
  readonly duration: Histogram<'route'>;
}

/** Creates the metrics of one gateway (or authz endpoint), process metrics included. */
export function createGatewayMetrics(prefix: 'certbound_gateway' | 'certbound_authz'): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'certbound_' });
  return {
    registry,
    requests: new Counter({ name: `${prefix}_requests_total`, help: 'Requests answered, by route and status', labelNames: ['route', 'status'], registers: [registry] }),
    duration: new Histogram({
      name: `${prefix}_request_duration_seconds`,
      help: 'Request duration, by route',
      labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [registry],
    }),
  };
}
