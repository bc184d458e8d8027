/**
 * Self-signed client certificates, for `self_signed_tls_client_auth` clients and tests.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-2.2
 */
import type { CertifiedKey } from './ca.ts';
import { leafExtensions, validityPeriod, type SubjectAltName } from './issue.ts';
import { exportPkcs8, generateKeyPair } from './keys.ts';
import { randomSerialNumber } from './serial.ts';
import { SIGNING_ALGORITHM, X509CertificateGenerator, certificatePem, rfc4514Name } from './x509.ts';

/**
 * Creates a self-signed end-entity certificate (CA:FALSE, clientAuth) and its key; default validity 365 days.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-2.2
 */
export async function createSelfSignedCertificate(opts: {
  readonly subject: string;
  readonly sans?: readonly SubjectAltName[];
  readonly days?: number;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}): Promise<CertifiedKey> {
  const name = rfc4514Name(opts.subject);
  const { notBefore, notAfter } = validityPeriod(opts, 365);
  const keys = await generateKeyPair();
  const certificate = await X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: name,
    issuer: name,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: await leafExtensions(keys.publicKey, 'client', opts.sans ?? []),
  });
  return { certPem: certificatePem(certificate), keyPkcs8: await exportPkcs8(keys.privateKey) };
}
