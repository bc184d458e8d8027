/**
 * Certificate revocation lists signed by a CA certbound holds.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-5
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { CRLNumber, id_ce_cRLNumber } from '@peculiar/asn1-x509';
import { canonicalSerial } from '../core/serial.ts';
import { authorityKeyIdentifier, loadIssuer, type CertifiedKey } from './ca.ts';
import { Extension, SIGNING_ALGORITHM, X509CrlGenerator, X509CrlReason } from './x509.ts';
import { outOfRange } from '../core/argument-error.ts';

/** One revoked certificate of a CRL. */
export interface CrlEntry {
  /** Serial number, hex (any case, colons allowed). */
  readonly serial: string;
  readonly revokedAt: Date;
  /** An RFC 5280 CRLReason name (`keyCompromise`, `superseded`, …); an unknown name counts as `unspecified`. */
  readonly reason: string;
}

/** The CRL's own fields. */
export interface CrlOptions {
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  /** The cRLNumber: must grow with every CRL the issuer publishes. */
  readonly crlNumber: number;
}

/** The CRLReason code of a reason name, or undefined for `unspecified` and names RFC 5280 does not define. */
export function crlReasonCode(reason: string): number | undefined {
  // RFC 5280 §5.3.1: unspecified SHOULD be conveyed by leaving the reasonCode extension out.
  if (reason === 'unspecified' || !Object.hasOwn(X509CrlReason, reason)) return undefined;
  const code: unknown = (X509CrlReason as Record<string, unknown>)[reason];
  return typeof code === 'number' ? code : undefined;
}

/**
 * Creates a DER X.509 v2 CRL signed by `issuer`: one entry per certificate (serial,
 * revocation date, reasonCode), with the cRLNumber and authorityKeyIdentifier extensions.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-5.1
 */
export async function createCrl(issuer: CertifiedKey, entries: readonly CrlEntry[], options: CrlOptions): Promise<Uint8Array> {
  const { thisUpdate, nextUpdate, crlNumber } = options;
  if (!(nextUpdate.getTime() > thisUpdate.getTime())) throw outOfRange('nextUpdate must be later than thisUpdate');
  if (!Number.isSafeInteger(crlNumber) || crlNumber < 0) throw outOfRange('crlNumber must be a non-negative integer');
  const ca = await loadIssuer(issuer);
  // A certificate revoked twice (two records of one serial) is listed once, with its first revocation.
  const bySerial = new Map<string, CrlEntry>();
  for (const entry of [...entries].sort((a, b) => a.revokedAt.getTime() - b.revokedAt.getTime())) {
    const serial = canonicalSerial(entry.serial);
    if (!bySerial.has(serial)) bySerial.set(serial, entry);
  }
  const crl = await X509CrlGenerator.create({
    issuer: ca.certificate.subjectName,
    thisUpdate,
    nextUpdate,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      await authorityKeyIdentifier(ca.certificate),
      new Extension(id_ce_cRLNumber, false, AsnConvert.serialize(new CRLNumber(crlNumber))),
    ],
    entries: [...bySerial].map(([serial, entry]) => {
      const reason = crlReasonCode(entry.reason);
      // Even-length hex: the generator reads the serial as octets.
      const serialNumber = serial.length % 2 === 0 ? serial : `0${serial}`;
      return { serialNumber, revocationDate: entry.revokedAt, ...(reason === undefined ? {} : { reason }) };
    }),
  });
  return new Uint8Array(crl.rawData);
}

