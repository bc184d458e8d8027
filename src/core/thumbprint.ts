import { createHash } from 'node:crypto';

declare const thumbprintBrand: unique symbol;

/** A certificate's `x5t#S256`: base64url (no padding) of SHA-256 over its DER. */
export type Thumbprint = string & { readonly [thumbprintBrand]: true };

const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

/**
 * The `x5t#S256` thumbprint of a DER-encoded certificate.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3.1
 */
export function x5tS256(der: Uint8Array): Thumbprint {
  return createHash('sha256').update(der).digest('base64url') as Thumbprint;
}

/**
 * Narrows an untrusted value to a well-formed thumbprint: 43 base64url characters,
 * no padding, no whitespace, decoding to exactly 32 bytes.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3.1
 */
export function isThumbprint(value: unknown): value is Thumbprint {
  // 43 chars carry 258 bits; the last char must leave the two spare bits zero to be canonical.
  return typeof value === 'string' && THUMBPRINT.test(value) && 'AEIMQUYcgkosw048'.includes(value.at(-1) ?? '');
}

/** A CA certificate's SHA-256 fingerprint (lowercase hex over its DER): how trust anchors are identified, never by name. */
export function certificateFingerprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}
