import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pkcs8ToPem } from '../pki/keys.ts';

/** The files a data directory holds for its users, beside the embedded database. */
export function dataDirFiles(dir: string): { caCert: string; tlsCert: string; tlsKey: string } {
  return { caCert: join(dir, 'ca.pem'), tlsCert: join(dir, 'tls-cert.pem'), tlsKey: join(dir, 'tls-key.pem') };
}

/**
 * Writes a certificate (and, when given, its private key, mode 0600) with the CA that
 * trusts the token service: `cert.pem`, `key.pem`, `ca.pem` in `outDir`.
 */
export async function writeCredentialFiles(
  outDir: string,
  files: { certPem: string; keyPkcs8: Uint8Array | null; caPem: string },
): Promise<{ cert: string; key: string | null; ca: string }> {
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  const cert = join(outDir, 'cert.pem');
  const ca = join(outDir, 'ca.pem');
  const key = files.keyPkcs8 ? join(outDir, 'key.pem') : null;
  if (key && files.keyPkcs8) await writeFile(key, pkcs8ToPem(files.keyPkcs8), { mode: 0o600 });
  await writeFile(cert, files.certPem, { mode: 0o644 });
  await writeFile(ca, files.caPem, { mode: 0o644 });
  return { cert, key, ca };
}
