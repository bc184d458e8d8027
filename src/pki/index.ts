/** `certbound/pki`: the development PKI — keys, CAs, certificate issuance. */
export { createIssuingCa, createRootCa, type CertifiedKey } from './ca.ts';
export {
  issueCertificate,
  type CertificateUsage,
  type IssuedLeaf,
  type IssueOptions,
  type SubjectAltName,
} from './issue.ts';
export { derToPem, exportPkcs8, generateKeyPair, importPkcs8, pemToDer, pkcs8ToPem, type KeyPair } from './keys.ts';
export { createSelfSignedCertificate } from './self-signed.ts';
export { randomSerialNumber } from './serial.ts';
