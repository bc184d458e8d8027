import { X509Certificate } from 'node:crypto';
import { CertboundError } from '../core/certbound-error.ts';
import { issueCertificate } from '../pki/issue.ts';
import { pkcs8ToPem } from '../pki/keys.ts';
import type { Store } from '../storage/store.ts';
import { parseCertificate } from './clients.ts';
import { platformCa } from './init.ts';
import { x5tS256 } from '../core/thumbprint.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** An administrator certificate as shown: never a key. */
export interface AdminCertificateView {
  readonly name: string;
  readonly thumbprint: string;
  readonly created_at: string;
}

/** A new administrator certificate; the key is present when certbound generated it. */
export interface NewAdminCertificate extends AdminCertificateView {
  readonly cert_pem: string;
  readonly key_pem: string | null;
  readonly ca_pem: string;
}

/**
 * Registers an administrator certificate for the admin API: the given one (PEM), or a
 * new one issued from the platform CA with a fresh key. Admin certificates are pinned by
 * thumbprint: no other certificate, however it chains, is an administrator.
 */
export async function addAdminCertificate(store: Store, name: string, certificate?: string): Promise<NewAdminCertificate> {
  if (!NAME.test(name)) throw new CertboundError('ERR_CERTBOUND_INVALID_ID', `invalid name '${name}': use letters, digits, '.', '_' or '-'`);
  const root = await platformCa(store);
  let certPem: string;
  let keyPem: string | null = null;
  if (certificate !== undefined) {
    const x509 = parseCertificate(certificate);
    if (x509.validToDate < new Date()) throw new CertboundError('ERR_CERTBOUND_INVALID_CERTIFICATE', 'the certificate has expired');
    await assertNotAPartnersCertificate(store, x509);
    certPem = x509.toString();
  } else {
    const leaf = await issueCertificate({ certPem: root.certPem, keyPkcs8: root.keyPkcs8! }, { subject: `CN=${name}, O=certbound administrators`, usage: 'client', days: 365 });
    certPem = leaf.certPem;
    keyPem = pkcs8ToPem(leaf.keyPkcs8!);
  }
  const thumbprint = x5tS256(new X509Certificate(certPem).raw);
  if (await store.getAdminCertificate(thumbprint)) throw new CertboundError('ERR_CERTBOUND_EXISTS', `the certificate ${thumbprint} is already an administrator`);
  await store.addAdminCertificate({ thumbprint, name, certPem });
  const stored = (await store.getAdminCertificate(thumbprint))!;
  return { name, thumbprint, created_at: stored.createdAt.toISOString(), cert_pem: certPem, key_pem: keyPem, ca_pem: root.certPem };
}

/**
 * Refuses a certificate that belongs to a partner — registered for a client, issued for one by
 * certbound, or issued under a partner's CA — so that no mistake makes a partner an administrator.
 */
async function assertNotAPartnersCertificate(store: Store, x509: X509Certificate): Promise<void> {
  const thumbprint = x5tS256(x509.raw);
  const [registered, issued, authorities] = await Promise.all([store.listClientCertificates(), store.listIssuedCertificates(), store.listAuthorities()]);
  const ofClient = registered.some((c) => c.thumbprint === thumbprint) || issued.some((c) => c.thumbprint === thumbprint && c.clientId !== null);
  const underPartnerCa = authorities.some((ca) => ca.partnerId !== null && x509.checkIssued(new X509Certificate(ca.certPem)) && x509.verify(new X509Certificate(ca.certPem).publicKey));
  if (ofClient || underPartnerCa) {
    throw new CertboundError('ERR_CERTBOUND_FORBIDDEN', "this is a partner's certificate (a client's, or issued under a partner CA): administrators need certificates of their own");
  }
}

/** Every administrator certificate. */
export async function listAdminCertificates(store: Store): Promise<AdminCertificateView[]> {
  return (await store.listAdminCertificates()).map((c) => ({ name: c.name, thumbprint: c.thumbprint, created_at: c.createdAt.toISOString() }));
}

/** Removes an administrator certificate: it is refused from the next request on. */
export async function removeAdminCertificate(store: Store, thumbprint: string): Promise<{ thumbprint: string; removed: true }> {
  if (!(await store.removeAdminCertificate(thumbprint))) throw new CertboundError('ERR_CERTBOUND_NOT_FOUND', `no administrator certificate ${thumbprint}`);
  return { thumbprint, removed: true };
}
