export { createGuard, type Guard, type GuardRequest, type VerifiedToken } from './guard.ts';
export type { CertificateSource, CircuitBreakerSettings, GuardLogger, GuardOptions, IntrospectionOptions, KeySource } from './options.ts';
export { MissingToken } from '../core/errors.ts';
export { BackendUnavailable } from './unavailable.ts';
export { errorResponse, type GuardResponse } from './response.ts';
export { withGuard, type GuardedHandler } from './adapters/node.ts';
// Framework adapters are subpaths (certbound/resource/express, certbound/resource/fastify) so that
// this entry loads no framework code. The Express one needs no package at run time, so its old
// import path stays (deprecated) at no cost.
export {
  /** @deprecated import it from `certbound/resource/express`. */
  guardMiddleware,
  /** @deprecated import it from `certbound/resource/express`. */
  type AuthenticatedRequest,
} from './adapters/express.ts';
export { TLS_POLICY, type TlsPolicy } from '../transport/tls-policy.ts';
