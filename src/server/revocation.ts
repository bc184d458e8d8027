import { InvalidRequest } from '../core/errors.ts';
import { single, type FormParams } from '../core/form.ts';
import type { Client } from '../core/model.ts';
import { durably, type TokenContext } from './introspection.ts';

/**
 * RFC 7009 revocation: a client revokes a token issued to it. An unknown or expired token
 * is answered 200 like a revoked one, and so is another client's token, which is left alone: a
 * different answer would tell a caller that a token it holds is live and whose it is (catalogue
 * LC-03). Returns the `jti` it revoked, or null when it revoked nothing (nothing to record).
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
export async function revoke(params: FormParams, caller: Client, ctx: TokenContext): Promise<string | null> {
  const token = single(params, 'token');
  if (token === undefined) throw new InvalidRequest('token is required');
  const claims = await ctx.keys.verify(token, ctx.issuer, ctx.now);
  if (!claims || typeof claims.jti !== 'string' || typeof claims.exp !== 'number') return null;
  // RFC 7009 §2.1: only the client a token was issued to may revoke it; anyone else is told nothing.
  if (claims.client_id !== caller.id) return null;
  const { jti, exp } = claims;
  await durably(() => ctx.store.revokeToken(jti, caller.id, new Date(exp * 1000)));
  return jti;
}
