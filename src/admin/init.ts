import { certificateFingerprint } from '../core/thumbprint.ts';
import { writeFile, chmod } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { CertboundError } from '../core/certbound-error.ts';
import { parseIp } from '../core/ip.ts';
import type { CertificateAuthority, TlsCredential } from '../core/model.ts';
import { createRootCa } from '../pki/ca.ts';
import { certIdentity } from '../pki/cert-identity.ts';
import { issueCertificate, type SubjectAltName } from '../pki/issue.ts';
import { pkcs8ToPem } from '../pki/keys.ts';
import { TOKEN_SERVICE_TLS } from '../server/certificate-inventory.ts';
import { generateSigningKey } from '../server/signing-keys.ts';
import { bumpRegistryVersion } from '../storage/registry-version.ts';
import type { Store } from '../storage/store.ts';
import { dataDirFiles } from './files.ts';

/** The platform root CA's id in the store. */
export const PLATFORM_CA = 'platform';
// The token service's own TLS credential's name in the store (the expiry watch reads it too).
export { TOKEN_SERVICE_TLS };
/** Names every development TLS certificate of the token service covers. */
export const DEFAULT_SANS: readonly SubjectAltName[] = [
  { type: 'dns', value: 'localhost' },
  { type: 'ip', value: '127.0.0.1' },
  { type: 'ip', value: '::1' },
];

/** What `init` found or made. */
export interface InitResult {
  readonly created: readonly string[];
  readonly files: ReturnType<typeof dataDirFiles>;
}

/** Whether a certificate's SANs cover every name asked for (IP addresses compared as bytes). */
function covers(certPem: string, sans: readonly SubjectAltName[]): boolean {
  const id = certIdentity(new X509Certificate(certPem).raw);
  return sans.every((san) =>
    san.type === 'dns'
      ? id.san.dns.some((d) => d.toLowerCase() === san.value.toLowerCase())
      : san.type === 'ip'
        ? id.san.ip.some((ip) => Buffer.from(ip).equals(Buffer.from(parseIp(san.value))))
        : true,
  );
}

/** The dNSName and iPAddress SANs of a certificate, so that re-issuing it keeps the names it had. */
export function sansOf(certPem: string): SubjectAltName[] {
  const id = certIdentity(new X509Certificate(certPem).raw);
  const ipText = (ip: Uint8Array): string =>
    ip.length === 4
      ? [...ip].join('.')
      : Array.from({ length: ip.length / 2 }, (_, i) => ((ip[2 * i]! << 8) | ip[2 * i + 1]!).toString(16)).join(':');
  return [
    ...id.san.dns.map((value): SubjectAltName => ({ type: 'dns', value })),
    ...id.san.ip.map((ip): SubjectAltName => ({ type: 'ip', value: ipText(ip) })),
  ];
}

/** SANs without repeats (names compared case-insensitively, addresses as bytes), first occurrence kept. */
function distinctSans(sans: readonly SubjectAltName[]): SubjectAltName[] {
  const seen = new Set<string>();
  return sans.filter((san) => {
    const key = `${san.type}:${san.type === 'ip' ? Buffer.from(parseIp(san.value)).toString('hex') : san.value.toLowerCase()}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The platform root CA; fails when the data directory was never initialised. */
export async function platformCa(store: Store): Promise<CertificateAuthority> {
  const ca = await store.getAuthority(PLATFORM_CA);
  if (!ca) throw new CertboundError('ERR_CERTBOUND_NOT_INITIALISED', 'the data directory is not initialised: run certbound init');
  return ca;
}

/**
 * Initialises a data directory, idempotently: the platform root CA, the token service's TLS
 * certificate (re-issued, keeping its names, when it lacks a requested SAN), an ES256 signing key, and the PEM
 * files a user needs (private key mode 0600).
 */
export async function initDataDir(store: Store, dir: string, extraSans: readonly SubjectAltName[] = []): Promise<InitResult> {
  const created: string[] = [];
  // One transaction: of two processes initialising one fresh store at once, the second sees
  // what the first made (one platform CA, one signing key) instead of racing it.
  const { root, tls } = await store.transaction(async (tx) => {
    let root = await tx.getAuthority(PLATFORM_CA);
    if (!root) {
      const ca = await createRootCa({ commonName: 'certbound platform root CA' });
      await tx.addAuthority({ id: PLATFORM_CA, partnerId: null, certPem: ca.certPem, fingerprint: certificateFingerprint(new X509Certificate(ca.certPem).raw), keyPkcs8: ca.keyPkcs8 });
      root = (await tx.getAuthority(PLATFORM_CA))!;
      created.push('platform root CA');
    }
    const sans = [...DEFAULT_SANS, ...extraSans];
    let tls: TlsCredential | null = await tx.getTlsCredential(TOKEN_SERVICE_TLS);
    if (!tls || !covers(tls.certPem, sans)) {
      const leaf = await issueCertificate({ certPem: root.certPem, keyPkcs8: root.keyPkcs8! }, {
        subject: 'CN=certbound token service',
        // A re-issue adds the new names to the old ones: clients may still reach the service by those.
        sans: distinctSans([...sans, ...(tls ? sansOf(tls.certPem) : [])]),
        usage: 'server',
      });
      await tx.putTlsCredential({ name: TOKEN_SERVICE_TLS, certPem: leaf.certPem, keyPkcs8: leaf.keyPkcs8! });
      tls = (await tx.getTlsCredential(TOKEN_SERVICE_TLS))!;
      created.push('token service TLS certificate');
    }
    if ((await tx.listSigningKeys()).length === 0) {
      await tx.addSigningKey(await generateSigningKey());
      created.push('ES256 signing key');
    }
    // Instances already running on this store (PostgreSQL) reload what was just made.
    if (created.length > 0) await bumpRegistryVersion(tx);
    return { root, tls };
  });
  const files = dataDirFiles(dir);
  await writeFile(files.caCert, root.certPem, { mode: 0o644 });
  await writeFile(files.tlsCert, tls.certPem, { mode: 0o644 });
  await writeFile(files.tlsKey, pkcs8ToPem(tls.keyPkcs8), { mode: 0o600 });
  await chmod(files.tlsKey, 0o600);
  return { created, files };
}
