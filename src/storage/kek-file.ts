// Where a key-encryption key comes from on disk: a file of 32 random bytes in base64 — the
// operator's (--kek-file) or, for the embedded store, `kek` in the data directory.
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CertboundError } from '../core/certbound-error.ts';
import { KekInvalid, KeyEncryptionKey } from '../core/key-wrap.ts';
import type { Queryable } from './database.ts';
import { storedKekIds } from './wrapped-keys.ts';

/** The embedded store's KEK file in a data directory. */
export function embeddedKekPath(dir: string): string {
  return join(dir, 'kek');
}

/** Reads a KEK file; ERR_CERTBOUND_KEK_INVALID when it cannot be read or is not 32 bytes of base64. */
export async function readKekFile(path: string): Promise<KeyEncryptionKey> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new KekInvalid(`cannot read the KEK file ${path} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  return KeyEncryptionKey.fromBase64(text, `the KEK file ${path}`);
}

/** Writes a KEK file whole (mode 0600), replacing any: a reader sees the old file or the new one. */
export async function writeKekFile(path: string, base64: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await rm(temporary, { force: true });
  await writeFile(temporary, `${base64}\n`, { mode: 0o600, flag: 'wx' });
  await rename(temporary, path);
}

/**
 * The embedded store's KEK: `<dir>/kek`, created (mode 0600) when the database holds no
 * wrapped key yet — a new data directory, or one from before keys were wrapped. A missing file
 * for a database whose keys are wrapped is an error, never a new KEK: those keys need the old one.
 */
export async function embeddedKek(dir: string, q: Queryable): Promise<KeyEncryptionKey> {
  const path = embeddedKekPath(dir);
  const existing = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw new KekInvalid(`cannot read the KEK file ${path} (${err.code ?? 'unreadable'})`);
  });
  if (existing !== null) return KeyEncryptionKey.fromBase64(existing, `the KEK file ${path}`);
  const wrappedUnder = [...(await storedKekIds(q))];
  if (wrappedUnder.length > 0) {
    throw new CertboundError(
      'ERR_CERTBOUND_KEK_REQUIRED',
      `${path} is missing, and the database's private keys are wrapped under KEK ${wrappedUnder.join(', ')}: ` +
        'restore the kek file from your backup, or give the KEK with --kek-file FILE or CERTBOUND_KEK',
    );
  }
  const { kek, base64 } = KeyEncryptionKey.generate();
  try {
    // 'wx': of two processes creating it at once, one writes and the other reads what it wrote.
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(`${base64}\n`);
    } finally {
      await handle.close();
    }
    return kek;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readKekFile(path);
    throw err;
  }
}
