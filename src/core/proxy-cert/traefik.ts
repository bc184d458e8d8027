/** Traefik's `X-Forwarded-Tls-Client-Cert` (passTLSClientCert with `pem: true`, Traefik ≥ 2.9.4 and 3.x). */
import { decodeBase64 } from './base64.ts';
import { boundedHeaderValue, leafOfChain, malformedCertificateHeader, MAX_CHAIN_LENGTH, type ProxyCertificate } from './certificate.ts';

/**
 * Parses Traefik's value: each certificate the client sent, leaf first, as bare padded base64
 * DER (PEM without armour or line breaks), joined by `,`. Returns the leaf. Whitespace, empty
 * entries and more than 10 certificates are refused.
 * @see https://doc.traefik.io/traefik/middlewares/http/passtlsclientcert/
 */
export function parseTraefikCert(value: string): ProxyCertificate {
  const parts = boundedHeaderValue(value).split(',');
  if (parts.length > MAX_CHAIN_LENGTH) throw malformedCertificateHeader();
  return leafOfChain(parts.map(decodeBase64));
}
