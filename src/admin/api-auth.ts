import type { TLSSocket } from 'node:tls';
import { peerCertificate } from '../transport/tls.ts';
import type { Store } from '../storage/store.ts';

/** Who an admin API request comes from: an administrator, or a refusal with its status and reason. */
export type AdminAuthentication =
  | { readonly ok: true; readonly name: string; readonly thumbprint: string }
  | { readonly ok: false; readonly status: 401 | 403; readonly reason: AdminRefusal; readonly thumbprint: string | null };

/** Why a request was refused; recorded in the audit log, never sent. */
export type AdminRefusal = 'no_certificate' | 'not_an_administrator' | 'outside_validity_period';

/**
 * Authenticates an admin API request by the certificate of its TLS connection: its x5t#S256
 * must be a registered administrator certificate's, and it must be within its validity period.
 * The chain is not what decides: administrators are pinned, so a certificate a partner CA
 * issued is never one, however it chains. Looked up on every request, so a removed
 * administrator certificate is refused from the next request on.
 */
export async function authenticateAdmin(store: Store, socket: TLSSocket, now: Date): Promise<AdminAuthentication> {
  // Read once per connection; renegotiation is disabled on the listener, so it cannot change.
  const cert = peerCertificate(socket);
  if (!cert) return { ok: false, status: 401, reason: 'no_certificate', thumbprint: null };
  const admin = await store.getAdminCertificate(cert.thumbprint);
  if (!admin) return { ok: false, status: 403, reason: 'not_an_administrator', thumbprint: cert.thumbprint };
  if (now < cert.x509.validFromDate || now > cert.x509.validToDate) {
    return { ok: false, status: 403, reason: 'outside_validity_period', thumbprint: cert.thumbprint };
  }
  return { ok: true, name: admin.name, thumbprint: cert.thumbprint };
}
