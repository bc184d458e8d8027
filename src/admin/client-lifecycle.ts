import { X509Certificate } from 'node:crypto';
import { CertboundError } from '../core/certbound-error.ts';
import { InvalidClientMetadata } from '../core/errors.ts';
import type { Client, Status, SubjectMatcherKind } from '../core/model.ts';
import { parseSubjectMatcher } from '../core/subject-match.ts';
import { x5tS256 } from '../core/thumbprint.ts';
import type { Store } from '../storage/store.ts';
import { parseCertificate } from './clients.ts';
import { getPartner } from './partners.ts';

/** A client as operators see it: never its secret hash. */
export interface ClientView {
  readonly id: string;
  readonly partner: string;
  readonly status: Status;
  readonly auth_method: Client['authMethod'];
  readonly subject: { readonly kind: SubjectMatcherKind; readonly value: string } | null;
  readonly scopes: readonly string[];
  readonly resources: readonly string[];
  readonly introspects: readonly string[];
  readonly token_ttl: number;
  readonly bound_tokens: boolean;
  readonly certificates: readonly { readonly thumbprint: string; readonly created_at: string; readonly retired_at: string | null }[];
  readonly created_at: string;
}

/** A client that must exist. */
export async function getClient(store: Store, id: string): Promise<Client> {
  const client = await store.getClient(id);
  if (!client) throw new CertboundError('ERR_CERTBOUND_NOT_FOUND', `client '${id}' does not exist`);
  return client;
}

/** How a client is shown. */
export async function showClient(store: Store, id: string): Promise<ClientView> {
  const c = await getClient(store, id);
  const certificates = (await store.listClientCertificates()).filter((x) => x.clientId === id);
  return {
    id: c.id,
    partner: c.partnerId,
    status: c.status,
    auth_method: c.authMethod,
    subject: c.subject,
    scopes: c.scopes,
    resources: c.resources,
    introspects: c.introspects,
    token_ttl: c.tokenTtl,
    bound_tokens: c.boundTokens,
    certificates: certificates.map((x) => ({ thumbprint: x.thumbprint, created_at: x.createdAt.toISOString(), retired_at: x.retiredAt?.toISOString() ?? null })),
    created_at: c.createdAt.toISOString(),
  };
}

/** Every client, or those of one partner. */
export async function listClients(store: Store, partnerId?: string): Promise<ClientView[]> {
  if (partnerId !== undefined) await getPartner(store, partnerId);
  const clients = (await store.listClients()).filter((c) => partnerId === undefined || c.partnerId === partnerId);
  return Promise.all(clients.map((c) => showClient(store, c.id)));
}

/** Disables a client (no tokens; its live tokens introspect inactive) or re-enables it. */
export async function setClientStatus(store: Store, id: string, status: Status): Promise<ClientView> {
  await getClient(store, id);
  await store.setClientStatus(id, status);
  return showClient(store, id);
}

/**
 * Deletes a client: it gets no more tokens and its live tokens introspect inactive at once
 * (an unknown client owns no active token). Its issued certificates stay on record.
 */
export async function deleteClient(store: Store, id: string): Promise<{ id: string; deleted: true }> {
  await getClient(store, id);
  await store.deleteClient(id);
  return { id, deleted: true };
}

/**
 * Replaces a `tls_client_auth` client's one expected subject in a single change (RFC 8705
 * §2.1.2): from the next request on, only certificates with the new subject authenticate.
 */
export async function setClientSubject(store: Store, id: string, kind: SubjectMatcherKind, value: string): Promise<ClientView> {
  const client = await getClient(store, id);
  if (client.authMethod !== 'tls_client_auth') throw new InvalidClientMetadata('only a tls_client_auth client has an expected subject');
  await store.setClientSubject(id, parseSubjectMatcher(kind, value));
  return showClient(store, id);
}

/**
 * Registers one more certificate for a `self_signed_tls_client_auth` client (RFC 8705 §2.2):
 * during a rotation both the old and the new certificate authenticate.
 */
export async function addClientCertificate(store: Store, id: string, pem: string): Promise<ClientView> {
  const client = await getClient(store, id);
  if (client.authMethod !== 'self_signed_tls_client_auth') {
    throw new InvalidClientMetadata('certificates are registered for self_signed_tls_client_auth clients; a tls_client_auth client is matched by its subject');
  }
  const x509: X509Certificate = parseCertificate(pem);
  if (x509.validToDate < new Date()) throw new CertboundError('ERR_CERTBOUND_INVALID_CERTIFICATE', `the certificate expired on ${x509.validToDate.toISOString()}`);
  const thumbprint = x5tS256(x509.raw);
  const existing = (await store.listClientCertificates()).find((c) => c.clientId === id && c.thumbprint === thumbprint);
  if (existing) throw new CertboundError('ERR_CERTBOUND_EXISTS', `the certificate ${thumbprint} is already registered for '${id}'`);
  await store.addClientCertificate({ clientId: id, thumbprint, pem: x509.toString() });
  return showClient(store, id);
}

/**
 * Retires a registered certificate once the client's servers have moved to a new one: it no
 * longer authenticates. Tokens already bound to it stay valid until they expire (RFC 8705 §6.3)
 * unless revoked. The last active certificate cannot be retired: add its successor first.
 */
export async function retireClientCertificate(store: Store, id: string, thumbprint: string): Promise<ClientView> {
  await getClient(store, id);
  return store.transaction(async (tx) => {
    const active = (await tx.listClientCertificates()).filter((c) => c.clientId === id && c.retiredAt === null);
    if (!active.some((c) => c.thumbprint === thumbprint)) {
      throw new CertboundError('ERR_CERTBOUND_NOT_FOUND', `client '${id}' has no active certificate ${thumbprint}`);
    }
    if (active.length === 1) {
      throw new CertboundError('ERR_CERTBOUND_CONFLICT', `${thumbprint} is the last active certificate of '${id}': add its successor first, or disable the client`);
    }
    await tx.retireClientCertificate(id, thumbprint);
    return showClient(tx, id);
  });
}

/**
 * Revokes every live access token of a client or of all of a partner's clients: from now on
 * they introspect as inactive. Tokens issued afterwards are not affected. "Now" is the
 * database's clock, which every instance shares, unless `at` names the cutoff.
 */
export async function revokeTokens(store: Store, kind: 'client' | 'partner', id: string, at?: Date): Promise<{ kind: string; id: string; revoked_before: string }> {
  if (kind === 'client') await getClient(store, id);
  else await getPartner(store, id);
  let cutoff: Date;
  if (at === undefined) cutoff = await store.cutOffTokensNow(kind, id);
  else {
    await store.setTokenCutoff({ subjectKind: kind, subjectId: id, cutoff: at });
    cutoff = at;
  }
  return { kind, id, revoked_before: cutoff.toISOString() };
}
