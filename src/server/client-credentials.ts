import { accessTokenClaims, type AccessTokenClaims } from '../core/access-token.ts';
import { InvalidRequest, InvalidScope, InvalidTarget } from '../core/errors.ts';
import { single, type FormParams } from '../core/form.ts';
import { parseScope } from '../core/scope.ts';
import type { Client } from '../core/model.ts';
import type { AuthenticatedClient } from './client-auth.ts';

/** Service-wide settings the grant needs. */
export interface GrantContext {
  readonly issuer: string;
  /** `aud` for a client that has no resource of its own and names none. */
  readonly defaultAudience: string;
  readonly now: Date;
  readonly jti: string;
  /** The scopes a client may have for a resource, or null when it is not granted (Registry.allowedScopes). */
  readonly allowedScopes: (client: Client, resourceUri: string) => readonly string[] | null;
}

/** Resource indicators must be absolute URIs without a fragment. @see https://www.rfc-editor.org/rfc/rfc8707#section-2 */
function isResourceIndicator(value: string): boolean {
  if (!URL.canParse(value) || value.includes('#')) return false;
  return /^[a-z][a-z0-9+.-]*:/i.test(value);
}

/**
 * The claims of an access token for a `client_credentials` request by an authenticated
 * client: scope within the client's, audience among its resources, bound to its certificate.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3
 */
export function clientCredentialsClaims(params: FormParams, auth: AuthenticatedClient, ctx: GrantContext): AccessTokenClaims {
  const { client, certificate } = auth;
  if (client.boundTokens && !certificate) {
    throw new InvalidRequest('this client must present its certificate: its tokens are certificate-bound');
  }

  const resources = params.get('resource') ?? [];
  if (resources.length > 1) throw new InvalidTarget('request one resource per access token');
  const resource = resources[0] ?? client.resources[0];
  let audience = ctx.defaultAudience;
  // A client with no resource of its own gets a token for the service-wide audience, with its own scopes.
  let allowed: readonly string[] | null = client.scopes;
  if (resource !== undefined) {
    if (!isResourceIndicator(resource)) throw new InvalidTarget('resource must be an absolute URI without a fragment');
    allowed = ctx.allowedScopes(client, resource);
    if (allowed === null) throw new InvalidTarget('the resource is not granted to this client');
    audience = resource;
  }

  const requested = single(params, 'scope');
  const scopes = requested === undefined ? [...allowed] : parseScope(requested);
  if (scopes.some((s) => !allowed.includes(s))) throw new InvalidScope('a requested scope is not granted to this client for this resource');

  const now = Math.floor(ctx.now.getTime() / 1000);
  let ttl = client.tokenTtl;
  if (certificate) {
    // A bound token is useless once its certificate expires: never let it outlive it (RFC 8705 §6.3).
    const certEnd = Math.floor(certificate.x509.validToDate.getTime() / 1000);
    // A secret client's certificate is not validated, only bound: still, never bind to a dead one.
    if (certEnd <= now) throw new InvalidRequest('the presented certificate has expired; a token cannot be bound to it');
    ttl = Math.min(ttl, certEnd - now);
  }
  return accessTokenClaims({
    issuer: ctx.issuer,
    clientId: client.id,
    audience,
    scopes,
    jti: ctx.jti,
    now,
    ttl,
    thumbprint: certificate?.thumbprint,
  });
}
