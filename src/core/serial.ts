/**
 * One spelling of a certificate serial number (lowercase hex, no leading zeros), so that
 * serials from certificates, CRLs and people compare equal.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.2
 */
export function canonicalSerial(hex: string): string {
  const s = hex.replace(/:/g, '').toLowerCase().replace(/^0+(?=.)/, '');
  if (!/^[0-9a-f]{1,40}$/.test(s)) throw new RangeError('a serial number is 1 to 20 octets of hex');
  return s;
}
