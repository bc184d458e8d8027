export { createGuard, MissingToken, type Guard, type GuardRequest, type VerifiedToken } from './guard.ts';
export type { CertificateSource, CircuitBreakerSettings, GuardLogger, GuardOptions, IntrospectionOptions, KeySource } from './options.ts';
export { BackendUnavailable } from './unavailable.ts';
export { errorResponse, type GuardResponse } from './response.ts';
export { withGuard, type GuardedHandler } from './adapters/node.ts';
export { guardMiddleware, type AuthenticatedRequest } from './adapters/express.ts';
export { certboundGuard, type GuardPluginOptions } from './adapters/fastify.ts';
export { TLS_POLICY, type TlsPolicy } from '../transport/tls-policy.ts';
