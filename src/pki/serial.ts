/**
 * Certificate serial numbers.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.2
 */
import { randomBytes } from 'node:crypto';

/**
 * A random, positive 16-octet serial number as lowercase hex. The top bits are
 * fixed at `01` so the DER INTEGER is always exactly 16 octets (positive, no
 * leading zero to strip, ≤ 20 octets) and still carries 126 random bits.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.2
 */
export function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = 0x40 | ((bytes[0] ?? 0) & 0x3f);
  return bytes.toString('hex');
}
