import type {
  AdminCertificate,
  AuditEvent,
  CertificateAuthority,
  Client,
  ClientCertificate,
  IssuedCertificate,
  Grant,
  Partner,
  Resource,
  RevokedCertificate,
  SigningKey,
  Status,
  StoredAuditEvent,
  SubjectMatcher,
  TlsCredential,
  TokenCutoff,
} from '../core/model.ts';
import type { KeyEncryptionKey } from '../core/key-wrap.ts';

/** What it takes to register a client; the store fills in status and creation time. */
export type NewClient = Omit<Client, 'status' | 'createdAt'>;

/** A signing key to store. */
export type NewSigningKey = Omit<SigningKey, 'createdAt' | 'activatesAt' | 'retiredAt'> & { readonly activatesAt?: Date };

/** A CA to store. */
export type NewAuthority = Omit<CertificateAuthority, 'createdAt' | 'crlSource'> & { readonly crlSource?: string | null };

/** What a store that can push registry changes tells its listener. */
export interface RegistryListener {
  /** A change was committed; `version` is its new registry version mark. */
  onChange(version: string): void;
  /**
   * The subscription is in place: the first time (`reconnected` false) and after each
   * reconnection (true), when changes made meanwhile may have been missed.
   */
  onSubscribed(reconnected: boolean): void;
  /** The subscription was lost (or could not be made); it is tried again in `retryInMs`. */
  onLost(err: Error, retryInMs: number): void;
}

/** A live subscription to registry changes. */
export interface RegistrySubscription {
  close(): Promise<void>;
}

/** Which audit events to return, newest last. */
export interface AuditQuery {
  readonly partnerId?: string;
  readonly clientId?: string;
  readonly since?: Date;
  readonly outcome?: AuditEvent['outcome'];
  /** At most this many (the newest); 1000 by default. */
  readonly limit?: number;
}

/**
 * Everything certbound persists. One interface, two backends (the embedded SQLite file, a
 * PostgreSQL server), running one SQL text (sql-dialect.ts holds the few statements written for
 * each) and one migration history. Private keys go in and come
 * out as PKCS#8; at rest they are wrapped under the store's key-encryption key.
 */
export interface Store {
  /** Runs `fn` in one transaction: all of its writes land, or none do. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  close(): Promise<void>;

  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string): Promise<void>;
  /** Stores `value` unless the key has one; returns the value in force (of two claiming at once, the first to commit wins). */
  claimSetting(key: string, value: string): Promise<string>;

  /**
   * Stores a new registry version mark and, where the backend can push, announces it to
   * listeners — in one transaction (joined when called inside one), so that it is heard on
   * commit only (see registry-version.ts).
   */
  announceRegistryChange(version: string): Promise<void>;
  /**
   * Subscribes to registry changes announced by any process on this store, on a connection of
   * its own that is re-made after a loss; null when the backend cannot push (the embedded store).
   */
  listenRegistryChanges(listener: RegistryListener): Promise<RegistrySubscription | null>;

  getAuthority(id: string): Promise<CertificateAuthority | null>;
  listAuthorities(): Promise<CertificateAuthority[]>;
  addAuthority(ca: NewAuthority): Promise<void>;
  /** Removes a CA (an imported anchor); false when there was none. */
  removeAuthority(id: string): Promise<boolean>;
  setAuthorityCrlSource(id: string, source: string | null): Promise<void>;

  /** Every signing key, retired ones included, oldest first. */
  listSigningKeys(): Promise<SigningKey[]>;
  /** Stores a signing key; it signs from `activatesAt` (from its creation when absent). */
  addSigningKey(key: NewSigningKey): Promise<void>;
  /** Withdraws a published signing key from the JWKS at `at`; false when it is unknown or already retired. */
  retireSigningKey(kid: string, at: Date): Promise<boolean>;

  getTlsCredential(name: string): Promise<TlsCredential | null>;
  putTlsCredential(credential: Omit<TlsCredential, 'createdAt'>): Promise<void>;

  /**
   * Re-wraps every stored private key under `next`, in one transaction (joined when called
   * inside one): all of them or none. This store keeps unwrapping with the KEK it was opened
   * with: reopen it with `next` afterwards. Returns how many keys it re-wrapped.
   */
  rewrapKeys(next: KeyEncryptionKey): Promise<number>;

  addPartner(id: string): Promise<Partner>;
  getPartner(id: string): Promise<Partner | null>;
  listPartners(): Promise<Partner[]>;
  setPartnerStatus(id: string, status: Status): Promise<void>;
  /** Deletes a partner with its CAs, grants and the resources it owns (its token cutoff stays). */
  deletePartner(id: string): Promise<void>;

  addResource(resource: Omit<Resource, 'createdAt' | 'scopes'> & { readonly scopes?: readonly string[] }): Promise<Resource>;
  getResource(uri: string): Promise<Resource | null>;
  listResources(): Promise<Resource[]>;
  setResourceScopes(uri: string, scopes: readonly string[]): Promise<void>;

  /** Creates or replaces the grant of a resource to a partner (clientId null) or one client. */
  putGrant(grant: Omit<Grant, 'createdAt'>): Promise<Grant>;
  /** Removes a grant; false when there was none. */
  deleteGrant(resourceUri: string, partnerId: string, clientId: string | null): Promise<boolean>;
  listGrants(): Promise<Grant[]>;

  /** Registers a client with its resources, introspection grants and (self-signed) certificates. */
  addClient(client: NewClient, certificates?: readonly Omit<ClientCertificate, 'createdAt' | 'retiredAt'>[]): Promise<Client>;
  getClient(id: string): Promise<Client | null>;
  listClients(): Promise<Client[]>;
  setClientStatus(id: string, status: Status): Promise<void>;
  /**
   * Deletes a client with its resource links, registered certificates and grants, and revokes
   * every token it was issued (its cutoff is kept, so a client reusing the id cannot revive them).
   */
  deleteClient(id: string): Promise<boolean>;
  /** Replaces a `tls_client_auth` client's expected subject in one statement (rotation to a new subject). */
  setClientSubject(id: string, subject: SubjectMatcher): Promise<void>;
  /** Every registered certificate of self-signed clients, retired ones included. */
  listClientCertificates(): Promise<ClientCertificate[]>;
  addClientCertificate(cert: Omit<ClientCertificate, 'createdAt' | 'retiredAt'>): Promise<void>;
  /** Retires a registered certificate; false when the client has no such unretired certificate. */
  retireClientCertificate(clientId: string, thumbprint: string): Promise<boolean>;

  recordIssuedCertificate(cert: Omit<IssuedCertificate, 'createdAt'>): Promise<void>;
  listIssuedCertificates(): Promise<IssuedCertificate[]>;
  /** Records a revoked certificate; false when it already was. */
  revokeCertificate(cert: Omit<RevokedCertificate, 'revokedAt'>): Promise<boolean>;
  listRevokedCertificates(): Promise<RevokedCertificate[]>;

  /** Records a revoked access token; revoking twice is not an error. */
  revokeToken(jti: string, clientId: string, expiresAt: Date): Promise<void>;
  isTokenRevoked(jti: string): Promise<boolean>;
  /** Deletes the revoked-token rows of tokens that expired before `before` (refused as expired anyway); returns how many. */
  pruneRevokedTokens(before: Date): Promise<number>;
  /** Revokes every token of a client or partner issued up to `cutoff` (a later cutoff replaces an earlier one). */
  setTokenCutoff(cutoff: TokenCutoff): Promise<void>;
  /**
   * Revokes every token of a client or partner issued up to now by the database's clock (never
   * a host's, so a skewed admin host cannot let a token escape); returns the cutoff in force.
   */
  cutOffTokensNow(kind: TokenCutoff['subjectKind'], id: string): Promise<Date>;
  listTokenCutoffs(): Promise<TokenCutoff[]>;

  addAdminCertificate(cert: Omit<AdminCertificate, 'createdAt'>): Promise<void>;
  getAdminCertificate(thumbprint: string): Promise<AdminCertificate | null>;
  listAdminCertificates(): Promise<AdminCertificate[]>;
  removeAdminCertificate(thumbprint: string): Promise<boolean>;

  appendAudit(events: readonly AuditEvent[]): Promise<void>;
  queryAudit(query: AuditQuery): Promise<StoredAuditEvent[]>;
  /** Deletes audit events older than `before` (retention); returns how many. */
  pruneAudit(before: Date): Promise<number>;
}
