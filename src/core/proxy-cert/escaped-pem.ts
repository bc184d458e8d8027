/**
 * URL-encoded PEM headers: nginx `$ssl_client_escaped_cert`, AWS ALB `X-Amzn-Mtls-Clientcert-Leaf`
 * (verify mode) and `X-Amzn-Mtls-Clientcert` (pass-through, the whole chain), and Envoy's `Cert=`.
 */
import { boundedHeaderValue, leafOfChain, malformedCertificateHeader, MAX_CHAIN_LENGTH, proxyCertificate, type ProxyCertificate } from './certificate.ts';
import { decodePemCertificates } from './pem.ts';

// Visible ASCII only: encoders escape spaces and line breaks, so a raw one means something else wrote the value.
const ESCAPED = /^[\x21-\x7e]+$/;

/**
 * Percent-decodes a URL-encoded PEM (as a URI component — never as a form, since ALB leaves `+`
 * literal and a `+` is not a space) and decodes its 1 to `max` certificates to DER. A value
 * encoded twice still holds `%` after one decoding, and is refused by the PEM grammar.
 * @see https://www.rfc-editor.org/rfc/rfc3986#section-2.1
 */
export function decodeEscapedPem(value: string, max: number): Uint8Array[] {
  if (!ESCAPED.test(value)) throw malformedCertificateHeader();
  let pem: string;
  try {
    pem = decodeURIComponent(value);
  } catch {
    throw malformedCertificateHeader();
  }
  return decodePemCertificates(pem, max);
}

/**
 * Parses a header holding exactly one URL-encoded PEM certificate (nginx, ALB verify mode).
 * @see https://nginx.org/en/docs/http/ngx_http_ssl_module.html#var_ssl_client_escaped_cert
 */
export function parseEscapedPem(value: string): ProxyCertificate {
  const [der] = decodeEscapedPem(boundedHeaderValue(value), 1);
  if (der === undefined) throw malformedCertificateHeader();
  return proxyCertificate(der);
}

/**
 * Parses a header holding a URL-encoded PEM chain of 1 to 10 certificates, leaf first, and
 * returns the leaf (ALB mTLS pass-through mode).
 * @see https://docs.aws.amazon.com/elasticloadbalancing/latest/application/mutual-authentication.html
 */
export function parseEscapedPemChain(value: string): ProxyCertificate {
  return leafOfChain(decodeEscapedPem(boundedHeaderValue(value), MAX_CHAIN_LENGTH));
}
