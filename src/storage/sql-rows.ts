// Rows of the certbound schema and how they map to the model, for the SQL store.
import type {
  AuditEvent,
  AuthMethod,
  CertificateAuthority,
  Client,
  Grant,
  Partner,
  Resource,
  Status,
  SubjectMatcher,
  SubjectMatcherKind,
  StoredAuditEvent,
} from '../core/model.ts';

/** A clients row with its resource and introspection lists. */
export interface ClientRow {
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

/** A client row, with its resource and introspection lists, as a Client. */
export function toClient(row: ClientRow): Client {
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

/** A certificate_authorities row. */
export interface AuthorityRow {
  id: string;
  partner_id: string | null;
  cert_pem: string;
  fingerprint: string;
  key_pkcs8: Uint8Array | null;
  crl_source: string | null;
  created_at: Date;
}

/** A certificate_authorities row as a CertificateAuthority. */
export function toAuthority(row: AuthorityRow): CertificateAuthority {
  return {
    id: row.id,
    partnerId: row.partner_id,
    certPem: row.cert_pem,
    fingerprint: row.fingerprint,
    keyPkcs8: row.key_pkcs8,
    crlSource: row.crl_source,
    createdAt: row.created_at,
  };
}

/** A partners row as a Partner. */
export function toPartner(row: { id: string; status: Status; created_at: Date }): Partner {
  return { id: row.id, status: row.status, createdAt: row.created_at };
}

/** A resources row as a Resource. */
export function toResource(row: { uri: string; partner_id: string | null; scopes: string[]; created_at: Date }): Resource {
  return { uri: row.uri, partnerId: row.partner_id, scopes: row.scopes, createdAt: row.created_at };
}

/** A grants row as a Grant. */
export function toGrant(row: { resource_uri: string; partner_id: string; client_id: string | null; scopes: string[]; created_at: Date }): Grant {
  return { resourceUri: row.resource_uri, partnerId: row.partner_id, clientId: row.client_id, scopes: row.scopes, createdAt: row.created_at };
}

/** An audit_events row. */
export interface AuditRow {
  id: number | string;
  at: Date;
  event: string;
  outcome: AuditEvent['outcome'];
  reason: string | null;
  actor: string | null;
  partner_id: string | null;
  client_id: string | null;
  thumbprint: string | null;
  serial: string | null;
  resource: string | null;
  detail: Record<string, unknown> | null;
}

/** An audit_events row as a StoredAuditEvent (bigserial ids as numbers). */
export function toAuditEvent(r: AuditRow): StoredAuditEvent {
  return {
    id: Number(r.id),
    at: r.at,
    event: r.event,
    outcome: r.outcome,
    reason: r.reason,
    actor: r.actor,
    partnerId: r.partner_id,
    clientId: r.client_id,
    thumbprint: r.thumbprint,
    serial: r.serial,
    resource: r.resource,
    detail: r.detail,
  };
}
