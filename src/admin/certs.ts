import { parseIp } from '../core/ip.ts';
import { issueCertificate, type IssuedLeaf, type SubjectAltName } from '../pki/issue.ts';
import type { Store } from '../storage/store.ts';
import { CertboundError } from '../core/certbound-error.ts';
import { writeCredentialFiles } from './files.ts';
import { PLATFORM_CA, platformCa } from './init.ts';

/** Parses `dns:name` / `ip:address` SAN arguments. */
export function parseSanArgument(value: string): SubjectAltName {
  const colon = value.indexOf(':');
  const type = value.slice(0, colon).toLowerCase();
  const name = value.slice(colon + 1);
  if (colon > 0 && type === 'dns' && /^(?:\*\.)?[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$/i.test(name)) return { type: 'dns', value: name };
  if (colon > 0 && type === 'ip') {
    try {
      parseIp(name);
      return { type: 'ip', value: name };
    } catch {
      // fall through to the error below
    }
  }
  throw new CertboundError('ERR_CERTBOUND_INVALID_SAN', `invalid --san '${value}': use dns:<hostname> or ip:<address>`);
}

/**
 * Issues a TLS server certificate from the platform CA — for a resource server or a proxy —
 * so that clients trusting the platform `ca.pem` reach it; writes cert.pem, key.pem, ca.pem.
 */
export async function issueServerCertificate(
  store: Store,
  name: string,
  sans: readonly SubjectAltName[],
  outDir: string,
): Promise<{ leaf: IssuedLeaf; files: { cert: string; key: string | null; ca: string } }> {
  if (sans.length === 0) throw new CertboundError('ERR_CERTBOUND_INVALID_SAN', 'a server certificate needs at least one --san');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new CertboundError('ERR_CERTBOUND_INVALID_ID', `invalid name '${name}': use letters, digits, '.', '_' or '-'`);
  }
  const root = await platformCa(store);
  const leaf = await issueCertificate({ certPem: root.certPem, keyPkcs8: root.keyPkcs8! }, {
    subject: `CN=${name}`,
    sans,
    usage: 'server',
  });
  await store.recordIssuedCertificate({
    serial: leaf.serial,
    issuerId: PLATFORM_CA,
    clientId: null,
    subject: `CN=${name}`,
    thumbprint: leaf.thumbprint,
    notAfter: leaf.notAfter,
  });
  const files = await writeCredentialFiles(outDir, { certPem: leaf.certPem, keyPkcs8: leaf.keyPkcs8, caPem: root.certPem });
  return { leaf, files };
}
