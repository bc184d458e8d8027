import type { CertificateAuthority } from '../../core/model.ts';
import type { NewAuthority, Store } from '../store.ts';
import { toAuthority, type AuthorityRow } from '../sql-rows.ts';
import type { SqlContext } from './context.ts';

/** A CA as stored, its private key (if certbound holds it) unwrapped. */
function authority(sql: SqlContext, row: AuthorityRow): CertificateAuthority {
  const ca = toAuthority(row);
  return ca.keyPkcs8 === null ? ca : { ...ca, keyPkcs8: sql.kek.unwrap(ca.keyPkcs8, { purpose: 'ca', id: ca.id }) };
}

/** The Store's certificate-authority operations. */
export type AuthoritiesOperations = Pick<Store, 'getAuthority' | 'listAuthorities' | 'addAuthority' | 'removeAuthority' | 'setAuthorityCrlSource'>;

/** Certificate authorities (the platform's, partners' held and imported anchors), CA keys wrapped under the KEK. */
export function authoritiesOperations(sql: SqlContext): AuthoritiesOperations {
  return {
    async getAuthority(id: string): Promise<CertificateAuthority | null> {
      const [row] = await sql.rows<AuthorityRow>('SELECT * FROM certificate_authorities WHERE id = $1', [id]);
      return row ? authority(sql, row) : null;
    },

    async listAuthorities(): Promise<CertificateAuthority[]> {
      const rows = await sql.rows<AuthorityRow>('SELECT * FROM certificate_authorities ORDER BY created_at, id');
      return rows.map((row) => authority(sql, row));
    },

    async addAuthority(ca: NewAuthority): Promise<void> {
      await sql.rows(
        'INSERT INTO certificate_authorities (id, partner_id, cert_pem, fingerprint, key_pkcs8, crl_source) VALUES ($1, $2, $3, $4, $5, $6)',
        [ca.id, ca.partnerId, ca.certPem, ca.fingerprint, ca.keyPkcs8 && sql.kek.wrap(ca.keyPkcs8, { purpose: 'ca', id: ca.id }), ca.crlSource ?? null],
      );
    },

    async removeAuthority(id: string): Promise<boolean> {
      return (await sql.rows('DELETE FROM certificate_authorities WHERE id = $1 RETURNING id', [id])).length > 0;
    },

    async setAuthorityCrlSource(id: string, source: string | null): Promise<void> {
      await sql.rows('UPDATE certificate_authorities SET crl_source = $2 WHERE id = $1', [id, source]);
    },
  };
}
