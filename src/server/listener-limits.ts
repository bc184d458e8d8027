/**
 * What a slow, idle or numerous peer may hold on a listener. Node enforces the headers and
 * request timeouts only when it sweeps its connections, every `connectionsCheckingIntervalMs`
 * (30 s by default): without a short interval a slow-headers peer is cut after 30–40 s, not 10.
 */
export interface ListenerLimits {
  /** A TLS handshake not finished by then is dropped. */
  readonly handshakeTimeoutMs: number;
  /** A request whose headers have not all arrived by then is answered 408 and closed. */
  readonly headersTimeoutMs: number;
  /** A request (headers and body) not received by then is answered 408 and closed. */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** How often the two timeouts above are checked. */
  readonly connectionsCheckingIntervalMs: number;
  /** Connections accepted at once; more are refused at accept. */
  readonly maxConnections: number;
}

/** The token service's limits: partners' servers, many of them. */
export const TOKEN_SERVICE_LIMITS: ListenerLimits = Object.freeze({
  handshakeTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 30_000,
  connectionsCheckingIntervalMs: 1_000,
  maxConnections: 10_000,
});

/** The admin API's limits: few administrators, so a small cap that slow sockets cannot hold for long. */
export const ADMIN_API_LIMITS: ListenerLimits = Object.freeze({
  handshakeTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 30_000,
  connectionsCheckingIntervalMs: 1_000,
  maxConnections: 256,
});

/**
 * The limits to apply: `defaults` with `overrides` (tests inject small values). Node refuses a
 * headers timeout longer than the request timeout; so does this, with the same reason.
 */
export function listenerLimits(defaults: ListenerLimits, overrides: Partial<ListenerLimits> = {}): ListenerLimits {
  const limits = { ...defaults, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`listener limit ${name} must be a positive integer, got ${String(value)}`);
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) throw new RangeError('listener limit headersTimeoutMs must not exceed requestTimeoutMs');
  return limits;
}

/** The `node:http(s)` server options that carry the limits (the rest are set on the server object). */
export function httpServerLimits(limits: ListenerLimits): { handshakeTimeout: number; headersTimeout: number; requestTimeout: number; keepAliveTimeout: number; connectionsCheckingInterval: number } {
  return {
    handshakeTimeout: limits.handshakeTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.connectionsCheckingIntervalMs,
  };
}
