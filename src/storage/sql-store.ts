import type {
  AuthMethod,
  CertificateAuthority,
  Client,
  ClientCertificate,
  IssuedCertificate,
  Partner,
  Resource,
  SigningKey,
  Status,
  SubjectMatcher,
  SubjectMatcherKind,
  TlsCredential,
} from '../core/model.ts';
import type { Database, Queryable } from './database.ts';
import type { NewClient, Store } from './store.ts';

interface ClientRow {
  id: string;
  partner_id: string;
  status: Status;
  auth_method: AuthMethod;
  subject_kind: SubjectMatcherKind | null;
  subject_value: string | null;
  secret_hash: Uint8Array | null;
  scopes: string[];
  token_ttl: number;
  bound_tokens: boolean;
  created_at: Date;
  resources: string[] | null;
  introspects: string[] | null;
}

const CLIENT_SELECT = `
  SELECT c.*,
    ARRAY(SELECT resource_uri FROM client_resources r WHERE r.client_id = c.id ORDER BY position) AS resources,
    ARRAY(SELECT resource_uri FROM client_introspects i WHERE i.client_id = c.id ORDER BY resource_uri) AS introspects
  FROM clients c`;

function toClient(row: ClientRow): Client {
  const subject: SubjectMatcher | null =
    row.subject_kind && row.subject_value !== null ? { kind: row.subject_kind, value: row.subject_value } : null;
  return {
    id: row.id,
    partnerId: row.partner_id,
    status: row.status,
    authMethod: row.auth_method,
    subject,
    secretHash: row.secret_hash,
    scopes: row.scopes,
    resources: row.resources ?? [],
    introspects: row.introspects ?? [],
    tokenTtl: row.token_ttl,
    boundTokens: row.bound_tokens,
    createdAt: row.created_at,
  };
}

function toAuthority(row: { id: string; partner_id: string | null; cert_pem: string; key_pkcs8: Uint8Array | null; created_at: Date }): CertificateAuthority {
  return { id: row.id, partnerId: row.partner_id, certPem: row.cert_pem, keyPkcs8: row.key_pkcs8, createdAt: row.created_at };
}

function toPartner(row: { id: string; status: Status; created_at: Date }): Partner {
  return { id: row.id, status: row.status, createdAt: row.created_at };
}

function toResource(row: { uri: string; partner_id: string | null; created_at: Date }): Resource {
  return { uri: row.uri, partnerId: row.partner_id, createdAt: row.created_at };
}

/** The Store over any PostgreSQL-compatible database: the same SQL for PGlite and a server. */
export class SqlStore implements Store {
  readonly #db: Database | null;
  readonly #q: Queryable;

  constructor(db: Database | null, q: Queryable = db as Queryable) {
    this.#db = db;
    this.#q = q;
  }

  async #rows<Row>(sql: string, params: Parameters<Queryable['query']>[1] = []): Promise<Row[]> {
    return (await this.#q.query<Row>(sql, params)).rows;
  }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (!this.#db) return fn(this); // already inside one: join it
    return this.#db.transaction((tx) => fn(new SqlStore(null, tx)));
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

  async getAuthority(id: string): Promise<CertificateAuthority | null> {
    const [row] = await this.#rows<Parameters<typeof toAuthority>[0]>('SELECT * FROM certificate_authorities WHERE id = $1', [id]);
    return row ? toAuthority(row) : null;
  }

  async listAuthorities(): Promise<CertificateAuthority[]> {
    const rows = await this.#rows<Parameters<typeof toAuthority>[0]>('SELECT * FROM certificate_authorities ORDER BY created_at, id');
    return rows.map(toAuthority);
  }

  async addAuthority(ca: Omit<CertificateAuthority, 'createdAt'>): Promise<void> {
    await this.#rows('INSERT INTO certificate_authorities (id, partner_id, cert_pem, key_pkcs8) VALUES ($1, $2, $3, $4)', [
      ca.id,
      ca.partnerId,
      ca.certPem,
      ca.keyPkcs8,
    ]);
  }

  async listSigningKeys(): Promise<SigningKey[]> {
    const rows = await this.#rows<{ kid: string; alg: string; key_pkcs8: Uint8Array; active: boolean; created_at: Date }>(
      'SELECT * FROM signing_keys ORDER BY created_at, kid',
    );
    return rows.map((r) => ({ kid: r.kid, alg: r.alg, keyPkcs8: r.key_pkcs8, active: r.active, createdAt: r.created_at }));
  }

  async addSigningKey(key: Omit<SigningKey, 'createdAt'>): Promise<void> {
    await this.#rows('INSERT INTO signing_keys (kid, alg, key_pkcs8, active) VALUES ($1, $2, $3, $4)', [
      key.kid,
      key.alg,
      key.keyPkcs8,
      key.active,
    ]);
  }

  async getTlsCredential(name: string): Promise<TlsCredential | null> {
    const [row] = await this.#rows<{ name: string; cert_pem: string; key_pkcs8: Uint8Array; created_at: Date }>(
      'SELECT * FROM tls_credentials WHERE name = $1',
      [name],
    );
    return row ? { name: row.name, certPem: row.cert_pem, keyPkcs8: row.key_pkcs8, createdAt: row.created_at } : null;
  }

  async putTlsCredential(c: Omit<TlsCredential, 'createdAt'>): Promise<void> {
    await this.#rows(
      `INSERT INTO tls_credentials (name, cert_pem, key_pkcs8) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET cert_pem = EXCLUDED.cert_pem, key_pkcs8 = EXCLUDED.key_pkcs8, created_at = now()`,
      [c.name, c.certPem, c.keyPkcs8],
    );
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

  async addResource(r: Omit<Resource, 'createdAt'>): Promise<Resource> {
    const [row] = await this.#rows<Parameters<typeof toResource>[0]>(
      'INSERT INTO resources (uri, partner_id) VALUES ($1, $2) RETURNING *',
      [r.uri, r.partnerId],
    );
    return toResource(row!);
  }

  async getResource(uri: string): Promise<Resource | null> {
    const [row] = await this.#rows<Parameters<typeof toResource>[0]>('SELECT * FROM resources WHERE uri = $1', [uri]);
    return row ? toResource(row) : null;
  }

  async listResources(): Promise<Resource[]> {
    return (await this.#rows<Parameters<typeof toResource>[0]>('SELECT * FROM resources ORDER BY uri')).map(toResource);
  }

  async addClient(c: NewClient, certificates: readonly Omit<ClientCertificate, 'createdAt'>[] = []): Promise<Client> {
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
    const [row] = await this.#rows<ClientRow>(`${CLIENT_SELECT} WHERE c.id = $1`, [id]);
    return row ? toClient(row) : null;
  }

  async listClients(): Promise<Client[]> {
    return (await this.#rows<ClientRow>(`${CLIENT_SELECT} ORDER BY c.id`)).map(toClient);
  }

  async listClientCertificates(): Promise<ClientCertificate[]> {
    const rows = await this.#rows<{ client_id: string; thumbprint: string; cert_pem: string; created_at: Date }>(
      'SELECT * FROM client_certificates ORDER BY client_id, created_at',
    );
    return rows.map((r) => ({ clientId: r.client_id, thumbprint: r.thumbprint, pem: r.cert_pem, createdAt: r.created_at }));
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
}
