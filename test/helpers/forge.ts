// Certificates with every field under the test's control — validity, basicConstraints,
// keyUsage, an unknown critical extension, a reused key, a look-alike of another CA — for path
// validation and confusion attacks. Built with @peculiar/x509 through pki/x509.ts.
import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, GeneralSubtree, GeneralSubtrees, id_ce_nameConstraints, NameConstraints } from '@peculiar/asn1-x509';
import { exportPkcs8, generateKeyPair, pkcs8ToPem, type KeyPair } from '../../src/pki/keys.ts';
import { randomSerialNumber } from '../../src/pki/serial.ts';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  certificatePem,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  rfc4514Name,
  SIGNING_ALGORITHM,
  SubjectKeyIdentifierExtension,
  X509CertificateGenerator,
} from '../../src/pki/x509.ts';

const DAY = 86_400_000;

/** A certificate made by `forge`, with its key pair. */
export interface Forged {
  readonly subject: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly keys: KeyPair;
  readonly x509: NodeX509Certificate;
}

/** What to put in a certificate. */
export interface ForgeSpec {
  /** RFC 4514 subject. */
  readonly subject: string;
  /** Who signs it; itself when absent. */
  readonly issuer?: Forged;
  /** Reuse a key pair (a look-alike of another certificate); a new one when absent. */
  readonly keys?: KeyPair;
  /** `ca` (cA=true, pathLen when given), `leaf` (cA=false), `none` (no basicConstraints at all). */
  readonly basic?: 'ca' | 'leaf' | 'none';
  readonly pathLen?: number;
  /** keyUsage flags, or `none` for no keyUsage extension. Default: keyCertSign|cRLSign for a CA, digitalSignature otherwise. */
  readonly keyUsage?: number | 'none';
  /** Validity relative to now, in days: [from, to]. Default [-1, 365]. */
  readonly days?: readonly [number, number];
  /** Adds a critical extension with an OID nobody processes. */
  readonly unknownCritical?: boolean;
  /** extKeyUsage purposes (OIDs); default clientAuth for a leaf, none for a CA. */
  readonly extKeyUsage?: readonly string[];
  /** Adds a nameConstraints extension permitting only this DNS subtree (critical unless `constraintsCritical` is false). */
  readonly permittedDns?: string;
  readonly constraintsCritical?: boolean;
  /** The signature's hash; SHA-256 by default. */
  readonly hash?: 'SHA-1' | 'SHA-256';
}

/** Makes a certificate exactly as `spec` says, signed by `spec.issuer`'s key (or its own). */
export async function forge(spec: ForgeSpec): Promise<Forged> {
  const keys = spec.keys ?? (await generateKeyPair());
  const basic = spec.basic ?? 'leaf';
  const [from, to] = spec.days ?? [-1, 365];
  const now = Date.now();
  const name = rfc4514Name(spec.subject);
  const extensions: Extension[] = [await SubjectKeyIdentifierExtension.create(keys.publicKey)];
  if (basic !== 'none') extensions.push(new BasicConstraintsExtension(basic === 'ca', basic === 'ca' ? spec.pathLen : undefined, true));
  const usage = spec.keyUsage ?? (basic === 'ca' ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign : KeyUsageFlags.digitalSignature);
  if (usage !== 'none') extensions.push(new KeyUsagesExtension(usage, true));
  const purposes = spec.extKeyUsage ?? (basic === 'ca' ? [] : [ExtendedKeyUsage.clientAuth]);
  if (purposes.length > 0) extensions.push(new ExtendedKeyUsageExtension([...purposes]));
  if (spec.permittedDns !== undefined) {
    const constraints = new NameConstraints({ permittedSubtrees: new GeneralSubtrees([new GeneralSubtree({ base: new GeneralName({ dNSName: spec.permittedDns }) })]) });
    extensions.push(new Extension(id_ce_nameConstraints, spec.constraintsCritical ?? true, AsnConvert.serialize(constraints)));
  }
  if (spec.issuer) extensions.push(await AuthorityKeyIdentifierExtension.create(spec.issuer.keys.publicKey));
  if (spec.unknownCritical) extensions.push(new Extension('1.3.6.1.4.1.55555.1', true, new Uint8Array([0x05, 0x00])));
  const certificate = await X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: name,
    issuer: spec.issuer ? rfc4514Name(spec.issuer.subject) : name,
    notBefore: new Date(now + from * DAY),
    notAfter: new Date(now + to * DAY),
    publicKey: keys.publicKey,
    signingKey: (spec.issuer?.keys ?? keys).privateKey,
    signingAlgorithm: { ...SIGNING_ALGORITHM, hash: spec.hash ?? SIGNING_ALGORITHM.hash },
    extensions,
  });
  const certPem = certificatePem(certificate);
  return { subject: spec.subject, certPem, keyPem: pkcs8ToPem(await exportPkcs8(keys.privateKey)), keys, x509: new NodeX509Certificate(certPem) };
}

/** A CA (cA=true, keyCertSign) named `subject`, self-signed or under `issuer`. */
export function forgeCa(subject: string, issuer?: Forged, extra: Partial<ForgeSpec> = {}): Promise<Forged> {
  return forge({ subject, basic: 'ca', ...(issuer ? { issuer } : {}), ...extra });
}
