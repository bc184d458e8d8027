import { timingSafeEqual } from 'node:crypto';
import { isThumbprint, type Thumbprint } from './thumbprint.ts';

/** The confirmation claim of a certificate-bound access token. */
export interface CertificateConfirmation {
  readonly 'x5t#S256': Thumbprint;
}

/**
 * Builds the `cnf` claim binding a token to a certificate.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3.1
 */
export function certificateConfirmation(thumbprint: Thumbprint): CertificateConfirmation {
  return { 'x5t#S256': thumbprint };
}

/**
 * Reads the bound thumbprint from an untrusted `cnf` claim. Returns undefined for a token
 * without `cnf`; throws TypeError for a `cnf` certbound cannot check (another or an extra
 * confirmation method, a malformed thumbprint): such a token must be refused, not treated
 * as unbound.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-7.2
 */
export function boundThumbprint(cnf: unknown): Thumbprint | undefined {
  if (cnf === undefined) return undefined;
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) {
    throw new TypeError('cnf is not an object');
  }
  const keys = Object.keys(cnf);
  // Fail closed on any other member (x5t, jkt, x5t#S512…): only x5t#S256 is defined for mTLS.
  if (keys.length !== 1 || keys[0] !== 'x5t#S256') throw new TypeError('cnf carries an unsupported confirmation method');
  const value: unknown = (cnf as Record<string, unknown>)['x5t#S256'];
  if (!isThumbprint(value)) throw new TypeError('cnf x5t#S256 is malformed');
  return value;
}

/**
 * Constant-time comparison of two thumbprints.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3
 */
export function thumbprintsEqual(a: Thumbprint, b: Thumbprint): boolean {
  const x = Buffer.from(a, 'base64url');
  const y = Buffer.from(b, 'base64url');
  return x.length === y.length && timingSafeEqual(x, y);
}
