// Every certificate certbound depends on or hands out, with when it expires: what the expiry
// watch (gauges, warnings) and `certbound cert expiring` look at.
import { X509Certificate } from 'node:crypto';
import type { Store } from '../storage/store.ts';

/** The token service's own TLS credential's name in the store. */
export const TOKEN_SERVICE_TLS = 'token-service';

/** What a watched certificate is to certbound. */
export type CertificateKind = 'tls' | 'platform_ca' | 'partner_ca' | 'admin' | 'client' | 'server';

/** One certificate and when it expires. */
export interface WatchedCertificate {
  readonly kind: CertificateKind;
  /** The TLS credential's name, the CA's id, the administrator's name, the client's id, or a server certificate's subject. */
  readonly name: string;
  readonly subject: string;
  /** x5t#S256 (base64url SHA-256 of the DER) where certbound records one, else null. */
  readonly thumbprint: string | null;
  readonly serial: string | null;
  readonly notAfter: Date;
}

function fromPem(kind: CertificateKind, name: string, pem: string, thumbprint: string | null = null): WatchedCertificate | null {
  try {
    const cert = new X509Certificate(pem);
    return { kind, name, subject: cert.subject.replaceAll('\n', ', '), thumbprint, serial: cert.serialNumber.toLowerCase(), notAfter: new Date(cert.validTo) };
  } catch {
    // A stored certificate that no longer parses is not watched rather than failing the watch.
    return null;
  }
}

/**
 * The certificates to watch: the token service's TLS certificate (`served`, or the stored one),
 * the platform and partner CAs, administrator certificates, and clients' certificates — the
 * registered (self-signed) ones not retired and the ones certbound issued not revoked — plus the
 * server certificates it issued (`cert server`).
 */
export async function watchedCertificates(store: Store, served?: { readonly name: string; readonly certPem: string }): Promise<WatchedCertificate[]> {
  const out: (WatchedCertificate | null)[] = [];
  const tls = served ?? (await store.getTlsCredential(TOKEN_SERVICE_TLS).then((c) => c && { name: c.name, certPem: c.certPem }));
  if (tls) out.push(fromPem('tls', tls.name, tls.certPem));
  for (const ca of await store.listAuthorities()) out.push(fromPem(ca.partnerId === null ? 'platform_ca' : 'partner_ca', ca.id, ca.certPem, ca.fingerprint));
  for (const admin of await store.listAdminCertificates()) out.push(fromPem('admin', admin.name, admin.certPem, admin.thumbprint));
  for (const c of await store.listClientCertificates()) if (c.retiredAt === null) out.push(fromPem('client', c.clientId, c.pem, c.thumbprint));
  const revoked = new Set((await store.listRevokedCertificates()).map((r) => r.thumbprint));
  for (const c of await store.listIssuedCertificates()) {
    if (revoked.has(c.thumbprint)) continue;
    out.push({ kind: c.clientId === null ? 'server' : 'client', name: c.clientId ?? c.subject, subject: c.subject, thumbprint: c.thumbprint, serial: c.serial, notAfter: c.notAfter });
  }
  return out.filter((c) => c !== null);
}
