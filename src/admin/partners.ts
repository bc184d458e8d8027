import { certificateFingerprint } from '../core/thumbprint.ts';
import { randomBytes, X509Certificate } from 'node:crypto';
import type { Partner, Status } from '../core/model.ts';
import { anchorView, importAnchors, type AnchorView } from './anchors.ts';
import { createIssuingCa } from '../pki/ca.ts';
import type { Store } from '../storage/store.ts';
import { platformCa } from './init.ts';
import { CertboundError } from '../core/certbound-error.ts';

const ID = /^[a-z0-9](?:[a-z0-9._-]{0,62})$/;

/** Checks a partner id: lowercase letters, digits, `.`, `_`, `-`, at most 63 characters. */
export function assertPartnerId(id: string): void {
  if (!ID.test(id)) {
    throw new CertboundError('ERR_CERTBOUND_INVALID_ID', `invalid partner id '${id}': use 1-63 lowercase letters, digits, '.', '_' or '-'`);
  }
}

/** A partner as operators see it. */
export interface PartnerView {
  readonly id: string;
  readonly status: Status;
  readonly created_at: string;
  readonly anchors: readonly AnchorView[];
  readonly clients: readonly string[];
  readonly resources: readonly string[];
}

/**
 * Adds a partner. Its trust anchors are either an issuing CA that certbound creates for it
 * under the platform root (the default), or the partner's own CA certificates (`caPem`),
 * imported without their keys.
 */
export async function addPartner(store: Store, id: string, options: { caPem?: string | undefined; crlSource?: string | null } = {}): Promise<PartnerView> {
  assertPartnerId(id);
  if (await store.getPartner(id)) throw new CertboundError('ERR_CERTBOUND_EXISTS', `partner '${id}' already exists`);
  if (options.caPem !== undefined) {
    const caPem = options.caPem;
    await store.transaction(async (tx) => {
      await tx.addPartner(id);
      await importAnchors(tx, id, caPem, options.crlSource ?? null);
    });
    return showPartner(store, id);
  }
  const root = await platformCa(store);
  // The token service names every CA it trusts in its TLS CertificateRequest, which any peer
  // can read before authenticating: the CA's name must not reveal who the partner is.
  const ca = await createIssuingCa({ certPem: root.certPem, keyPkcs8: root.keyPkcs8! }, {
    commonName: `certbound partner CA ${randomBytes(8).toString('hex')}`,
  });
  await store.transaction(async (tx) => {
    await tx.addPartner(id);
    await tx.addAuthority({ id: `partner:${id}`, partnerId: id, certPem: ca.certPem, fingerprint: certificateFingerprint(new X509Certificate(ca.certPem).raw), keyPkcs8: ca.keyPkcs8 });
  });
  return showPartner(store, id);
}

/** A partner that must exist. */
export async function getPartner(store: Store, id: string): Promise<Partner> {
  const partner = await store.getPartner(id);
  if (!partner) throw new CertboundError('ERR_CERTBOUND_NOT_FOUND', `partner '${id}' does not exist`);
  return partner;
}

/** A partner with its anchors, clients and the resources it owns. */
export async function showPartner(store: Store, id: string): Promise<PartnerView> {
  const partner = await getPartner(store, id);
  const [authorities, clients, resources] = await Promise.all([store.listAuthorities(), store.listClients(), store.listResources()]);
  return {
    id: partner.id,
    status: partner.status,
    created_at: partner.createdAt.toISOString(),
    anchors: authorities.filter((ca) => ca.partnerId === id).map(anchorView),
    clients: clients.filter((c) => c.partnerId === id).map((c) => c.id),
    resources: resources.filter((r) => r.partnerId === id).map((r) => r.uri),
  };
}

/** Every partner, with its anchors, clients and resources. */
export async function listPartners(store: Store): Promise<PartnerView[]> {
  const partners = await store.listPartners();
  return Promise.all(partners.map((p) => showPartner(store, p.id)));
}

/**
 * Disables or re-enables a partner. While disabled its clients get no tokens, its anchors
 * leave the TLS trust set, and its live tokens introspect as inactive; re-enabling restores
 * them (use revoke-tokens to end them for good).
 */
export async function setPartnerStatus(store: Store, id: string, status: Status): Promise<PartnerView> {
  await getPartner(store, id);
  await store.setPartnerStatus(id, status);
  return showPartner(store, id);
}

/** Deletes a partner with its anchors and grants — only once it has no clients left. */
export async function deletePartner(store: Store, id: string): Promise<{ id: string; deleted: true }> {
  return store.transaction(async (tx) => {
    const view = await showPartner(tx, id);
    if (view.clients.length > 0) {
      throw new CertboundError('ERR_CERTBOUND_CONFLICT', `partner '${id}' still has clients (${view.clients.join(', ')}): delete them first (certbound client delete <client-id>; a client cannot move to another partner)`);
    }
    const owned = new Set(view.resources);
    const users = (await tx.listClients()).filter((c) => c.resources.some((r) => owned.has(r)) || c.introspects.some((r) => owned.has(r)));
    if (users.length > 0) {
      throw new CertboundError('ERR_CERTBOUND_CONFLICT', `clients of other partners are registered for partner '${id}''s resources (${users.map((c) => c.id).join(', ')})`);
    }
    await tx.deletePartner(id);
    return { id, deleted: true as const };
  });
}
