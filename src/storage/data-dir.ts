// The data directory holds the database, the KEK and private keys: only its owner may read
// or write it.
import { stat } from 'node:fs/promises';
import { CertboundError } from '../core/certbound-error.ts';
import { embeddedKekPath } from './kek-file.ts';

/** Mode of a new data directory: owner only. */
export const DATA_DIR_MODE = 0o700;

async function modeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).mode & 0o777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

/**
 * Refuses (ERR_CERTBOUND_INSECURE_PERMISSIONS) a data directory, or its `kek` file, that group
 * or others may read or write, saying how to fix it. A directory that does not exist yet is
 * fine: certbound creates it with mode 0700.
 */
export async function assertPrivateDataDir(dir: string): Promise<void> {
  const dirMode = await modeOf(dir);
  if (dirMode !== null && (dirMode & 0o077) !== 0) {
    throw new CertboundError(
      'ERR_CERTBOUND_INSECURE_PERMISSIONS',
      `the data directory ${dir} is open to group or others (mode ${octal(dirMode)}); it holds the database and its key-encryption key. ` +
        `Fix it with: chmod 700 ${shellQuote(dir)} (or pass --insecure-permissions to use it anyway)`,
    );
  }
  await assertPrivateKekFile(embeddedKekPath(dir));
}

/** Refuses (ERR_CERTBOUND_INSECURE_PERMISSIONS) a KEK file that group or others may read or write; a missing one is left to its reader. */
export async function assertPrivateKekFile(kek: string): Promise<void> {
  const kekMode = await modeOf(kek);
  if (kekMode !== null && (kekMode & 0o077) !== 0) {
    throw new CertboundError(
      'ERR_CERTBOUND_INSECURE_PERMISSIONS',
      `the key-encryption key ${kek} is open to group or others (mode ${octal(kekMode)}). ` +
        `Fix it with: chmod 600 ${shellQuote(kek)} (or pass --insecure-permissions to use it anyway)`,
    );
  }
}

function shellQuote(path: string): string {
  return /^[\w./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
}
