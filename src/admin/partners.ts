import { certificateFingerprint } from '../core/thumbprint.ts';
import { randomBytes, X509Certificate } from 'node:crypto';
import type { Partner } from '../core/model.ts';
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

/** Adds a partner with its own issuing CA, signed by the platform root CA. */
export async function addPartner(store: Store, id: string): Promise<Partner> {
  assertPartnerId(id);
  if (await store.getPartner(id)) throw new CertboundError('ERR_CERTBOUND_EXISTS', `partner '${id}' already exists`);
  const root = await platformCa(store);
  // The token service names every CA it trusts in its TLS CertificateRequest, which any peer
  // can read before authenticating: the CA's name must not reveal who the partner is.
  const ca = await createIssuingCa({ certPem: root.certPem, keyPkcs8: root.keyPkcs8! }, {
    commonName: `certbound partner CA ${randomBytes(8).toString('hex')}`,
  });
  return store.transaction(async (tx) => {
    const partner = await tx.addPartner(id);
    await tx.addAuthority({ id: `partner:${id}`, partnerId: id, certPem: ca.certPem, fingerprint: certificateFingerprint(new X509Certificate(ca.certPem).raw), keyPkcs8: ca.keyPkcs8 });
    return partner;
  });
}
