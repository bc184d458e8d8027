import { readFile } from 'node:fs/promises';
import { rewrapAllKeys } from '../admin/rewrap.ts';
import type { KeyEncryptionKey } from '../core/key-wrap.ts';
import { embeddedKekPath, readKekFile, writeKekFile } from '../storage/kek-file.ts';
import { openStore } from '../storage/open.ts';
import { parse, UsageError, useDataDir, withStore, type Command } from './context.ts';

async function rewrapOnDatabase(dir: string, databaseUrl: string, kek: KeyEncryptionKey | undefined, next: KeyEncryptionKey): Promise<number> {
  const store = await openStore(dir, kek === undefined ? { databaseUrl } : { databaseUrl, kek });
  try {
    return await rewrapAllKeys(store, next);
  } finally {
    await store.close();
  }
}

/** `certbound keys rewrap`: rotates the key-encryption key the store's private keys are wrapped under. */
export const keys: Command = {
  usage: `Usage: certbound keys rewrap --new-kek-file F [--kek-file F] [--database URL] [--dir D] [--json]

Re-encrypts every private key the store holds — the platform and partner CAs, the token
service's TLS key, the token signing keys — under a new key-encryption key (KEK), in one
transaction: all of them or none. Recorded in the audit log (admin.rewrapKeys, with the KEK ids).
  --new-kek-file F  the new KEK: 32 random bytes in base64 (openssl rand -base64 32 > F)
  --kek-file F      the current KEK (or $CERTBOUND_KEK); for the embedded store, default <dir>/kek
  --database URL    the PostgreSQL store (postgres://…) instead of <dir>/certbound.db
When the current KEK is the embedded store's <dir>/kek, that file is replaced by the new KEK
once the keys are re-wrapped. Otherwise start certbound with the new KEK from now on (keep the
old one until then). Stop certbound serve first — every instance, on a PostgreSQL store.`,
  async run(args, io) {
    const { values, positionals } = parse(args, { 'new-kek-file': { type: 'string' }, database: { type: 'string' } });
    if (positionals[0] !== 'rewrap' || positionals.length > 1) throw new UsageError('expected: certbound keys rewrap --new-kek-file F');
    const newFile = values['new-kek-file'];
    if (newFile === undefined) throw new UsageError('--new-kek-file is required');
    const target = await useDataDir(values);
    const next = await readKekFile(newFile);
    const embeddedFile = values.database === undefined && target.kek === undefined ? embeddedKekPath(target.dir) : null;
    const current = target.kek ?? (embeddedFile === null ? undefined : await readKekFile(embeddedFile).catch(() => undefined));
    if (current?.id === next.id) throw new UsageError(`--new-kek-file holds the current KEK (${next.id}): give a new one`);
    const count = values.database === undefined
      ? await withStore(target, (store) => rewrapAllKeys(store, next))
      : await rewrapOnDatabase(target.dir, values.database, target.kek, next);
    // Only once the keys are committed under the new KEK: the file follows the database.
    if (embeddedFile !== null) await writeKekFile(embeddedFile, (await readFile(newFile, 'utf8')).trim());
    if (values.json) io.out(JSON.stringify({ keys: count, kek: next.id, ...(embeddedFile === null ? {} : { kek_file: embeddedFile }) }, null, 2));
    else {
      io.out(`Re-wrapped ${count} private keys under KEK ${next.id}.`);
      io.out(embeddedFile === null ? 'Start certbound with the new KEK (--kek-file or CERTBOUND_KEK) from now on.' : `${embeddedFile} now holds the new KEK.`);
    }
    return 0;
  },
};
