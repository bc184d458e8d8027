import { TemporarilyUnavailable } from '../core/errors.ts';
import { metadataUrl, mtlsEndpoints, type ServerEndpoints } from '../core/server-metadata.ts';
import type { BoundFetch } from './fetcher.ts';

/**
 * Fetches and checks the RFC 8414 metadata of `issuer`. Failing to reach it, or metadata
 * naming another issuer, is 503: the guard cannot verify anything, and must not guess.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
export async function discover(issuer: string, fetch: BoundFetch, timeoutMs: number): Promise<ServerEndpoints> {
  let metadata: unknown;
  try {
    const res = await fetch(metadataUrl(issuer), { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`metadata answered ${res.status}`);
    }
    metadata = await res.json();
  } catch (err) {
    throw new TemporarilyUnavailable('the token service metadata is unavailable', { cause: err });
  }
  const endpoints = mtlsEndpoints(issuer, metadata);
  // Misconfiguration, not a client error: fail closed.
  if (!endpoints) throw new TemporarilyUnavailable('the token service metadata does not match the configured issuer');
  return endpoints;
}
