/**
 * The TLS policy of every certbound listener (the token service, the admin API) and the one
 * recommended to resource servers: TLS 1.3, or TLS 1.2 with ECDHE key exchange and AEAD
 * ciphers only. Spread it into `https.createServer` / `tls.createServer` options.
 * @see https://www.rfc-editor.org/rfc/rfc9325#section-4.2
 */
export interface TlsPolicy {
  readonly minVersion: 'TLSv1.2';
  readonly maxVersion: 'TLSv1.3';
  /** OpenSSL cipher list: the TLS 1.3 suites, then TLS 1.2 ECDHE with AES-GCM or ChaCha20-Poly1305. */
  readonly ciphers: string;
  /** The server's order wins, so a TLS 1.2 peer gets forward secrecy and AEAD before anything it lists first. */
  readonly honorCipherOrder: true;
}

/**
 * TLS 1.3 suites first (Node negotiates TLS 1.3 whenever the peer offers it), then the RFC 9325
 * §4.2 TLS 1.2 suites minus DHE (finite-field groups of unknown size): no CBC, no static RSA key
 * exchange, no SHA-1 MACs.
 */
const CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** certbound's TLS policy: TLS 1.2 (ECDHE + AEAD only) or TLS 1.3. */
export const TLS_POLICY: TlsPolicy = Object.freeze({
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.3',
  ciphers: CIPHERS,
  honorCipherOrder: true,
});
