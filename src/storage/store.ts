import type {
  CertificateAuthority,
  Client,
  ClientCertificate,
  IssuedCertificate,
  Partner,
  Resource,
  SigningKey,
  Status,
  TlsCredential,
} from '../core/model.ts';

/** What it takes to register a client; the store fills in status and creation time. */
export type NewClient = Omit<Client, 'status' | 'createdAt'>;

/**
 * Everything certbound persists. One interface, several backends (embedded PGlite,
 * a PostgreSQL server), all running the same SQL and migrations.
 */
export interface Store {
  /** Runs `fn` in one transaction: all of its writes land, or none do. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  close(): Promise<void>;

  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string): Promise<void>;

  getAuthority(id: string): Promise<CertificateAuthority | null>;
  listAuthorities(): Promise<CertificateAuthority[]>;
  addAuthority(ca: Omit<CertificateAuthority, 'createdAt'>): Promise<void>;

  listSigningKeys(): Promise<SigningKey[]>;
  addSigningKey(key: Omit<SigningKey, 'createdAt'>): Promise<void>;

  getTlsCredential(name: string): Promise<TlsCredential | null>;
  putTlsCredential(credential: Omit<TlsCredential, 'createdAt'>): Promise<void>;

  addPartner(id: string): Promise<Partner>;
  getPartner(id: string): Promise<Partner | null>;
  listPartners(): Promise<Partner[]>;
  setPartnerStatus(id: string, status: Status): Promise<void>;

  addResource(resource: Omit<Resource, 'createdAt'>): Promise<Resource>;
  getResource(uri: string): Promise<Resource | null>;
  listResources(): Promise<Resource[]>;

  /** Registers a client with its resources, introspection grants and (self-signed) certificates. */
  addClient(client: NewClient, certificates?: readonly Omit<ClientCertificate, 'createdAt'>[]): Promise<Client>;
  getClient(id: string): Promise<Client | null>;
  listClients(): Promise<Client[]>;
  listClientCertificates(): Promise<ClientCertificate[]>;

  recordIssuedCertificate(cert: Omit<IssuedCertificate, 'createdAt'>): Promise<void>;
  listIssuedCertificates(): Promise<IssuedCertificate[]>;

  /** Records a revoked access token; revoking twice is not an error. */
  revokeToken(jti: string, clientId: string, expiresAt: Date): Promise<void>;
  isTokenRevoked(jti: string): Promise<boolean>;
}
