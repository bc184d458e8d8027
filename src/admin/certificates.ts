import { CertboundError } from '../core/certbound-error.ts';
import type { IssuedCertificate, RevokedCertificate } from '../core/model.ts';
import { canonicalSerial } from '../core/serial.ts';
import { isThumbprint } from '../core/thumbprint.ts';
import { InvalidCsr, verifyCsr } from '../pki/csr.ts';
import { issueCertificate } from '../pki/issue.ts';
import type { Store } from '../storage/store.ts';
import { getPartner } from './partners.ts';

/** The SPIFFE trust domain certbound names clients in (setting `trust_domain`). */
export const DEFAULT_TRUST_DOMAIN = 'certbound.local';
const TRUST_DOMAIN = /^[a-z0-9._-]{1,255}$/;

/** Checks a SPIFFE trust domain: lowercase letters, digits, '.', '_' and '-'. */
export function assertTrustDomain(domain: string): void {
  if (!TRUST_DOMAIN.test(domain)) {
    throw new CertboundError('ERR_CERTBOUND_INVALID_INPUT', `invalid trust domain '${domain}': use lowercase letters, digits, '.', '_' or '-'`);
  }
}

/** The configured trust domain. */
export async function trustDomain(store: Store): Promise<string> {
  return (await store.getSetting('trust_domain')) ?? DEFAULT_TRUST_DOMAIN;
}

/** The SAN URI naming a partner's client: `spiffe://<trust-domain>/partner/<partner>/client/<client>`. */
export function clientSpiffeId(domain: string, partnerId: string, clientId: string): string {
  return `spiffe://${domain}/partner/${encodeURIComponent(partnerId)}/client/${encodeURIComponent(clientId)}`;
}

/** The partner's issuing CA, which certbound must hold the key of. */
export async function partnerIssuer(store: Store, partnerId: string): Promise<{ id: string; certPem: string; keyPkcs8: Uint8Array }> {
  await getPartner(store, partnerId);
  const ca = await store.getAuthority(`partner:${partnerId}`);
  if (!ca?.keyPkcs8) {
    throw new CertboundError('ERR_CERTBOUND_NO_CA_KEY', `partner '${partnerId}' uses its own CA (imported): certbound holds no key to issue from; the partner issues its certificates itself`);
  }
  return { id: ca.id, certPem: ca.certPem, keyPkcs8: ca.keyPkcs8 };
}

/** A certificate signed for a partner, with the chain a client presents (leaf, then the partner CA). */
export interface SignedCertificate {
  readonly serial: string;
  readonly thumbprint: string;
  readonly subject: string;
  readonly not_after: string;
  readonly cert_pem: string;
  readonly chain_pem: string;
}

const MAX_DAYS = 397;

/**
 * Signs a partner's CSR with the partner's issuing CA, so that the private key never leaves the
 * partner. The certificate takes the CSR's subject and key only; it is a clientAuth leaf carrying
 * the client's SPIFFE SAN URI (when the client is named) and any extra SAN URIs.
 */
export async function signCsr(
  store: Store,
  request: { partner: string; csr: string; client?: string | undefined; days?: number | undefined; sanUris?: readonly string[] | undefined },
): Promise<SignedCertificate> {
  const days = request.days ?? 90;
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    throw new CertboundError('ERR_CERTBOUND_INVALID_INPUT', `days must be a whole number from 1 to ${MAX_DAYS}`);
  }
  const issuer = await partnerIssuer(store, request.partner);
  if (request.client !== undefined) {
    const client = await store.getClient(request.client);
    if (!client) throw new CertboundError('ERR_CERTBOUND_NOT_FOUND', `client '${request.client}' does not exist`);
    if (client.partnerId !== request.partner) throw new CertboundError('ERR_CERTBOUND_FORBIDDEN', `client '${request.client}' is not a client of partner '${request.partner}'`);
  }
  let csr;
  try {
    csr = await verifyCsr(request.csr);
  } catch (err) {
    if (err instanceof InvalidCsr) throw new CertboundError('ERR_CERTBOUND_INVALID_CERTIFICATE', err.message);
    throw err;
  }
  const uris = [...(request.sanUris ?? [])];
  for (const uri of uris) {
    if (!URL.canParse(uri)) throw new CertboundError('ERR_CERTBOUND_INVALID_SAN', `invalid --san-uri '${uri}': an absolute URI is expected`);
    // SPIFFE IDs name partners and clients: only certbound writes them (from --client), so a
    // certificate can never carry another partner's or client's identity.
    if (new URL(uri).protocol === 'spiffe:') {
      throw new CertboundError('ERR_CERTBOUND_INVALID_SAN', `--san-uri '${uri}': SPIFFE IDs are set by certbound from --client, not given`);
    }
  }
  if (request.client !== undefined) uris.unshift(clientSpiffeId(await trustDomain(store), request.partner, request.client));
  const leaf = await issueCertificate(issuer, {
    subject: csr.subject,
    subjectDer: csr.subjectDer,
    publicKey: csr.publicKey,
    sans: [...new Set(uris)].map((value) => ({ type: 'uri' as const, value })),
    usage: 'client',
    days,
  });
  await store.recordIssuedCertificate({
    serial: leaf.serial,
    issuerId: issuer.id,
    clientId: request.client ?? null,
    subject: csr.subject,
    thumbprint: leaf.thumbprint,
    notAfter: leaf.notAfter,
  });
  return {
    serial: leaf.serial,
    thumbprint: leaf.thumbprint,
    subject: csr.subject,
    not_after: leaf.notAfter.toISOString(),
    cert_pem: leaf.certPem,
    chain_pem: leaf.certPem + issuer.certPem,
  };
}

/** RFC 5280 §5.3.1 reason names certbound accepts. */
export const REVOCATION_REASONS = ['unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation'] as const;

/**
 * Revokes a certificate by serial (one a certbound CA issued) or by `x5t#S256` thumbprint
 * (any certificate, e.g. a self-signed one): token requests with it fail with `invalid_client`
 * at once, and it is listed on the issuing partner CA's CRL. Tokens already bound to it stay
 * valid until they expire unless revoked too (RFC 8705 §6.3).
 */
export async function revokeCertificate(
  store: Store,
  which: { serial?: string | undefined; thumbprint?: string | undefined; reason?: string | undefined },
): Promise<RevokedCertificate> {
  const reason = which.reason ?? 'unspecified';
  if (!(REVOCATION_REASONS as readonly string[]).includes(reason)) {
    throw new CertboundError('ERR_CERTBOUND_INVALID_INPUT', `reason must be one of ${REVOCATION_REASONS.join(', ')}`);
  }
  if ((which.serial === undefined) === (which.thumbprint === undefined)) {
    throw new CertboundError('ERR_CERTBOUND_INVALID_INPUT', 'name the certificate by exactly one of serial or thumbprint');
  }
  const issued = await store.listIssuedCertificates();
  let record: IssuedCertificate | undefined;
  let thumbprint: string;
  if (which.serial !== undefined) {
    let serial: string;
    try {
      serial = canonicalSerial(which.serial);
    } catch {
      throw new CertboundError('ERR_CERTBOUND_INVALID_INPUT', `invalid serial '${which.serial}': hex expected`);
    }
    record = issued.find((c) => canonicalSerial(c.serial) === serial);
    if (!record) throw new CertboundError('ERR_CERTBOUND_NOT_FOUND', `no certificate with serial ${which.serial} was issued by certbound: revoke it by thumbprint`);
    thumbprint = record.thumbprint;
  } else {
    if (!isThumbprint(which.thumbprint)) throw new CertboundError('ERR_CERTBOUND_INVALID_INPUT', 'a thumbprint is the 43-character base64url x5t#S256');
    thumbprint = which.thumbprint;
    record = issued.find((c) => c.thumbprint === thumbprint);
  }
  const clientId = record?.clientId ?? (await clientOfThumbprint(store, thumbprint));
  const partnerId = record?.issuerId.startsWith('partner:') ? record.issuerId.slice('partner:'.length) : clientId === null ? null : ((await store.getClient(clientId))?.partnerId ?? null);
  const revoked = { thumbprint, serial: record?.serial ?? null, issuerId: record?.issuerId ?? null, partnerId, clientId, reason };
  if (!(await store.revokeCertificate(revoked))) {
    throw new CertboundError('ERR_CERTBOUND_EXISTS', `the certificate ${thumbprint} is already revoked`);
  }
  return (await store.listRevokedCertificates()).find((r) => r.thumbprint === thumbprint)!;
}

async function clientOfThumbprint(store: Store, thumbprint: string): Promise<string | null> {
  return (await store.listClientCertificates()).find((c) => c.thumbprint === thumbprint)?.clientId ?? null;
}

/** Certificates certbound issued, with their revocation state; optionally of one partner. */
export async function listCertificates(store: Store, partnerId?: string): Promise<Record<string, unknown>[]> {
  const [issued, revoked] = await Promise.all([store.listIssuedCertificates(), store.listRevokedCertificates()]);
  const byThumbprint = new Map(revoked.map((r) => [r.thumbprint, r]));
  return issued
    .filter((c) => partnerId === undefined || c.issuerId === `partner:${partnerId}`)
    .map((c) => ({
      serial: c.serial,
      issuer: c.issuerId,
      client: c.clientId,
      subject: c.subject,
      thumbprint: c.thumbprint,
      not_after: c.notAfter.toISOString(),
      revoked_at: byThumbprint.get(c.thumbprint)?.revokedAt.toISOString() ?? null,
    }));
}
