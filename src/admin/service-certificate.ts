// The token service's own TLS certificate: renewal (`certbound cert server --renew`) and the
// list of certificates about to expire (`certbound cert expiring`).
import { CertboundError } from '../core/certbound-error.ts';
import { issueCertificate } from '../pki/issue.ts';
import { watchedCertificates } from '../server/certificate-inventory.ts';
import type { Store } from '../storage/store.ts';
import { platformCa, sansOf, TOKEN_SERVICE_TLS } from './init.ts';
import { integer, object } from './input-schemas.ts';
import { defineOperation } from './operation.ts';

/**
 * Re-issues the token service's TLS certificate from the platform CA with a new key, keeping its
 * names (the subject `init` gives it), and stores it (wrapped); running instances serve it after their next
 * reload, which the admin change triggers. Returns the new certificate's public facts.
 */
export async function renewServiceCertificate(store: Store): Promise<Record<string, unknown>> {
  return store.transaction(async (tx) => {
    const current = await tx.getTlsCredential(TOKEN_SERVICE_TLS);
    if (!current) throw new CertboundError('ERR_CERTBOUND_NOT_INITIALISED', 'the store holds no TLS certificate for the token service: run certbound init');
    const root = await platformCa(tx);
    const sans = sansOf(current.certPem);
    const leaf = await issueCertificate({ certPem: root.certPem, keyPkcs8: root.keyPkcs8! }, {
      subject: 'CN=certbound token service',
      sans,
      usage: 'server',
    });
    await tx.putTlsCredential({ name: TOKEN_SERVICE_TLS, certPem: leaf.certPem, keyPkcs8: leaf.keyPkcs8! });
    return { serial: leaf.serial, thumbprint: leaf.thumbprint, not_after: leaf.notAfter.toISOString(), sans: sans.map((s) => `${s.type}:${s.value}`), cert_pem: leaf.certPem };
  });
}

/** Every watched certificate expiring within `withinMs` of `now` (expired ones included), soonest first. */
export async function expiringCertificates(store: Store, now: Date, withinMs: number): Promise<Record<string, unknown>[]> {
  const until = now.getTime() + withinMs;
  return (await watchedCertificates(store))
    .filter((c) => c.notAfter.getTime() <= until)
    .sort((a, b) => a.notAfter.getTime() - b.notAfter.getTime())
    .map((c) => ({
      kind: c.kind,
      name: c.name,
      subject: c.subject,
      serial: c.serial,
      thumbprint: c.thumbprint,
      not_after: c.notAfter.toISOString(),
      expires_in_seconds: Math.round((c.notAfter.getTime() - now.getTime()) / 1000),
    }));
}

const MAX_WITHIN_S = 3_650 * 86_400;

/** The operations on the service certificate and certificate expiry. */
export const SERVICE_CERTIFICATE_OPERATIONS = [
  defineOperation({
    id: 'listExpiringCertificates', method: 'GET', path: '/v1/certificates/expiring', changes: false,
    summary: 'Certificates expiring within within_seconds (default 30 days), expired ones included: the service TLS certificate, CAs, administrator, client and issued server certificates',
    input: object({ within_seconds: integer(0, MAX_WITHIN_S) }, []),
    run: (ctx, i) => expiringCertificates(ctx.store, new Date(), (i.within_seconds ?? 30 * 86_400) * 1000),
  }),
  defineOperation({
    id: 'renewServiceCertificate', method: 'POST', path: '/v1/service-certificate/renew', changes: true,
    summary: "Re-issue the token service's TLS certificate (new key, same names) from the platform CA; running instances serve it from their next reload, at once for this one",
    run: (ctx) => renewServiceCertificate(ctx.store),
  }),
];
