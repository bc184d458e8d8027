import { discoverEndpoints, type ServerEndpoints } from '../core/server-metadata.ts';
import type { BoundFetch } from './fetcher.ts';

/** RFC 8414 discovery over the guard's agent, each request bounded by `timeoutMs`. @see https://www.rfc-editor.org/rfc/rfc8414#section-3 */
export function discover(issuer: string, fetch: BoundFetch, timeoutMs: number): Promise<ServerEndpoints> {
  return discoverEndpoints(issuer, (url) => fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) }));
}
