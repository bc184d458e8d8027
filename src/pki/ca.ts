/**
 * Certification authorities: the platform root and the issuing CAs under it.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-6.1
 */
import { exportPkcs8, generateKeyPair, importPkcs8, pemToDer, type KeyPair } from './keys.ts';
import { randomSerialNumber } from './serial.ts';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SIGNING_ALGORITHM,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
  certificatePem,
  dnToName,
} from './x509.ts';
import { invalidArgValue, outOfRange } from '../core/argument-error.ts';

/** A certificate with its private key: PEM certificate, PKCS#8 DER key. */
export interface CertifiedKey {
  readonly certPem: string;
  readonly keyPkcs8: Uint8Array;
}

/** A CA ready to sign: its parsed certificate and its key pair. */
export interface LoadedIssuer {
  readonly certificate: X509Certificate;
  readonly keys: KeyPair;
}

/** One day in milliseconds. */
export const DAY_MS = 86_400_000;
/** How far notBefore is set back by default, so a peer whose clock is slightly behind accepts a fresh certificate. */
export const BACKDATE_MS = 60_000;
const CA_KEY_USAGE = KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign;
const COMMON_NAME = '2.5.4.3';
const ORGANIZATION = '2.5.4.10';

/**
 * Creates a self-signed root CA (CA:TRUE and keyCertSign|cRLSign, both critical; SKI). Default validity 10 years.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.9
 */
export async function createRootCa(opts: { readonly commonName: string; readonly days?: number }): Promise<CertifiedKey> {
  const keys = await generateKeyPair();
  const name = dnToName([[{ type: COMMON_NAME, value: nonEmpty(opts.commonName, 'commonName') }]]);
  const { notBefore, notAfter } = caValidity(opts.days ?? 3650);
  const certificate = await X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: name,
    issuer: name,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new BasicConstraintsExtension(true, undefined, true),
      new KeyUsagesExtension(CA_KEY_USAGE, true),
      await SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: certificatePem(certificate), keyPkcs8: await exportPkcs8(keys.privateKey) };
}

/**
 * Creates an issuing CA signed by `parent` (CA:TRUE with pathLen, default 0; AKI/SKI). Default validity 5 years.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.9
 */
export async function createIssuingCa(
  parent: CertifiedKey,
  opts: { readonly commonName: string; readonly organization?: string; readonly days?: number; readonly pathLength?: number },
): Promise<CertifiedKey> {
  const [issuer, keys] = await Promise.all([loadIssuer(parent), generateKeyPair()]);
  const pathLength = opts.pathLength ?? 0;
  if (!Number.isSafeInteger(pathLength) || pathLength < 0) throw outOfRange('pathLength must be a non-negative integer');
  const cn = [{ type: COMMON_NAME, value: nonEmpty(opts.commonName, 'commonName') }];
  // ASN.1 order, most significant RDN first: O, then CN.
  const subject = dnToName(
    opts.organization === undefined ? [cn] : [[{ type: ORGANIZATION, value: nonEmpty(opts.organization, 'organization') }], cn],
  );
  const { notBefore, notAfter } = caValidity(opts.days ?? 1825);
  const certificate = await X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject,
    issuer: issuer.certificate.subjectName,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new BasicConstraintsExtension(true, pathLength, true),
      new KeyUsagesExtension(CA_KEY_USAGE, true),
      await SubjectKeyIdentifierExtension.create(keys.publicKey),
      await authorityKeyIdentifier(issuer.certificate),
    ],
  });
  return { certPem: certificatePem(certificate), keyPkcs8: await exportPkcs8(keys.privateKey) };
}

/** Parses a CA's certificate and key, failing unless the certificate is a CA's and the key is its own. */
export async function loadIssuer(ca: CertifiedKey): Promise<LoadedIssuer> {
  const certificate = new X509Certificate(pemToDer(ca.certPem, 'CERTIFICATE'));
  const keys = await importPkcs8(ca.keyPkcs8);
  // A non-CA or mismatched key would sign certificates that no verifier accepts.
  if (certificate.getExtension(BasicConstraintsExtension)?.ca !== true) throw invalidArgValue('The issuer certificate is not a CA certificate');
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', keys.publicKey));
  if (!Buffer.from(certificate.publicKey.rawData).equals(spki)) throw invalidArgValue('The issuer key does not match its certificate');
  return { certificate, keys };
}

/**
 * The AKI naming the issuer's key: its own SKI when it has one, else one computed from its public key.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.1
 */
export async function authorityKeyIdentifier(issuer: X509Certificate): Promise<AuthorityKeyIdentifierExtension> {
  const ski = issuer.getExtension(SubjectKeyIdentifierExtension);
  if (ski) return new AuthorityKeyIdentifierExtension(ski.keyId);
  return AuthorityKeyIdentifierExtension.create(issuer.publicKey);
}

function caValidity(days: number): { notBefore: Date; notAfter: Date } {
  if (!(Number.isFinite(days) && days > 0)) throw outOfRange('days must be a positive number');
  const now = Date.now();
  return { notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(now + days * DAY_MS) };
}

function nonEmpty(value: string, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalidArgValue(`${name} must be a non-empty string`);
  return value;
}


