import type { Client, ClientCertificate, Status, SubjectMatcher } from '../../core/model.ts';
import type { NewClient, Store } from '../store.ts';
import { CLIENT_SELECT, CUT_OFF_NOW } from '../sql-dialect.ts';
import { toClient, type ClientRow } from '../sql-rows.ts';
import type { SqlContext } from './context.ts';

async function clientById(sql: SqlContext, id: string): Promise<Client | null> {
  const [row] = await sql.rows<ClientRow>(`${CLIENT_SELECT[sql.q.dialect]} WHERE c.id = $1`, [id]);
  return row ? toClient(row) : null;
}

/** The Store's client and client-certificate operations. */
export type ClientsOperations = Pick<Store, 'addClient' | 'getClient' | 'listClients' | 'setClientStatus' | 'deleteClient' | 'setClientSubject' | 'listClientCertificates' | 'addClientCertificate' | 'retireClientCertificate'>;

/** Clients with their resources and introspection grants, and their registered certificates. */
export function clientsOperations(sql: SqlContext): ClientsOperations {
  return {
    async addClient(c: NewClient, certificates: readonly Omit<ClientCertificate, 'createdAt' | 'retiredAt'>[] = []): Promise<Client> {
      return sql.transaction(async (tx) => {
        const q = tx.q;
        await q.query(
          `INSERT INTO clients (id, partner_id, auth_method, subject_kind, subject_value, secret_hash, scopes, token_ttl, bound_tokens)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [c.id, c.partnerId, c.authMethod, c.subject?.kind ?? null, c.subject?.value ?? null, c.secretHash, c.scopes, c.tokenTtl, c.boundTokens],
        );
        for (const [position, uri] of c.resources.entries()) {
          await q.query('INSERT INTO client_resources (client_id, resource_uri, position) VALUES ($1, $2, $3)', [c.id, uri, position]);
        }
        for (const uri of c.introspects) {
          await q.query('INSERT INTO client_introspects (client_id, resource_uri) VALUES ($1, $2)', [c.id, uri]);
        }
        for (const cert of certificates) {
          await q.query('INSERT INTO client_certificates (client_id, thumbprint, cert_pem) VALUES ($1, $2, $3)', [
            c.id,
            cert.thumbprint,
            cert.pem,
          ]);
        }
        return (await clientById(tx, c.id))!;
      });
    },

    getClient(id: string): Promise<Client | null> {
      return clientById(sql, id);
    },

    async listClients(): Promise<Client[]> {
      return (await sql.rows<ClientRow>(`${CLIENT_SELECT[sql.q.dialect]} ORDER BY c.id`)).map(toClient);
    },

    async setClientStatus(id: string, status: Status): Promise<void> {
      await sql.rows('UPDATE clients SET status = $2 WHERE id = $1', [id, status]);
    },

    async deleteClient(id: string): Promise<boolean> {
      return sql.transaction(async (tx) => {
        const q = tx.q;
        const deleted = (await q.query('DELETE FROM clients WHERE id = $1 RETURNING id', [id])).rows.length > 0;
        // Its tokens die with it, also for a later client that reuses the id: every token issued so far is revoked.
        if (deleted) {
          await q.query(CUT_OFF_NOW[q.dialect], ['client', id]);
        }
        return deleted;
      });
    },

    async setClientSubject(id: string, subject: SubjectMatcher): Promise<void> {
      await sql.rows('UPDATE clients SET subject_kind = $2, subject_value = $3 WHERE id = $1', [id, subject.kind, subject.value]);
    },

    async listClientCertificates(): Promise<ClientCertificate[]> {
      const rows = await sql.rows<{ client_id: string; thumbprint: string; cert_pem: string; created_at: Date; retired_at: Date | null }>(
        'SELECT * FROM client_certificates ORDER BY client_id, created_at',
      );
      return rows.map((r) => ({ clientId: r.client_id, thumbprint: r.thumbprint, pem: r.cert_pem, createdAt: r.created_at, retiredAt: r.retired_at }));
    },

    async addClientCertificate(c: Omit<ClientCertificate, 'createdAt' | 'retiredAt'>): Promise<void> {
      await sql.rows('INSERT INTO client_certificates (client_id, thumbprint, cert_pem) VALUES ($1, $2, $3)', [c.clientId, c.thumbprint, c.pem]);
    },

    async retireClientCertificate(clientId: string, thumbprint: string): Promise<boolean> {
      const rows = await sql.rows(
        'UPDATE client_certificates SET retired_at = now() WHERE client_id = $1 AND thumbprint = $2 AND retired_at IS NULL RETURNING thumbprint',
        [clientId, thumbprint],
      );
      return rows.length > 0;
    },
  };
}
