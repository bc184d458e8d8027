import type { TokenCutoff } from '../../core/model.ts';
import type { Store } from '../store.ts';
import { CUT_OFF_NOW, SET_TOKEN_CUTOFF } from '../sql-dialect.ts';
import type { SqlContext } from './context.ts';

/** The Store's token revocation operations. */
export type TokensOperations = Pick<Store, 'revokeToken' | 'isTokenRevoked' | 'pruneRevokedTokens' | 'setTokenCutoff' | 'cutOffTokensNow' | 'listTokenCutoffs'>;

/** Revoked tokens (by jti, until they expire) and token cutoffs (every token of a subject issued before a time). */
export function tokensOperations(sql: SqlContext): TokensOperations {
  return {
    async revokeToken(jti: string, clientId: string, expiresAt: Date): Promise<void> {
      await sql.rows(
        'INSERT INTO revoked_tokens (jti, client_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING',
        [jti, clientId, expiresAt],
      );
    },

    async isTokenRevoked(jti: string): Promise<boolean> {
      const rows = await sql.rows('SELECT 1 FROM revoked_tokens WHERE jti = $1', [jti]);
      return rows.length > 0;
    },

    async pruneRevokedTokens(before: Date): Promise<number> {
      return (await sql.rows('DELETE FROM revoked_tokens WHERE expires_at < $1 RETURNING jti', [before])).length;
    },

    async setTokenCutoff(c: TokenCutoff): Promise<void> {
      await sql.rows(SET_TOKEN_CUTOFF[sql.q.dialect], [c.subjectKind, c.subjectId, c.cutoff]);
    },

    async cutOffTokensNow(kind: TokenCutoff['subjectKind'], id: string): Promise<Date> {
      const [row] = await sql.rows<{ cutoff: Date }>(CUT_OFF_NOW[sql.q.dialect], [kind, id]);
      return row!.cutoff;
    },

    async listTokenCutoffs(): Promise<TokenCutoff[]> {
      const rows = await sql.rows<{ subject_kind: TokenCutoff['subjectKind']; subject_id: string; cutoff: Date }>(
        'SELECT * FROM token_cutoffs ORDER BY subject_kind, subject_id',
      );
      return rows.map((r) => ({ subjectKind: r.subject_kind, subjectId: r.subject_id, cutoff: r.cutoff }));
    },
  };
}
