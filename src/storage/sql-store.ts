import type {
  AdminCertificate,
  AuditEvent,
  CertificateAuthority,
  Client,
  ClientCertificate,
  Grant,
  IssuedCertificate,
  Partner,
  Resource,
  RevokedCertificate,
  SigningKey,
  Status,
  SubjectMatcher,
  StoredAuditEvent,
  TlsCredential,
  TokenCutoff,
} from '../core/model.ts';
import type { KeyEncryptionKey } from '../core/key-wrap.ts';
import type { Database, Queryable } from './database.ts';
import { REGISTRY_CHANNEL, REGISTRY_VERSION_KEY } from './registry-version.ts';
import type { AuditQuery, NewAuthority, NewClient, NewSigningKey, RegistryListener, RegistrySubscription, Store } from './store.ts';
import { rewrapStoredKeys } from './wrapped-keys.ts';
import { CLIENT_SELECT, CUT_OFF_NOW, INSERT_AUDIT_BATCH, SET_TOKEN_CUTOFF } from './sql-dialect.ts';
import { toAuditEvent, toAuthority, toClient, toGrant, toPartner, toResource, type AuditRow, type AuthorityRow, type ClientRow } from './sql-rows.ts';

/**
 * The Store over SQL: the embedded SQLite database or a PostgreSQL server, one SQL text for
 * both except the few statements of sql-dialect.ts.
 * Private keys are wrapped under `kek` on the way in and unwrapped on the way out (see
 * core/key-wrap.ts): the database never holds one in the clear.
 */
export class SqlStore implements Store {
  readonly #db: Database | null;
  readonly #q: Queryable;
  readonly #kek: KeyEncryptionKey;

  constructor(db: Database | null, kek: KeyEncryptionKey, q: Queryable = db as Queryable) {
    this.#db = db;
    this.#kek = kek;
    this.#q = q;
  }

  async #rows<Row>(sql: string, params: Parameters<Queryable['query']>[1] = []): Promise<Row[]> {
    return (await this.#q.query<Row>(sql, params)).rows;
  }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (!this.#db) return fn(this); // already inside one: join it
    return this.#db.transaction((tx) => fn(new SqlStore(null, this.#kek, tx)));
  }

  async close(): Promise<void> {
    await this.#db?.close();
  }

  async getSetting(key: string): Promise<string | null> {
    const [row] = await this.#rows<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]);
    return row?.value ?? null;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.#rows(
      'INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
      [key, value],
    );
  }

  async claimSetting(key: string, value: string): Promise<string> {
    // A concurrent claim waits for the first one's commit, then does nothing.
    await this.#rows('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, value]);
    return (await this.getSetting(key))!;
  }

  async announceRegistryChange(version: string): Promise<void> {
    await this.transaction(async (tx) => {
      const q = (tx as SqlStore).#q;
      await q.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value', [REGISTRY_VERSION_KEY, version]);
      // Queued until commit: no listener reloads before the change is visible, nor for one rolled back.
      if (q.dialect === 'postgres') await q.query('SELECT pg_notify($1, $2)', [REGISTRY_CHANNEL, version]);
    });
  }

  async listenRegistryChanges(listener: RegistryListener): Promise<RegistrySubscription | null> {
    // Inside a transaction there is no database of its own to listen on; the embedded one cannot push.
    return this.#db?.listen ? this.#db.listen(REGISTRY_CHANNEL, listener) : null;
  }

  async getAuthority(id: string): Promise<CertificateAuthority | null> {
    const [row] = await this.#rows<AuthorityRow>('SELECT * FROM certificate_authorities WHERE id = $1', [id]);
    return row ? this.#authority(row) : null;
  }

  #authority(row: AuthorityRow): CertificateAuthority {
    const ca = toAuthority(row);
    return ca.keyPkcs8 === null ? ca : { ...ca, keyPkcs8: this.#kek.unwrap(ca.keyPkcs8, { purpose: 'ca', id: ca.id }) };
  }

  async listAuthorities(): Promise<CertificateAuthority[]> {
    const rows = await this.#rows<AuthorityRow>('SELECT * FROM certificate_authorities ORDER BY created_at, id');
    return rows.map((row) => this.#authority(row));
  }

  async addAuthority(ca: NewAuthority): Promise<void> {
    await this.#rows(
      'INSERT INTO certificate_authorities (id, partner_id, cert_pem, fingerprint, key_pkcs8, crl_source) VALUES ($1, $2, $3, $4, $5, $6)',
      [ca.id, ca.partnerId, ca.certPem, ca.fingerprint, ca.keyPkcs8 && this.#kek.wrap(ca.keyPkcs8, { purpose: 'ca', id: ca.id }), ca.crlSource ?? null],
    );
  }

  async removeAuthority(id: string): Promise<boolean> {
    return (await this.#rows('DELETE FROM certificate_authorities WHERE id = $1 RETURNING id', [id])).length > 0;
  }

  async setAuthorityCrlSource(id: string, source: string | null): Promise<void> {
    await this.#rows('UPDATE certificate_authorities SET crl_source = $2 WHERE id = $1', [id, source]);
  }

  async listSigningKeys(): Promise<SigningKey[]> {
    const rows = await this.#rows<{ kid: string; alg: string; key_pkcs8: Uint8Array; active: boolean; created_at: Date; activates_at: Date | null; retired_at: Date | null }>(
      'SELECT * FROM signing_keys ORDER BY created_at, kid',
    );
    return rows.map((r) => ({
      kid: r.kid,
      alg: r.alg,
      keyPkcs8: this.#kek.unwrap(r.key_pkcs8, { purpose: 'signing', id: r.kid }),
      active: r.active,
      createdAt: r.created_at,
      activatesAt: r.activates_at ?? r.created_at,
      retiredAt: r.retired_at,
    }));
  }

  async addSigningKey(key: NewSigningKey): Promise<void> {
    await this.#rows('INSERT INTO signing_keys (kid, alg, key_pkcs8, active, activates_at) VALUES ($1, $2, $3, $4, $5)', [
      key.kid,
      key.alg,
      this.#kek.wrap(key.keyPkcs8, { purpose: 'signing', id: key.kid }),
      key.active,
      key.activatesAt ?? null,
    ]);
  }

  async retireSigningKey(kid: string, at: Date): Promise<boolean> {
    return (await this.#rows('UPDATE signing_keys SET active = false, retired_at = $2 WHERE kid = $1 AND active RETURNING kid', [kid, at])).length > 0;
  }

  async getTlsCredential(name: string): Promise<TlsCredential | null> {
    const [row] = await this.#rows<{ name: string; cert_pem: string; key_pkcs8: Uint8Array; created_at: Date }>(
      'SELECT * FROM tls_credentials WHERE name = $1',
      [name],
    );
    return row
      ? { name: row.name, certPem: row.cert_pem, keyPkcs8: this.#kek.unwrap(row.key_pkcs8, { purpose: 'tls', id: row.name }), createdAt: row.created_at }
      : null;
  }

  async putTlsCredential(c: Omit<TlsCredential, 'createdAt'>): Promise<void> {
    await this.#rows(
      `INSERT INTO tls_credentials (name, cert_pem, key_pkcs8) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET cert_pem = EXCLUDED.cert_pem, key_pkcs8 = EXCLUDED.key_pkcs8, created_at = now()`,
      [c.name, c.certPem, this.#kek.wrap(c.keyPkcs8, { purpose: 'tls', id: c.name })],
    );
  }

  async rewrapKeys(next: KeyEncryptionKey): Promise<number> {
    return this.transaction((tx) => rewrapStoredKeys((tx as SqlStore).#q, this.#kek, next));
  }

  async addPartner(id: string): Promise<Partner> {
    const [row] = await this.#rows<Parameters<typeof toPartner>[0]>('INSERT INTO partners (id) VALUES ($1) RETURNING *', [id]);
    return toPartner(row!);
  }

  async getPartner(id: string): Promise<Partner | null> {
    const [row] = await this.#rows<Parameters<typeof toPartner>[0]>('SELECT * FROM partners WHERE id = $1', [id]);
    return row ? toPartner(row) : null;
  }

  async listPartners(): Promise<Partner[]> {
    return (await this.#rows<Parameters<typeof toPartner>[0]>('SELECT * FROM partners ORDER BY id')).map(toPartner);
  }

  async setPartnerStatus(id: string, status: Status): Promise<void> {
    await this.#rows('UPDATE partners SET status = $2 WHERE id = $1', [id, status]);
  }

  async deletePartner(id: string): Promise<void> {
    await this.transaction(async (tx) => {
      const q = (tx as SqlStore).#q;
      await q.query('DELETE FROM grants WHERE partner_id = $1 OR resource_uri IN (SELECT uri FROM resources WHERE partner_id = $1)', [id]);
      await q.query('DELETE FROM resources WHERE partner_id = $1', [id]);
      await q.query('DELETE FROM issued_certificates WHERE issuer_id IN (SELECT id FROM certificate_authorities WHERE partner_id = $1)', [id]);
      await q.query('DELETE FROM partners WHERE id = $1', [id]);
    });
  }

  async addResource(r: Omit<Resource, 'createdAt' | 'scopes'> & { readonly scopes?: readonly string[] }): Promise<Resource> {
    const [row] = await this.#rows<Parameters<typeof toResource>[0]>(
      'INSERT INTO resources (uri, partner_id, scopes) VALUES ($1, $2, $3) RETURNING *',
      [r.uri, r.partnerId, r.scopes ?? []],
    );
    return toResource(row!);
  }

  async setResourceScopes(uri: string, scopes: readonly string[]): Promise<void> {
    await this.#rows('UPDATE resources SET scopes = $2 WHERE uri = $1', [uri, scopes]);
  }

  async putGrant(g: Omit<Grant, 'createdAt'>): Promise<Grant> {
    return this.transaction(async (tx) => {
      const q = (tx as SqlStore).#q;
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
  }

  async deleteGrant(resourceUri: string, partnerId: string, clientId: string | null): Promise<boolean> {
    const rows = await this.#rows(
      'DELETE FROM grants WHERE resource_uri = $1 AND partner_id = $2 AND client_id IS NOT DISTINCT FROM $3 RETURNING resource_uri',
      [resourceUri, partnerId, clientId],
    );
    return rows.length > 0;
  }

  async listGrants(): Promise<Grant[]> {
    return (await this.#rows<Parameters<typeof toGrant>[0]>('SELECT * FROM grants ORDER BY resource_uri, partner_id, client_id NULLS FIRST')).map(toGrant);
  }

  async getResource(uri: string): Promise<Resource | null> {
    const [row] = await this.#rows<Parameters<typeof toResource>[0]>('SELECT * FROM resources WHERE uri = $1', [uri]);
    return row ? toResource(row) : null;
  }

  async listResources(): Promise<Resource[]> {
    return (await this.#rows<Parameters<typeof toResource>[0]>('SELECT * FROM resources ORDER BY uri')).map(toResource);
  }

  async addClient(c: NewClient, certificates: readonly Omit<ClientCertificate, 'createdAt' | 'retiredAt'>[] = []): Promise<Client> {
    return this.transaction(async (tx) => {
      const q = (tx as SqlStore).#q;
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
      return (await tx.getClient(c.id))!;
    });
  }

  async getClient(id: string): Promise<Client | null> {
    const [row] = await this.#rows<ClientRow>(`${CLIENT_SELECT[this.#q.dialect]} WHERE c.id = $1`, [id]);
    return row ? toClient(row) : null;
  }

  async listClients(): Promise<Client[]> {
    return (await this.#rows<ClientRow>(`${CLIENT_SELECT[this.#q.dialect]} ORDER BY c.id`)).map(toClient);
  }

  async setClientStatus(id: string, status: Status): Promise<void> {
    await this.#rows('UPDATE clients SET status = $2 WHERE id = $1', [id, status]);
  }

  async deleteClient(id: string): Promise<boolean> {
    return this.transaction(async (tx) => {
      const q = (tx as SqlStore).#q;
      const deleted = (await q.query('DELETE FROM clients WHERE id = $1 RETURNING id', [id])).rows.length > 0;
      // Its tokens die with it, also for a later client that reuses the id: every token issued so far is revoked.
      if (deleted) {
        await q.query(CUT_OFF_NOW[q.dialect], ['client', id]);
      }
      return deleted;
    });
  }

  async setClientSubject(id: string, subject: SubjectMatcher): Promise<void> {
    await this.#rows('UPDATE clients SET subject_kind = $2, subject_value = $3 WHERE id = $1', [id, subject.kind, subject.value]);
  }

  async listClientCertificates(): Promise<ClientCertificate[]> {
    const rows = await this.#rows<{ client_id: string; thumbprint: string; cert_pem: string; created_at: Date; retired_at: Date | null }>(
      'SELECT * FROM client_certificates ORDER BY client_id, created_at',
    );
    return rows.map((r) => ({ clientId: r.client_id, thumbprint: r.thumbprint, pem: r.cert_pem, createdAt: r.created_at, retiredAt: r.retired_at }));
  }

  async addClientCertificate(c: Omit<ClientCertificate, 'createdAt' | 'retiredAt'>): Promise<void> {
    await this.#rows('INSERT INTO client_certificates (client_id, thumbprint, cert_pem) VALUES ($1, $2, $3)', [c.clientId, c.thumbprint, c.pem]);
  }

  async retireClientCertificate(clientId: string, thumbprint: string): Promise<boolean> {
    const rows = await this.#rows(
      'UPDATE client_certificates SET retired_at = now() WHERE client_id = $1 AND thumbprint = $2 AND retired_at IS NULL RETURNING thumbprint',
      [clientId, thumbprint],
    );
    return rows.length > 0;
  }

  async recordIssuedCertificate(c: Omit<IssuedCertificate, 'createdAt'>): Promise<void> {
    await this.#rows(
      `INSERT INTO issued_certificates (serial, issuer_id, client_id, subject, thumbprint, not_after)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [c.serial, c.issuerId, c.clientId, c.subject, c.thumbprint, c.notAfter],
    );
  }

  async listIssuedCertificates(): Promise<IssuedCertificate[]> {
    const rows = await this.#rows<{
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
  }

  async revokeCertificate(c: Omit<RevokedCertificate, 'revokedAt'>): Promise<boolean> {
    const rows = await this.#rows(
      `INSERT INTO revoked_certificates (thumbprint, serial, issuer_id, partner_id, client_id, reason)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (thumbprint) DO NOTHING RETURNING thumbprint`,
      [c.thumbprint, c.serial, c.issuerId, c.partnerId, c.clientId, c.reason],
    );
    return rows.length > 0;
  }

  async listRevokedCertificates(): Promise<RevokedCertificate[]> {
    const rows = await this.#rows<{
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
  }

  async revokeToken(jti: string, clientId: string, expiresAt: Date): Promise<void> {
    await this.#rows(
      'INSERT INTO revoked_tokens (jti, client_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING',
      [jti, clientId, expiresAt],
    );
  }

  async isTokenRevoked(jti: string): Promise<boolean> {
    const rows = await this.#rows('SELECT 1 FROM revoked_tokens WHERE jti = $1', [jti]);
    return rows.length > 0;
  }

  async pruneRevokedTokens(before: Date): Promise<number> {
    return (await this.#rows('DELETE FROM revoked_tokens WHERE expires_at < $1 RETURNING jti', [before])).length;
  }

  async setTokenCutoff(c: TokenCutoff): Promise<void> {
    await this.#rows(SET_TOKEN_CUTOFF[this.#q.dialect], [c.subjectKind, c.subjectId, c.cutoff]);
  }

  async cutOffTokensNow(kind: TokenCutoff['subjectKind'], id: string): Promise<Date> {
    const [row] = await this.#rows<{ cutoff: Date }>(CUT_OFF_NOW[this.#q.dialect], [kind, id]);
    return row!.cutoff;
  }

  async listTokenCutoffs(): Promise<TokenCutoff[]> {
    const rows = await this.#rows<{ subject_kind: TokenCutoff['subjectKind']; subject_id: string; cutoff: Date }>(
      'SELECT * FROM token_cutoffs ORDER BY subject_kind, subject_id',
    );
    return rows.map((r) => ({ subjectKind: r.subject_kind, subjectId: r.subject_id, cutoff: r.cutoff }));
  }

  async addAdminCertificate(c: Omit<AdminCertificate, 'createdAt'>): Promise<void> {
    await this.#rows('INSERT INTO admin_certificates (thumbprint, name, cert_pem) VALUES ($1, $2, $3)', [c.thumbprint, c.name, c.certPem]);
  }

  async getAdminCertificate(thumbprint: string): Promise<AdminCertificate | null> {
    const [row] = await this.#rows<{ thumbprint: string; name: string; cert_pem: string; created_at: Date }>(
      'SELECT * FROM admin_certificates WHERE thumbprint = $1',
      [thumbprint],
    );
    return row ? { thumbprint: row.thumbprint, name: row.name, certPem: row.cert_pem, createdAt: row.created_at } : null;
  }

  async listAdminCertificates(): Promise<AdminCertificate[]> {
    const rows = await this.#rows<{ thumbprint: string; name: string; cert_pem: string; created_at: Date }>(
      'SELECT * FROM admin_certificates ORDER BY created_at, thumbprint',
    );
    return rows.map((r) => ({ thumbprint: r.thumbprint, name: r.name, certPem: r.cert_pem, createdAt: r.created_at }));
  }

  async removeAdminCertificate(thumbprint: string): Promise<boolean> {
    return (await this.#rows('DELETE FROM admin_certificates WHERE thumbprint = $1 RETURNING thumbprint', [thumbprint])).length > 0;
  }

  async appendAudit(events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    const rows = events.map((e) => [
      e.at.toISOString(), e.event, e.outcome, e.reason ?? null, e.actor ?? null, e.partnerId ?? null, e.clientId ?? null,
      e.thumbprint ?? null, e.serial ?? null, e.resource ?? null, e.detail ? JSON.stringify(e.detail) : null,
    ]);
    const insert = async (q: Queryable): Promise<void> => {
      const sql = INSERT_AUDIT_BATCH[q.dialect];
      // PostgreSQL takes the batch as eleven column arrays, SQLite as one JSON array of rows.
      await q.query(sql, q.dialect === 'postgres' ? rows[0]!.map((_, i) => rows.map((row) => row[i] ?? null)) : [JSON.stringify(rows)]);
    };
    // No client waits on an audit batch being on disk: it may be committed with relaxed durability.
    if (this.#db) await this.#db.transaction(insert, { durability: 'relaxed' });
    else await insert(this.#q);
  }

  async pruneAudit(before: Date): Promise<number> {
    return (await this.#rows('DELETE FROM audit_events WHERE at < $1 RETURNING id', [before])).length;
  }

  async queryAudit(query: AuditQuery): Promise<StoredAuditEvent[]> {
    const where: string[] = [];
    const params: (string | Date | number)[] = [];
    const add = (sql: string, value: string | Date) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.partnerId !== undefined) add('partner_id = ?', query.partnerId);
    if (query.clientId !== undefined) add('client_id = ?', query.clientId);
    if (query.since !== undefined) add('at >= ?', query.since);
    if (query.outcome !== undefined) add('outcome = ?', query.outcome);
    params.push(query.limit ?? 1000);
    const rows = await this.#rows<AuditRow>(
      `SELECT * FROM (SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY id DESC LIMIT $${params.length}) newest ORDER BY id`,
      params,
    );
    return rows.map(toAuditEvent);
  }
}
