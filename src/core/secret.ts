import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A new client secret: 256 random bits, base64url. Because certbound generates every secret
 * with this much entropy, a single SHA-256 is a sufficient stored form — a slow password
 * hash guards against guessing low-entropy secrets, which these are not.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The stored form of a client secret: its SHA-256. */
export function hashSecret(secret: string): Uint8Array {
  return createHash('sha256').update(secret, 'utf8').digest();
}

const NO_SUCH_SECRET = hashSecret('certbound: no such client');

/**
 * Constant-time check of a secret against its stored hash. With no stored hash (an unknown
 * client) it still hashes and compares, so the answer takes the same time either way.
 */
export function secretMatches(secret: string, stored: Uint8Array | null): boolean {
  const equal = timingSafeEqual(hashSecret(secret), stored ?? NO_SUCH_SECRET);
  return equal && stored !== null;
}
