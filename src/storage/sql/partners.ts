import type { Grant, Partner, Resource, Status } from '../../core/model.ts';
import type { Store } from '../store.ts';
import { toGrant, toPartner, toResource } from '../sql-rows.ts';
import type { SqlContext } from './context.ts';

/** The Store's partner, resource and grant operations. */
export type PartnersOperations = Pick<Store, 'addPartner' | 'getPartner' | 'listPartners' | 'setPartnerStatus' | 'deletePartner' | 'addResource' | 'setResourceScopes' | 'putGrant' | 'deleteGrant' | 'listGrants' | 'getResource' | 'listResources'>;

/** Partners, the resources (APIs) they own and the grants to them. */
export function partnersOperations(sql: SqlContext): PartnersOperations {
  return {
    async addPartner(id: string): Promise<Partner> {
      const [row] = await sql.rows<Parameters<typeof toPartner>[0]>('INSERT INTO partners (id) VALUES ($1) RETURNING *', [id]);
      return toPartner(row!);
    },

    async getPartner(id: string): Promise<Partner | null> {
      const [row] = await sql.rows<Parameters<typeof toPartner>[0]>('SELECT * FROM partners WHERE id = $1', [id]);
      return row ? toPartner(row) : null;
    },

    async listPartners(): Promise<Partner[]> {
      return (await sql.rows<Parameters<typeof toPartner>[0]>('SELECT * FROM partners ORDER BY id')).map(toPartner);
    },

    async setPartnerStatus(id: string, status: Status): Promise<void> {
      await sql.rows('UPDATE partners SET status = $2 WHERE id = $1', [id, status]);
    },

    async deletePartner(id: string): Promise<void> {
      await sql.transaction(async (tx) => {
        const q = tx.q;
        await q.query('DELETE FROM grants WHERE partner_id = $1 OR resource_uri IN (SELECT uri FROM resources WHERE partner_id = $1)', [id]);
        await q.query('DELETE FROM resources WHERE partner_id = $1', [id]);
        await q.query('DELETE FROM issued_certificates WHERE issuer_id IN (SELECT id FROM certificate_authorities WHERE partner_id = $1)', [id]);
        await q.query('DELETE FROM partners WHERE id = $1', [id]);
      });
    },

    async addResource(r: Omit<Resource, 'createdAt' | 'scopes'> & { readonly scopes?: readonly string[] }): Promise<Resource> {
      const [row] = await sql.rows<Parameters<typeof toResource>[0]>(
        'INSERT INTO resources (uri, partner_id, scopes) VALUES ($1, $2, $3) RETURNING *',
        [r.uri, r.partnerId, r.scopes ?? []],
      );
      return toResource(row!);
    },

    async setResourceScopes(uri: string, scopes: readonly string[]): Promise<void> {
      await sql.rows('UPDATE resources SET scopes = $2 WHERE uri = $1', [uri, scopes]);
    },

    async putGrant(g: Omit<Grant, 'createdAt'>): Promise<Grant> {
      return sql.transaction(async (tx) => {
        const q = tx.q;
        await q.query(
          'DELETE FROM grants WHERE resource_uri = $1 AND partner_id = $2 AND client_id IS NOT DISTINCT FROM $3',
          [g.resourceUri, g.partnerId, g.clientId],
        );
        const { rows } = await q.query<Parameters<typeof toGrant>[0]>(
          'INSERT INTO grants (resource_uri, partner_id, client_id, scopes) VALUES ($1, $2, $3, $4) RETURNING *',
          [g.resourceUri, g.partnerId, g.clientId, g.scopes],
        );
        return toGrant(rows[0]!);
      });
    },

    async deleteGrant(resourceUri: string, partnerId: string, clientId: string | null): Promise<boolean> {
      const rows = await sql.rows(
        'DELETE FROM grants WHERE resource_uri = $1 AND partner_id = $2 AND client_id IS NOT DISTINCT FROM $3 RETURNING resource_uri',
        [resourceUri, partnerId, clientId],
      );
      return rows.length > 0;
    },

    async listGrants(): Promise<Grant[]> {
      return (await sql.rows<Parameters<typeof toGrant>[0]>('SELECT * FROM grants ORDER BY resource_uri, partner_id, client_id NULLS FIRST')).map(toGrant);
    },

    async getResource(uri: string): Promise<Resource | null> {
      const [row] = await sql.rows<Parameters<typeof toResource>[0]>('SELECT * FROM resources WHERE uri = $1', [uri]);
      return row ? toResource(row) : null;
    },

    async listResources(): Promise<Resource[]> {
      return (await sql.rows<Parameters<typeof toResource>[0]>('SELECT * FROM resources ORDER BY uri')).map(toResource);
    },
  };
}
