import { X509Certificate } from 'node:crypto';
import { CertboundError } from '../core/certbound-error.ts';
import type { CertificateAuthority } from '../core/model.ts';
import { certificateFingerprint } from '../core/thumbprint.ts';
import type { Dn } from '../core/dn.ts';
import { certIdentity, printableSubject } from '../pki/cert-identity.ts';
import { pathCertificate } from '../pki/path-certificate.ts';
import type { Store } from '../storage/store.ts';
import { crlPathOf } from '../server/crl-route.ts';
import { checkCrlSource } from '../server/crl-source.ts';

/** A partner's trust anchor as operators see it. */
export interface AnchorView {
  readonly fingerprint: string;
  /** `certbound` for the issuing CA certbound holds, `imported` for the partner's own CA. */
  readonly kind: 'certbound' | 'imported';
  readonly subject: string;
  readonly not_after: string;
  readonly crl_source: string | null;
  /** For the CA certbound holds: the path on the token service where its CRL is published. */
  readonly crl_path: string | null;
}

/** How an anchor is shown: never its key. */
export function anchorView(ca: CertificateAuthority): AnchorView {
  const x509 = new X509Certificate(ca.certPem);
  return {
    fingerprint: ca.fingerprint,
    kind: ca.keyPkcs8 ? 'certbound' : 'imported',
    subject: printableSubject(x509.raw),
    not_after: x509.validToDate.toISOString(),
    crl_source: ca.crlSource,
    crl_path: ca.keyPkcs8 ? crlPathOf(ca.fingerprint) : null,
  };
}

const CLIENT_AUTH_EKU = '1.3.6.1.5.5.7.3.2';
const ANY_EKU = '2.5.29.37.0';
const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function invalid(message: string): CertboundError {
  return new CertboundError('ERR_CERTBOUND_INVALID_CERTIFICATE', message);
}

/**
 * Parses the CA certificates of a PEM bundle to import as a partner's anchors: each must be a
 * currently valid CA certificate (basicConstraints cA), and the bundle must reach a self-signed
 * root, because the TLS stack validates paths up to one.
 */
export function parseCaBundle(pem: string, now = new Date()): X509Certificate[] {
  const blocks = pem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw invalid('no PEM certificate found (expected -----BEGIN CERTIFICATE-----)');
  const certs = blocks.map((block) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw invalid('a PEM block is not a valid X.509 certificate');
    }
  });
  for (const cert of certs) {
    const name = printableSubject(cert.raw);
    if (!cert.ca) throw invalid(`'${name}' is not a CA certificate (basicConstraints cA is not set)`);
    if (cert.validToDate < now || cert.validFromDate > now) throw invalid(`'${name}' is not valid now (${cert.validFromDate.toISOString()} to ${cert.validToDate.toISOString()})`);
    // What path validation would refuse on every request is refused here, once, with the reason.
    const facts = pathCertificate(cert);
    if (!facts) throw invalid(`'${name}' has malformed or repeated extensions`);
    if (facts.constrains) throw invalid(`'${name}' carries name or policy constraints, which certbound does not process: paths through it would be refused`);
    if (facts.extKeyUsage && !facts.extKeyUsage.some((p) => p === CLIENT_AUTH_EKU || p === ANY_EKU)) {
      throw invalid(`'${name}' is restricted (extKeyUsage) to purposes other than clientAuth: it cannot vouch for clients`);
    }
    if (facts.weakKey !== null) throw invalid(`'${name}' has ${facts.weakKey}`);
    if (facts.unknownCritical.length > 0) throw invalid(`'${name}' has a critical extension certbound does not process (${facts.unknownCritical.join(', ')})`);
  }
  return certs;
}

/** Whether `cert` is signed by one of `issuers` (or by itself, for a root). */
function chainsWithin(cert: X509Certificate, issuers: readonly X509Certificate[]): boolean {
  return [cert, ...issuers].some((issuer) => cert.checkIssued(issuer) && cert.verify(issuer.publicKey));
}

/**
 * A CA's subject folded as loosely as a relying party might ever compare names (OpenSSL's
 * canonical form lower-cases and collapses white space across string types; RFC 4518 folds
 * case and compatibility forms): two anchors with the same key here are look-alikes.
 */
function lookAlikeKey(dn: Dn): string {
  const fold = (value: string) => value.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
  return JSON.stringify(dn.map((rdn) => rdn.map((ava) => `${ava.type}=${fold(ava.value)}`).sort()));
}

/**
 * Imports CA certificates as trust anchors of a partner. An anchor belongs to one partner:
 * a certificate (by fingerprint) or a public key another partner already trusts is refused,
 * so no certificate can ever authenticate for two partners; so is a CA whose subject looks like
 * one another partner (or the platform) trusts, which would lock that partner's clients out of
 * any relying party that picks issuers by name.
 */
export async function importAnchors(store: Store, partnerId: string, pem: string, crlSource: string | null = null): Promise<AnchorView[]> {
  if (crlSource !== null) await checkCrlSource(crlSource);
  const certs = parseCaBundle(pem);
  // A CRL is signed by one CA: a source given for a bundle would be wrong for all but one of them.
  if (crlSource !== null && certs.length > 1) {
    throw new CertboundError('ERR_CERTBOUND_INVALID_INPUT', 'a CRL source goes with a single CA: import the bundle first, then set each CA\'s CRL with --crl and --ca-fingerprint');
  }
  const existing = await store.listAuthorities();
  const own = existing.filter((ca) => ca.partnerId === partnerId).map((ca) => new X509Certificate(ca.certPem));
  const othersNames = new Map(
    existing.filter((ca) => ca.partnerId !== partnerId).map((ca) => [lookAlikeKey(certIdentity(new X509Certificate(ca.certPem).raw).subject), ca] as const),
  );
  for (const cert of certs) {
    if (!chainsWithin(cert, [...own, ...certs.filter((c) => c !== cert)])) {
      throw invalid(`'${printableSubject(cert.raw)}' is not self-signed and its issuer is not among the partner's anchors: import the chain up to its root`);
    }
    const fingerprint = certificateFingerprint(cert.raw);
    for (const ca of existing) {
      const same = ca.fingerprint === fingerprint || new X509Certificate(ca.certPem).publicKey.equals(cert.publicKey);
      if (!same) continue;
      if (ca.partnerId === partnerId && ca.fingerprint === fingerprint) throw new CertboundError('ERR_CERTBOUND_EXISTS', `the CA ${fingerprint} is already an anchor of partner '${partnerId}'`);
      throw new CertboundError('ERR_CERTBOUND_CONFLICT', `the CA ${fingerprint} (or its key) is already trusted for ${ca.partnerId === null ? 'the platform' : `partner '${ca.partnerId}'`}; an anchor belongs to one partner`);
    }
    const namesake = othersNames.get(lookAlikeKey(certIdentity(cert.raw).subject));
    if (namesake) {
      throw new CertboundError(
        'ERR_CERTBOUND_PARTNER_ANCHOR_CONFLICT',
        `the CA ${fingerprint} has the subject of a CA already trusted for ${namesake.partnerId === null ? 'the platform' : 'another partner'}; give the CA a distinct subject`,
      );
    }
  }
  return store.transaction(async (tx) => {
    const views: AnchorView[] = [];
    for (const cert of certs) {
      const fingerprint = certificateFingerprint(cert.raw);
      await tx.addAuthority({ id: `partner:${partnerId}:${fingerprint}`, partnerId, certPem: cert.toString(), fingerprint, keyPkcs8: null, crlSource });
      views.push(anchorView((await tx.getAuthority(`partner:${partnerId}:${fingerprint}`))!));
    }
    return views;
  });
}

/** The partner's anchor with this fingerprint (a unique prefix of at least 8 hex digits will do). */
export async function findAnchor(store: Store, partnerId: string, fingerprint: string): Promise<CertificateAuthority> {
  const wanted = fingerprint.toLowerCase().replaceAll(':', '');
  // A short prefix is refused as such, not answered "no anchor": that would send a person looking for a missing anchor.
  if (!/^[0-9a-f]{8,64}$/.test(wanted)) {
    throw new CertboundError('ERR_CERTBOUND_INVALID_INPUT', `a fingerprint takes at least 8 hex digits (certbound partner show ${partnerId} lists them)`);
  }
  const matches = (await store.listAuthorities()).filter((ca) => ca.partnerId === partnerId && wanted.length >= 8 && ca.fingerprint.startsWith(wanted));
  if (matches.length !== 1) {
    throw new CertboundError('ERR_CERTBOUND_NOT_FOUND', matches.length === 0 ? `partner '${partnerId}' has no anchor ${fingerprint}` : `fingerprint ${fingerprint} is ambiguous: give more digits`);
  }
  return matches[0]!;
}

/** Removes an imported anchor: certificates chaining only to it stop authenticating at once. */
export async function removeAnchor(store: Store, partnerId: string, fingerprint: string): Promise<AnchorView> {
  const ca = await findAnchor(store, partnerId, fingerprint);
  if (ca.keyPkcs8) throw new CertboundError('ERR_CERTBOUND_CONFLICT', 'the issuing CA certbound holds for the partner cannot be removed; disable the partner or revoke certificates instead');
  await store.removeAuthority(ca.id);
  return anchorView(ca);
}

/** Sets (or clears, with null) where an imported anchor's CRL is fetched from. */
export async function setAnchorCrl(store: Store, partnerId: string, source: string | null, fingerprint?: string): Promise<AnchorView> {
  if (source !== null) await checkCrlSource(source);
  let ca: CertificateAuthority;
  if (fingerprint !== undefined) ca = await findAnchor(store, partnerId, fingerprint);
  else {
    const imported = (await store.listAuthorities()).filter((a) => a.partnerId === partnerId && !a.keyPkcs8);
    if (imported.length !== 1) {
      throw new CertboundError('ERR_CERTBOUND_INVALID_INPUT', imported.length === 0 ? `partner '${partnerId}' has no imported CA (certbound publishes CRLs of the CAs it holds)` : 'the partner has several imported CAs: name one by its fingerprint');
    }
    ca = imported[0]!;
  }
  if (ca.keyPkcs8) throw new CertboundError('ERR_CERTBOUND_INVALID_INPUT', 'certbound publishes the CRL of the CAs it holds: a CRL source applies to imported CAs');
  await store.setAuthorityCrlSource(ca.id, source);
  return anchorView({ ...ca, crlSource: source });
}
