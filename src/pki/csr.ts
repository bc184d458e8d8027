import { printableName } from './cert-identity.ts';
import { Pkcs10CertificateRequest } from './x509.ts';

/** What a verified certificate signing request asks for. */
export interface VerifiedCsr {
  /** The requested subject, RFC 4514 (most specific RDN first), for display. */
  readonly subject: string;
  /** The requested subject's DER, copied as is into the certificate. */
  readonly subjectDer: ArrayBuffer;
  readonly publicKey: CryptoKey;
}

/** A CSR that is malformed or whose self-signature does not verify. */
export class InvalidCsr extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCsr';
  }
}

/**
 * Parses a PKCS#10 request (PEM or DER) and checks its self-signature, which proves the
 * requester holds the private key; only the subject and the key are taken from it, never
 * its requested extensions.
 * @see https://www.rfc-editor.org/rfc/rfc2986
 */
export async function verifyCsr(input: string | Uint8Array): Promise<VerifiedCsr> {
  let csr: Pkcs10CertificateRequest;
  try {
    csr = new Pkcs10CertificateRequest(typeof input === 'string' ? input : new Uint8Array(input));
  } catch {
    throw new InvalidCsr('not a PKCS#10 certificate signing request (expected -----BEGIN CERTIFICATE REQUEST-----)');
  }
  let ok = false;
  let publicKey: CryptoKey;
  try {
    ok = await csr.verify();
    publicKey = await csr.publicKey.export();
  } catch {
    throw new InvalidCsr('the CSR uses a key or signature algorithm certbound does not accept (use ECDSA P-256/P-384 or RSA ≥ 2048)');
  }
  if (!ok) throw new InvalidCsr('the CSR signature does not verify: it was not signed with the key it carries');
  const { modulusLength } = publicKey.algorithm as { modulusLength?: number };
  if (modulusLength !== undefined && modulusLength < 2048) throw new InvalidCsr(`an RSA key of ${modulusLength} bits is too weak: use at least 2048`);
  const subjectDer = csr.subjectName.toArrayBuffer();
  return { subject: printableName(subjectDer), subjectDer, publicKey };
}
