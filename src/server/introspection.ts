import { InvalidRequest, TemporarilyUnavailable } from '../core/errors.ts';
import { single, type FormParams } from '../core/form.ts';
import type { Client } from '../core/model.ts';
import type { Store } from '../storage/store.ts';
import type { KeySet } from './access-tokens.ts';
import type { Registry } from './registry.ts';

/** The whole answer for any token the caller may not learn about. @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2 */
export const INACTIVE = Object.freeze({ active: false });

/** What introspection and revocation need from the service. */
export interface TokenContext {
  readonly issuer: string;
  readonly keys: KeySet;
  readonly registry: Registry;
  readonly store: Store;
  readonly now: Date;
  /** The `aud` of tokens for clients without a resource. */
  readonly defaultAudience: string;
}

/** How long a request waits for the store before answering 503 (ms). */
export const STORE_DEADLINE_MS = 2000;

/**
 * Runs a store operation whose answer the response depends on. When the store fails, or takes
 * longer than STORE_DEADLINE_MS, the request fails with 503: never a guess of active or
 * inactive, never a 200 for an unsaved revocation.
 */
export async function durably<T>(op: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  // A store that hangs must not hold requests (and their sockets) without bound (catalogue ST-02).
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('the token store did not answer in time')), STORE_DEADLINE_MS);
  });
  try {
    return await Promise.race([op(), deadline]);
  } catch (err) {
    throw new TemporarilyUnavailable('the token store is unavailable', { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether `caller` may see `owner`'s token for `audience`, and the token is still within what
 * the owner is granted. The owner may see it; so may a resource server of the partner that owns
 * the resource, registered to introspect it, while the owner is granted the resource. A token for
 * the service-wide default audience (no resource) is its owner's alone, within its own scopes.
 */
function visibleAndGranted(caller: Client, owner: Client, audience: string, scope: unknown, ctx: TokenContext): boolean {
  const granted = ctx.registry.allowedScopes(owner, audience);
  if (caller.id !== owner.id) {
    const resource = ctx.registry.resources.get(audience);
    if (!resource || !caller.introspects.includes(audience) || resource.partnerId !== caller.partnerId || granted === null) return false;
  }
  const allowed = granted ?? (audience === ctx.defaultAudience ? owner.scopes : null);
  if (allowed === null) return false;
  return typeof scope !== 'string' || scope.split(' ').every((s) => allowed.includes(s));
}

/**
 * RFC 7662 introspection. A token is active only to the client it was issued to and to
 * resource servers of its audience (see visibleAndGranted); to anyone else, and when unknown,
 * expired, revoked (one by one or in bulk), no longer granted or its client or partner
 * disabled, the answer is exactly `{"active":false}`.
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3.2
 */
export async function introspect(params: FormParams, caller: Client, ctx: TokenContext): Promise<Record<string, unknown>> {
  const token = single(params, 'token');
  if (token === undefined) throw new InvalidRequest('token is required');
  const claims = await ctx.keys.verify(token, ctx.issuer, ctx.now);
  if (!claims || typeof claims.client_id !== 'string' || typeof claims.aud !== 'string' || typeof claims.jti !== 'string') {
    return INACTIVE;
  }
  const owner = ctx.registry.clients.get(claims.client_id);
  if (!owner || owner.status !== 'active' || ctx.registry.partners.get(owner.partnerId)?.status !== 'active') return INACTIVE;
  if (!visibleAndGranted(caller, owner, claims.aud, claims.scope, ctx)) return INACTIVE;
  // Revoked in bulk: every token of the client, or of its partner, up to a point in time.
  if (typeof claims.iat !== 'number' || claims.iat <= ctx.registry.tokenCutoff(owner)) return INACTIVE;
  const jti = claims.jti;
  if (await durably(() => ctx.store.isTokenRevoked(jti))) return INACTIVE;
  return {
    active: true,
    iss: claims.iss,
    sub: claims.sub,
    client_id: claims.client_id,
    aud: claims.aud,
    ...(claims.scope === undefined ? {} : { scope: claims.scope }),
    exp: claims.exp,
    iat: claims.iat,
    jti: claims.jti,
    token_type: 'Bearer',
    ...(claims.cnf === undefined ? {} : { cnf: claims.cnf }),
  };
}
