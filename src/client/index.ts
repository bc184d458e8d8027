export { createClient, type CertboundClient, type ClientOptions, type TokenOptions } from './client.ts';
export type { CachedToken } from './token-cache.ts';
export { OAuthError, TemporarilyUnavailable } from '../core/errors.ts';
