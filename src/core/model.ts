/**
 * The registry's domain model, shared by storage, the token service and the CLI.
 * Plain data only: no behaviour, no I/O.
 */

/** How a client authenticates at the token endpoint. @see https://www.rfc-editor.org/rfc/rfc8705#section-2 */
export type AuthMethod =
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth'
  | 'client_secret_basic'
  | 'client_secret_post';

/** Every supported token endpoint authentication method, in the order metadata lists them. */
export const AUTH_METHODS: readonly AuthMethod[] = [
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'client_secret_basic',
  'client_secret_post',
];

/** The single expected subject of a `tls_client_auth` client. @see https://www.rfc-editor.org/rfc/rfc8705#section-2.1.2 */
export type SubjectMatcher =
  | { readonly kind: 'subject_dn'; readonly value: string }
  | { readonly kind: 'san_dns'; readonly value: string }
  | { readonly kind: 'san_uri'; readonly value: string }
  | { readonly kind: 'san_ip'; readonly value: string }
  | { readonly kind: 'san_email'; readonly value: string };

/** The kinds of subject matcher, named as in the RFC 8705 client metadata (`tls_client_auth_<kind>`). */
export type SubjectMatcherKind = SubjectMatcher['kind'];

export type Status = 'active' | 'disabled';

/** A partner organisation: its own CA, clients and resources. */
export interface Partner {
  readonly id: string;
  readonly status: Status;
  readonly createdAt: Date;
}

/** A protected API, identified by its URI (the `aud` of tokens issued for it). */
export interface Resource {
  readonly uri: string;
  /** The partner that owns the resource, or null for a platform resource. */
  readonly partnerId: string | null;
  /** The scopes the API defines; empty when it names none (grants are then taken as given). */
  readonly scopes: readonly string[];
  readonly createdAt: Date;
}

/**
 * Permission for a partner's clients (clientId null) or one client to get tokens for a
 * resource, with at most these scopes.
 */
export interface Grant {
  readonly resourceUri: string;
  readonly partnerId: string;
  readonly clientId: string | null;
  readonly scopes: readonly string[];
  readonly createdAt: Date;
}

/** A registered client (a server that asks for tokens). */
export interface Client {
  readonly id: string;
  readonly partnerId: string;
  readonly status: Status;
  readonly authMethod: AuthMethod;
  /** Set for `tls_client_auth`, null otherwise. */
  readonly subject: SubjectMatcher | null;
  /** SHA-256 of the client secret, for the secret methods; null otherwise. */
  readonly secretHash: Uint8Array | null;
  /** Scopes the client may request; all of them when it asks for none. */
  readonly scopes: readonly string[];
  /** Resources the client is granted, in registration order; the first is its default audience. */
  readonly resources: readonly string[];
  /** Resources whose tokens this client may introspect (it acts as their resource server). */
  readonly introspects: readonly string[];
  /** Access token lifetime in seconds. */
  readonly tokenTtl: number;
  /** Whether tokens must be certificate-bound (RFC 8705 §3.4 `tls_client_certificate_bound_access_tokens`). */
  readonly boundTokens: boolean;
  readonly createdAt: Date;
}

/** A certificate registered for a `self_signed_tls_client_auth` client. */
export interface ClientCertificate {
  readonly clientId: string;
  /** `x5t#S256` of the certificate. */
  readonly thumbprint: string;
  readonly pem: string;
  readonly createdAt: Date;
  /** When it stopped authenticating the client (rotation), or null while it still does. */
  readonly retiredAt: Date | null;
}

/**
 * A CA certbound trusts: the platform root, a partner's issuing CA that certbound holds, or a
 * partner's own CA imported without its key. A partner's CAs are its trust anchors.
 */
export interface CertificateAuthority {
  /** `platform` for the root, `partner:<id>` for a partner's issuing CA, `partner:<id>:<fingerprint>` for an imported one. */
  readonly id: string;
  readonly partnerId: string | null;
  readonly certPem: string;
  /** Lowercase hex SHA-256 of the DER certificate: how anchors are compared, never by name. */
  readonly fingerprint: string;
  /** PKCS#8 DER of the CA's private key, or null for a CA imported without its key. */
  readonly keyPkcs8: Uint8Array | null;
  /** Where an imported CA's CRL is fetched from (an https URL or a regular file's absolute path), or null. */
  readonly crlSource: string | null;
  readonly createdAt: Date;
}

/** A certificate that no longer authenticates anyone. */
export interface RevokedCertificate {
  /** `x5t#S256` of the certificate. */
  readonly thumbprint: string;
  /** Serial (lowercase hex) and issuing CA id, when a certbound CA issued it. */
  readonly serial: string | null;
  readonly issuerId: string | null;
  readonly partnerId: string | null;
  readonly clientId: string | null;
  /** An RFC 5280 CRLReason name, e.g. `keyCompromise`, `superseded`, `unspecified`. */
  readonly reason: string;
  readonly revokedAt: Date;
}

/** Every access token of a client or of a partner's clients issued at or before `cutoff` is revoked. */
export interface TokenCutoff {
  readonly subjectKind: 'client' | 'partner';
  readonly subjectId: string;
  readonly cutoff: Date;
}

/** A certificate that authenticates an administrator on the admin API, pinned by thumbprint. */
export interface AdminCertificate {
  readonly thumbprint: string;
  readonly name: string;
  readonly certPem: string;
  readonly createdAt: Date;
}

/** One audited happening: a token issued or refused, a failed authentication, an admin change. Never a secret. */
export interface AuditEvent {
  readonly at: Date;
  /** `token.issued`, `token.denied`, `introspection.denied`, `admin.<operation>`, … */
  readonly event: string;
  readonly outcome: 'success' | 'denied';
  /** The OAuth error code or the refusal's reason, for a denial. */
  readonly reason?: string | null;
  /** Who acted: the administrator's certificate name, `local` for the CLI on the data directory. */
  readonly actor?: string | null;
  readonly partnerId?: string | null;
  readonly clientId?: string | null;
  readonly thumbprint?: string | null;
  readonly serial?: string | null;
  readonly resource?: string | null;
  readonly detail?: Readonly<Record<string, unknown>> | null;
}

/** A stored audit event, with its sequence number. */
export interface StoredAuditEvent extends AuditEvent {
  readonly id: number;
}

/** A JWS signing key of the token service. */
export interface SigningKey {
  /** RFC 7638 JWK thumbprint of the public key. */
  readonly kid: string;
  readonly alg: string;
  /** PKCS#8 DER of the private key. */
  readonly keyPkcs8: Uint8Array;
  /** Published in the JWKS: false once retired (or for a key stored withdrawn). */
  readonly active: boolean;
  readonly createdAt: Date;
  /** When it starts signing (a rotated key is published a lead time before); its creation for older keys. */
  readonly activatesAt: Date;
  /** When it left the JWKS, every token it signed having expired; null while published. */
  readonly retiredAt: Date | null;
}

/** A named certificate and key pair certbound holds for a TLS listener (the token service's own). */
export interface TlsCredential {
  readonly name: string;
  readonly certPem: string;
  readonly keyPkcs8: Uint8Array;
  readonly createdAt: Date;
}

/** A certificate issued by a certbound CA, kept for audit and revocation. */
export interface IssuedCertificate {
  readonly serial: string;
  readonly issuerId: string;
  readonly clientId: string | null;
  readonly subject: string;
  readonly thumbprint: string;
  readonly notAfter: Date;
  readonly createdAt: Date;
}
