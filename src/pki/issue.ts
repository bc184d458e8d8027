/**
 * End-entity certificates for TLS clients and servers, signed by a certbound CA.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.1
 */
import { isIP } from 'node:net';
import { x5tS256, type Thumbprint } from '../core/thumbprint.ts';
import { BACKDATE_MS, DAY_MS, authorityKeyIdentifier, loadIssuer, type CertifiedKey } from './ca.ts';
import { exportPkcs8, generateKeyPair } from './keys.ts';
import { randomSerialNumber } from './serial.ts';
import {
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  type Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  Name,
  SIGNING_ALGORITHM,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509CertificateGenerator,
  certificatePem,
  rfc4514Name,
} from './x509.ts';
import { invalidArgValue, outOfRange } from '../core/argument-error.ts';

/** A subjectAltName entry. @see https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.6 */
export interface SubjectAltName {
  readonly type: 'dns' | 'ip' | 'uri' | 'email';
  readonly value: string;
}

/** What a leaf certificate is for: its extendedKeyUsage. @see https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.12 */
export type CertificateUsage = 'client' | 'server';

/** Options of {@link issueCertificate}. */
export interface IssueOptions {
  /** RFC 4514 distinguished name, e.g. `CN=c1, O=acme`. */
  readonly subject: string;
  /** The subject as DER (from a CSR), used as is instead of `subject`. */
  readonly subjectDer?: ArrayBuffer;
  readonly sans?: readonly SubjectAltName[];
  readonly usage: CertificateUsage;
  /** Validity from notBefore (default: now); 397 for server and 365 for client certificates. */
  readonly days?: number;
  /** The subject's public key (e.g. from a CSR); when absent a key pair is generated. */
  readonly publicKey?: CryptoKey;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

/** An issued certificate and what certbound records about it. */
export interface IssuedLeaf {
  readonly certPem: string;
  /** The generated private key, or null when the caller supplied the public key. */
  readonly keyPkcs8: Uint8Array | null;
  /** Serial number, lowercase hex. */
  readonly serial: string;
  readonly thumbprint: Thumbprint;
  readonly notAfter: Date;
}

/**
 * Issues a leaf certificate (CA:FALSE and digitalSignature, both critical; EKU clientAuth or serverAuth; SAN; AKI/SKI).
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1
 */
export async function issueCertificate(issuer: CertifiedKey, opts: IssueOptions): Promise<IssuedLeaf> {
  const sans = opts.sans ?? [];
  // TLS clients match server names against SANs only (RFC 9525 dropped the CN fallback).
  if (opts.usage === 'server' && !sans.some((san) => san.type === 'dns' || san.type === 'ip')) {
    throw invalidArgValue('A server certificate needs a dns or ip subjectAltName');
  }
  if (opts.publicKey !== undefined && opts.publicKey.type !== 'public') throw invalidArgValue('publicKey must be a public key');
  const subject = opts.subjectDer ? new Name(opts.subjectDer) : rfc4514Name(opts.subject);
  const { notBefore, notAfter } = validityPeriod(opts, opts.usage === 'server' ? 397 : 365);
  const [ca, keys] = await Promise.all([
    loadIssuer(issuer),
    opts.publicKey ? { publicKey: opts.publicKey, privateKey: null } : generateKeyPair(),
  ]);
  const certificate = await X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject,
    issuer: ca.certificate.subjectName,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      ...(await leafExtensions(keys.publicKey, opts.usage, sans)),
      await authorityKeyIdentifier(ca.certificate),
    ],
  });
  return {
    certPem: certificatePem(certificate),
    keyPkcs8: keys.privateKey ? await exportPkcs8(keys.privateKey) : null,
    serial: certificate.serialNumber.toLowerCase(),
    thumbprint: x5tS256(new Uint8Array(certificate.rawData)),
    notAfter: certificate.notAfter,
  };
}

/**
 * End-entity extensions: CA:FALSE and digitalSignature (critical), the EKU, SKI, and the SAN when given.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.3
 */
export async function leafExtensions(
  publicKey: CryptoKey,
  usage: CertificateUsage,
  sans: readonly SubjectAltName[],
): Promise<Extension[]> {
  const extensions: Extension[] = [
    new BasicConstraintsExtension(false, undefined, true),
    new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
    new ExtendedKeyUsageExtension([usage === 'server' ? ExtendedKeyUsage.serverAuth : ExtendedKeyUsage.clientAuth]),
    await SubjectKeyIdentifierExtension.create(publicKey),
  ];
  if (sans.length > 0) extensions.push(subjectAltNames(sans));
  return extensions;
}

/**
 * A subjectAltName extension; values are checked so a typo cannot yield a name no peer matches.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.6
 */
export function subjectAltNames(sans: readonly SubjectAltName[]): SubjectAlternativeNameExtension {
  return new SubjectAlternativeNameExtension(
    sans.map(({ type, value }) => {
      const valid =
        type === 'ip' ? isIP(value) !== 0
        : type === 'uri' ? URL.canParse(value)
        : type === 'email' ? /^[^\s@]+@[^\s@]+$/.test(value)
        : /^[A-Za-z0-9*_.-]+$/.test(value);
      if (!valid) throw invalidArgValue(`Invalid ${type} subjectAltName`);
      return { type: type === 'uri' ? 'url' : type, value };
    }),
  );
}

/**
 * notBefore/notAfter from explicit dates or `days`; an explicit notBefore is kept as given,
 * a default one is set back a minute for clock skew. notAfter must follow notBefore.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.5
 */
export function validityPeriod(
  opts: { readonly days?: number; readonly notBefore?: Date; readonly notAfter?: Date },
  defaultDays: number,
): { notBefore: Date; notAfter: Date } {
  const days = opts.days ?? defaultDays;
  if (!(Number.isFinite(days) && days > 0)) throw outOfRange('days must be a positive number');
  const start = opts.notBefore?.getTime() ?? Date.now();
  const notBefore = opts.notBefore ?? new Date(start - BACKDATE_MS);
  const notAfter = opts.notAfter ?? new Date(start + days * DAY_MS);
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) throw invalidArgValue('Invalid date');
  if (notAfter.getTime() <= notBefore.getTime()) throw outOfRange('notAfter must be later than notBefore');
  return { notBefore, notAfter };
}


