import type { IssuedCertificate, RevokedCertificate } from '../../core/model.ts';
import type { Store } from '../store.ts';
import type { SqlContext } from './context.ts';

/** The Store's issued- and revoked-certificate operations. */
export type CertificatesOperations = Pick<Store, 'recordIssuedCertificate' | 'listIssuedCertificates' | 'revokeCertificate' | 'listRevokedCertificates'>;

/** Certificates certbound issued, and revoked certificates (by thumbprint). */
export function certificatesOperations(sql: SqlContext): CertificatesOperations {
  return {
    async recordIssuedCertificate(c: Omit<IssuedCertificate, 'createdAt'>): Promise<void> {
      await sql.rows(
        `INSERT INTO issued_certificates (serial, issuer_id, client_id, subject, thumbprint, not_after)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [c.serial, c.issuerId, c.clientId, c.subject, c.thumbprint, c.notAfter],
      );
    },

    async listIssuedCertificates(): Promise<IssuedCertificate[]> {
      const rows = await sql.rows<{
        serial: string; issuer_id: string; client_id: string | null; subject: string; thumbprint: string; not_after: Date; created_at: Date;
      }>('SELECT * FROM issued_certificates ORDER BY created_at, serial');
      return rows.map((r) => ({
        serial: r.serial,
        issuerId: r.issuer_id,
        clientId: r.client_id,
        subject: r.subject,
        thumbprint: r.thumbprint,
        notAfter: r.not_after,
        createdAt: r.created_at,
      }));
    },

    async revokeCertificate(c: Omit<RevokedCertificate, 'revokedAt'>): Promise<boolean> {
      const rows = await sql.rows(
        `INSERT INTO revoked_certificates (thumbprint, serial, issuer_id, partner_id, client_id, reason)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (thumbprint) DO NOTHING RETURNING thumbprint`,
        [c.thumbprint, c.serial, c.issuerId, c.partnerId, c.clientId, c.reason],
      );
      return rows.length > 0;
    },

    async listRevokedCertificates(): Promise<RevokedCertificate[]> {
      const rows = await sql.rows<{
        thumbprint: string; serial: string | null; issuer_id: string | null; partner_id: string | null; client_id: string | null; reason: string; revoked_at: Date;
      }>('SELECT * FROM revoked_certificates ORDER BY revoked_at, thumbprint');
      return rows.map((r) => ({
        thumbprint: r.thumbprint,
        serial: r.serial,
        issuerId: r.issuer_id,
        partnerId: r.partner_id,
        clientId: r.client_id,
        reason: r.reason,
        revokedAt: r.revoked_at,
      }));
    },
  };
}
