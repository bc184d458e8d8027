import type { AdminCertificate } from '../../core/model.ts';
import type { Store } from '../store.ts';
import type { SqlContext } from './context.ts';

/** The Store's administrator-certificate operations. */
export type AdminsOperations = Pick<Store, 'addAdminCertificate' | 'getAdminCertificate' | 'listAdminCertificates' | 'removeAdminCertificate'>;

/** Administrator certificates, pinned by thumbprint. */
export function adminsOperations(sql: SqlContext): AdminsOperations {
  return {
    async addAdminCertificate(c: Omit<AdminCertificate, 'createdAt'>): Promise<void> {
      await sql.rows('INSERT INTO admin_certificates (thumbprint, name, cert_pem) VALUES ($1, $2, $3)', [c.thumbprint, c.name, c.certPem]);
    },

    async getAdminCertificate(thumbprint: string): Promise<AdminCertificate | null> {
      const [row] = await sql.rows<{ thumbprint: string; name: string; cert_pem: string; created_at: Date }>(
        'SELECT * FROM admin_certificates WHERE thumbprint = $1',
        [thumbprint],
      );
      return row ? { thumbprint: row.thumbprint, name: row.name, certPem: row.cert_pem, createdAt: row.created_at } : null;
    },

    async listAdminCertificates(): Promise<AdminCertificate[]> {
      const rows = await sql.rows<{ thumbprint: string; name: string; cert_pem: string; created_at: Date }>(
        'SELECT * FROM admin_certificates ORDER BY created_at, thumbprint',
      );
      return rows.map((r) => ({ thumbprint: r.thumbprint, name: r.name, certPem: r.cert_pem, createdAt: r.created_at }));
    },

    async removeAdminCertificate(thumbprint: string): Promise<boolean> {
      return (await sql.rows('DELETE FROM admin_certificates WHERE thumbprint = $1 RETURNING thumbprint', [thumbprint])).length > 0;
    },
  };
}
