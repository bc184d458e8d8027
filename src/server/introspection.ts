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
}

/**
 * Runs a store operation whose answer the response depends on. When the store fails, the
 * request fails with 503: never a guess of active or inactive, never a 200 for an unsaved revocation.
 */
async function durably<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw new TemporarilyUnavailable('the token store is unavailable', { cause: err });
  }
}

/**
 * RFC 7662 introspection. A token is active only to the client it was issued to and to
 * clients registered to introspect its audience; to anyone else, and when unknown, expired,
 * revoked or its client disabled, the answer is exactly `{"active":false}`.
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
  if (caller.id !== owner.id && !caller.introspects.includes(claims.aud)) return INACTIVE;
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

/**
 * RFC 7009 revocation: a client revokes a token issued to it. An unknown or expired token
 * is answered 200 like a revoked one; another client's token is `invalid_request`.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
export async function revoke(params: FormParams, caller: Client, ctx: TokenContext): Promise<void> {
  const token = single(params, 'token');
  if (token === undefined) throw new InvalidRequest('token is required');
  const claims = await ctx.keys.verify(token, ctx.issuer, ctx.now);
  if (!claims || typeof claims.jti !== 'string' || typeof claims.exp !== 'number') return;
  if (claims.client_id !== caller.id) throw new InvalidRequest('the token was not issued to this client');
  const { jti, exp } = claims;
  await durably(() => ctx.store.revokeToken(jti, caller.id, new Date(exp * 1000)));
}
