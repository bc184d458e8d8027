import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { x5tS256 } from '../core/thumbprint.ts';
import type { Store } from '../storage/store.ts';
import { addAdminCertificate } from './admins.ts';

/** The name the local administrator certificate is registered under (and audit rows carry). */
export const LOCAL_ADMIN = 'local';

/** Where a data directory keeps the credential its own command line uses on the admin API. */
export function localAdminFiles(dir: string): { readonly cert: string; readonly key: string } {
  return { cert: join(dir, 'admin', 'cert.pem'), key: join(dir, 'admin', 'key.pem') };
}

function thumbprintOf(certPem: string): string | null {
  try {
    return x5tS256(new X509Certificate(certPem).raw);
  } catch {
    return null;
  }
}

/** Whether `certPem` is a registered administrator certificate within its validity period. */
async function usable(store: Store, certPem: string, now: Date): Promise<boolean> {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(certPem);
  } catch {
    return false;
  }
  // Renewed a month ahead, so that a long-running serve does not outlive its own credential.
  const renewBy = new Date(x509.validToDate.getTime() - 30 * 86_400_000);
  if (now < x509.validFromDate || now > renewBy) return false;
  return (await store.getAdminCertificate(x5tS256(x509.raw))) !== null;
}

/**
 * Makes sure the data directory holds an administrator credential for its own command line
 * (`<dir>/admin/cert.pem`, `key.pem` mode 0600): kept when its certificate is registered and
 * valid, else issued anew from the platform CA and registered as `local`. Only someone who can
 * read the data directory — who could open its database anyway — can use it.
 */
export async function ensureLocalAdmin(store: Store, dir: string, now = new Date()): Promise<{ readonly cert: string; readonly key: string }> {
  const files = localAdminFiles(dir);
  const existing = await readFile(files.cert, 'utf8').catch(() => null);
  const hasKey = await readFile(files.key, 'utf8').then(() => true, () => false);
  if (existing !== null && hasKey && (await usable(store, existing, now))) return files;
  const issued = await addAdminCertificate(store, LOCAL_ADMIN);
  await mkdir(join(dir, 'admin'), { recursive: true, mode: 0o700 });
  await writeFile(files.key, issued.key_pem!, { mode: 0o600 });
  // writeFile keeps the mode of a file that already exists: make sure it is 0600 anyway.
  await chmod(files.key, 0o600);
  await writeFile(files.cert, issued.cert_pem, { mode: 0o644 });
  // The certificate it replaces (expiring, or its key lost) is this directory's own: withdraw it.
  const replaced = existing === null ? null : thumbprintOf(existing);
  if (replaced !== null && replaced !== issued.thumbprint) await store.removeAdminCertificate(replaced);
  return files;
}
