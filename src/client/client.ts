import { Agent, fetch as undiciFetch, type RequestInit, type Response } from 'undici';
import { OAuthError, TemporarilyUnavailable } from '../core/errors.ts';
import { discoverEndpoints, type ServerEndpoints } from '../core/server-metadata.ts';
import { identityLoader, type IdentitySource } from './identity.ts';
import { renewalTime, TokenCache, type CachedToken } from './token-cache.ts';

/** Options of createClient. `cert`, `key` and `ca` are PEM text or paths of PEM files. */
export interface ClientOptions extends IdentitySource {
  readonly issuer: string;
  readonly clientId: string;
  /** Default scope of tokens (space-separated). */
  readonly scope?: string;
  /** Default RFC 8707 resource of tokens. */
  readonly resource?: string;
}

/** What a token is asked for; defaults come from the client's options. */
export interface TokenOptions {
  readonly scope?: string;
  readonly resource?: string;
}

/** A certbound client ("Server A"): gets certificate-bound tokens and calls APIs with them over one mTLS identity. */
export interface CertboundClient {
  /** A token for (scope, resource), from the cache while it is fresh. */
  getToken(options?: TokenOptions): Promise<CachedToken>;
  /** Calls an API with a bound token over the same mTLS identity; retried once with a new token on 401 invalid_token. */
  fetch(url: string | URL, init?: RequestInit & TokenOptions): Promise<Response>;
  close(): Promise<void>;
}

/** A body that can be sent twice (a retry must not replay a consumed stream). */
function replayable(body: RequestInit['body']): boolean {
  return body === undefined || body === null || typeof body === 'string' || body instanceof URLSearchParams || body instanceof Uint8Array;
}

/** Whether an API answer says the token itself was refused (RFC 6750 §3.1); the value may be quoted or not (RFC 9110 §11.2). */
function tokenRefused(response: Response): boolean {
  return response.status === 401 && /(?:^|[\s,])error\s*=\s*("?)invalid_token\1\s*(?:,|$)/i.test(response.headers.get('www-authenticate') ?? '');
}

/**
 * Creates a client that authenticates with its certificate (`tls_client_auth` or
 * `self_signed_tls_client_auth`) and presents its tokens with the same certificate: one
 * undici dispatcher carries the identity for the token request and for API calls.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-2
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-5
 */
export function createClient(options: ClientOptions): CertboundClient {
  const identity = identityLoader(options);
  const tokens = new TokenCache();
  let agent: Agent | undefined;
  let endpoints: Promise<ServerEndpoints> | undefined;

  /** The dispatcher for the current identity; a new one (and no cached token) after a rotation. */
  const dispatcher = async (): Promise<Agent> => {
    const { identity: id, changed } = await identity.current();
    if (!agent || changed) {
      const old = agent;
      agent = new Agent({ connect: { cert: id.cert, key: id.key, ...(id.ca === undefined ? {} : { ca: id.ca }) } });
      // Tokens are bound to the old certificate: useless with the new one (RFC 8705 §6.3).
      if (changed) tokens.clear();
      void old?.close();
    }
    return agent;
  };

  const discover = async (): Promise<ServerEndpoints> =>
    discoverEndpoints(options.issuer, async (url) => undiciFetch(url, { dispatcher: await dispatcher(), headers: { accept: 'application/json' } }));

  const requestToken = async (scope: string | undefined, resource: string | undefined): Promise<CachedToken> => {
    endpoints ??= discover().catch((err: unknown) => {
      endpoints = undefined;
      throw err;
    });
    const { tokenEndpoint } = await endpoints;
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: options.clientId });
    if (scope !== undefined) form.set('scope', scope);
    if (resource !== undefined) form.set('resource', resource);
    const sent = Date.now();
    let res: Response;
    try {
      res = await undiciFetch(tokenEndpoint, {
        method: 'POST',
        dispatcher: await dispatcher(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
      });
    } catch (err) {
      throw new TemporarilyUnavailable('the token service is unreachable', { cause: err });
    }
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.status !== 200) {
      const error = typeof body['error'] === 'string' ? body['error'] : 'server_error';
      throw new OAuthError(error, res.status, typeof body['error_description'] === 'string' ? body['error_description'] : `token request answered ${res.status}`);
    }
    // RFC 6749 §7.1: a client MUST NOT use a token whose type it does not understand.
    if (typeof body['access_token'] !== 'string' || typeof body['token_type'] !== 'string' || body['token_type'].toLowerCase() !== 'bearer') {
      throw new OAuthError('server_error', 502, 'the token response is not a Bearer access token');
    }
    const expiresIn = typeof body['expires_in'] === 'number' ? body['expires_in'] : 60;
    return { accessToken: body['access_token'], renewAt: renewalTime(sent, expiresIn), response: body };
  };

  const getToken = async (opts: TokenOptions = {}): Promise<CachedToken> => {
    const scope = opts.scope ?? options.scope;
    const resource = opts.resource ?? options.resource;
    await dispatcher(); // notice a rotated certificate before trusting the cache
    return tokens.get(`${scope ?? ''}\n${resource ?? ''}`, () => requestToken(scope, resource));
  };

  return {
    getToken,
    async fetch(url, init = {}) {
      const { scope, resource, ...request } = init;
      const key = `${scope ?? options.scope ?? ''}\n${resource ?? options.resource ?? ''}`;
      const attempt = async () => {
        const token = await getToken({ ...(scope === undefined ? {} : { scope }), ...(resource === undefined ? {} : { resource }) });
        const headers = new Headers(request.headers as ConstructorParameters<typeof Headers>[0]);
        headers.set('authorization', `Bearer ${token.accessToken}`);
        const response = await undiciFetch(url, { ...request, headers, dispatcher: await dispatcher() });
        return { token, response };
      };
      const first = await attempt();
      if (!tokenRefused(first.response) || !replayable(request.body)) return first.response;
      // The API refused the token (revoked, or bound to a certificate since rotated): get a new one, once.
      await first.response.body?.cancel();
      tokens.drop(key, first.token.accessToken);
      return (await attempt()).response;
    },
    async close() {
      await agent?.close();
    },
  };
}
