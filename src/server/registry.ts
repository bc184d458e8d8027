import { X509Certificate } from 'node:crypto';
import type { Client, Partner, Resource } from '../core/model.ts';
import type { Store } from '../storage/store.ts';

/**
 * An in-memory snapshot of everything the token endpoint looks up, so that issuing a
 * token needs no database round trip. Rebuilt whole (`loadRegistry`) when the registry changes.
 */
export interface Registry {
  readonly clients: ReadonlyMap<string, Client>;
  readonly partners: ReadonlyMap<string, Partner>;
  readonly resources: ReadonlyMap<string, Resource>;
  /** Per partner, the CA certificates its `tls_client_auth` clients' certificates must be issued by. */
  readonly anchors: ReadonlyMap<string, readonly X509Certificate[]>;
  /** Per `self_signed_tls_client_auth` client, the thumbprints of its registered certificates. */
  readonly selfSigned: ReadonlyMap<string, ReadonlySet<string>>;
  /** PEMs of every CA the TLS listener should ask for and validate paths to: the root and the active partners' CAs. */
  readonly caPems: readonly string[];
  /**
   * Whether a certificate was issued by one of a partner's CAs (name and signature checked
   * by OpenSSL through X509Certificate), remembered per thumbprint for this registry's lifetime.
   */
  issuedByPartner(cert: X509Certificate, thumbprint: string, partnerId: string): boolean;
}

const MEMO_LIMIT = 10_000;

/** Reads the registry from the store into memory. */
export async function loadRegistry(store: Store): Promise<Registry> {
  const [clients, partners, resources, authorities, certificates] = await Promise.all([
    store.listClients(),
    store.listPartners(),
    store.listResources(),
    store.listAuthorities(),
    store.listClientCertificates(),
  ]);
  // A disabled partner's CAs leave the trust set: not named to peers, and nothing counts as issued by them.
  const active = new Set(partners.filter((p) => p.status === 'active').map((p) => p.id));
  const trusted = authorities.filter((ca) => ca.partnerId === null || active.has(ca.partnerId));
  const anchors = new Map<string, X509Certificate[]>();
  for (const ca of trusted) {
    if (ca.partnerId === null) continue;
    const list = anchors.get(ca.partnerId) ?? [];
    list.push(new X509Certificate(ca.certPem));
    anchors.set(ca.partnerId, list);
  }
  const selfSigned = new Map<string, Set<string>>();
  for (const cert of certificates) {
    const set = selfSigned.get(cert.clientId) ?? new Set<string>();
    set.add(cert.thumbprint);
    selfSigned.set(cert.clientId, set);
  }
  const memo = new Map<string, boolean>();
  return {
    clients: new Map(clients.map((c) => [c.id, c])),
    partners: new Map(partners.map((p) => [p.id, p])),
    resources: new Map(resources.map((r) => [r.uri, r])),
    anchors,
    selfSigned,
    caPems: trusted.map((ca) => ca.certPem),
    issuedByPartner(cert, thumbprint, partnerId) {
      const key = `${partnerId}\n${thumbprint}`;
      let issued = memo.get(key);
      if (issued === undefined) {
        // A signature check costs ~60 µs; the answer for a given certificate and CA set never changes.
        issued = (anchors.get(partnerId) ?? []).some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
        if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value!);
        memo.set(key, issued);
      }
      return issued;
    },
  };
}
