import { X509Certificate } from 'node:crypto';
import type { Store } from '../storage/store.ts';
import { printableSubject } from '../pki/cert-identity.ts';
import { PLATFORM_CA } from './init.ts';

/** One certificate of the bundle, described. */
export interface BundleEntry {
  readonly fingerprint: string;
  /** `platform` for the platform root, else the partner whose imported anchor it is. */
  readonly owner: string;
  readonly subject: string;
  readonly not_after: string;
  /** Whether it is self-signed (an imported chain's root), or an issuing CA under one that is also in the bundle. */
  readonly root: boolean;
}

/** The CA certificates a TLS proxy in front of an API must trust for certbound's clients, as PEM and described. */
export interface CaBundle {
  readonly pem: string;
  readonly certificates: readonly BundleEntry[];
}

/**
 * The trust bundle for a proxy that verifies client certificates (nginx `ssl_client_certificate`,
 * HAProxy `ca-file`, Envoy `trusted_ca`): the platform root, which issued every partner CA
 * certbound holds, and each enabled partner's imported anchors. certbound-held partner CAs are
 * left out: their clients present them in their chain, and the root covers them.
 */
export async function caBundle(store: Store): Promise<CaBundle> {
  const [authorities, partners] = await Promise.all([store.listAuthorities(), store.listPartners()]);
  const enabled = new Set(partners.filter((p) => p.status === 'active').map((p) => p.id));
  const chosen = authorities.filter((ca) => ca.id === PLATFORM_CA || (ca.partnerId !== null && ca.keyPkcs8 === null && enabled.has(ca.partnerId)));
  // The platform root first, then partners in order: the file diffs cleanly as partners come and go.
  chosen.sort((a, b) => (a.id === PLATFORM_CA ? -1 : b.id === PLATFORM_CA ? 1 : a.id.localeCompare(b.id)));
  const parsed = chosen.map((ca) => ({ ca, x509: new X509Certificate(ca.certPem) }));
  return {
    // Re-encoded from the DER: one canonical PEM block per certificate, whatever was imported.
    pem: parsed.map(({ x509 }) => x509.toString()).join(''),
    certificates: parsed.map(({ ca, x509 }) => ({
      fingerprint: ca.fingerprint,
      owner: ca.partnerId ?? 'platform',
      subject: printableSubject(x509.raw),
      not_after: x509.validToDate.toISOString(),
      root: x509.checkIssued(x509) && x509.verify(x509.publicKey),
    })),
  };
}
