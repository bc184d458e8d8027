import { TemporarilyUnavailable } from '../core/errors.ts';
import type { BoundFetch } from './fetcher.ts';

/** What the guard needs from the token service's metadata. */
export interface ServiceEndpoints {
  readonly jwksUri: string;
  /** The mTLS alias of the introspection endpoint when there is one (RFC 8705 §5). */
  readonly introspectionEndpoint: string | undefined;
}

function httpsUrl(value: unknown): string | undefined {
  return typeof value === 'string' && URL.canParse(value) && new URL(value).protocol === 'https:' ? value : undefined;
}

/**
 * Reads RFC 8414 metadata of `issuer`, checking that it names exactly that issuer (a mix-up
 * defence), and returns its JWKS and introspection endpoints. Failure to reach it is 503.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-5
 */
export async function discover(issuer: string, fetch: BoundFetch, timeoutMs: number): Promise<ServiceEndpoints> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/oauth-authorization-server`;
  let metadata: Record<string, unknown>;
  try {
    const res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
    if (res.status !== 200) throw new Error(`metadata answered ${res.status}`);
    metadata = (await res.json()) as Record<string, unknown>;
  } catch (err) {
    throw new TemporarilyUnavailable('the token service metadata is unavailable', { cause: err });
  }
  const jwksUri = httpsUrl(metadata['jwks_uri']);
  if (metadata['issuer'] !== issuer || !jwksUri) {
    // Misconfiguration, not a client error: fail closed, and say so to the operator through the cause.
    throw new TemporarilyUnavailable('the token service metadata does not match the configured issuer');
  }
  const aliases = metadata['mtls_endpoint_aliases'];
  const alias = typeof aliases === 'object' && aliases !== null ? httpsUrl((aliases as Record<string, unknown>)['introspection_endpoint']) : undefined;
  return { jwksUri, introspectionEndpoint: alias ?? httpsUrl(metadata['introspection_endpoint']) };
}
