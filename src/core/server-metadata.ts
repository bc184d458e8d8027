import { TemporarilyUnavailable } from './errors.ts';

/** The endpoints a client or resource server needs from a token service's metadata. */
export interface ServerEndpoints {
  readonly issuer: string;
  readonly tokenEndpoint: string;
  readonly jwksUri: string;
  /** Absent when the service offers no introspection. */
  readonly introspectionEndpoint: string | undefined;
  readonly revocationEndpoint: string | undefined;
}

function httpsUrl(value: unknown): string | undefined {
  return typeof value === 'string' && URL.canParse(value) && new URL(value).protocol === 'https:' ? value : undefined;
}

/**
 * The RFC 8414 well-known metadata URL of an issuer: the suffix goes between the host and the
 * issuer's path (`https://as/t` → `https://as/.well-known/oauth-authorization-server/t`).
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 */
export function metadataUrl(issuer: string): string {
  const url = new URL(issuer);
  return `${url.origin}/.well-known/oauth-authorization-server${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * Reads untrusted RFC 8414 metadata for a client that authenticates with mutual TLS: the
 * `issuer` must be exactly the one expected (mix-up defence), and each endpoint is its
 * `mtls_endpoint_aliases` entry when there is one, else the top-level one; other alias members
 * are ignored. Returns undefined when the metadata is not acceptable.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-5
 */
export function mtlsEndpoints(expectedIssuer: string, metadata: unknown): ServerEndpoints | undefined {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return undefined;
  const m = metadata as Record<string, unknown>;
  if (m['issuer'] !== expectedIssuer) return undefined;
  const rawAliases = m['mtls_endpoint_aliases'];
  const aliases = typeof rawAliases === 'object' && rawAliases !== null ? (rawAliases as Record<string, unknown>) : {};
  // RFC 8705 §5: a client using mTLS MUST use the alias when there is one; a malformed alias fails closed.
  const endpoint = (name: string) => (aliases[name] === undefined ? httpsUrl(m[name]) : httpsUrl(aliases[name]));
  const tokenEndpoint = endpoint('token_endpoint');
  const jwksUri = httpsUrl(m['jwks_uri']);
  if (!tokenEndpoint || !jwksUri) return undefined;
  return {
    issuer: expectedIssuer,
    tokenEndpoint,
    jwksUri,
    introspectionEndpoint: endpoint('introspection_endpoint'),
    revocationEndpoint: endpoint('revocation_endpoint'),
  };
}

/** The little of an HTTP answer discovery reads; the caller's fetch does the I/O. */
export interface MetadataResponse {
  readonly status: number;
  json(): Promise<unknown>;
  readonly body?: { cancel(): Promise<void> } | null;
}

/**
 * RFC 8414 discovery with the fetch passed in (the caller's dispatcher, identity and timeout):
 * reads the well-known metadata of `issuer` and returns its mTLS endpoints. An unreachable
 * service, or metadata naming another issuer, is 503 `temporarily_unavailable`: nothing can
 * be trusted from it, and nothing is guessed.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
export async function discoverEndpoints(issuer: string, get: (url: string) => Promise<MetadataResponse>): Promise<ServerEndpoints> {
  let metadata: unknown;
  try {
    const res = await get(metadataUrl(issuer));
    if (res.status !== 200) {
      await res.body?.cancel(); // release the connection now, not at garbage collection
      throw new Error(`metadata answered ${res.status}`);
    }
    metadata = await res.json();
  } catch (err) {
    throw new TemporarilyUnavailable('the token service metadata is unavailable', { cause: err });
  }
  const endpoints = mtlsEndpoints(issuer, metadata);
  if (!endpoints) throw new TemporarilyUnavailable('the token service metadata does not match the configured issuer');
  return endpoints;
}
