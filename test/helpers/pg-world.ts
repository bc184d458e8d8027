// A small world on a PostgreSQL database, for tests with several token-service instances on
// one store: platform CA, keys, partner acme with its issuing CA, the API acme-orders and the
// client acme-a (tls_client_auth, subject O=acme,CN=acme-a). Fresh client certificates come
// from the partner CA on demand, so each test can revoke its own.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerClient } from '../../src/admin/clients.ts';
import { initDataDir } from '../../src/admin/init.ts';
import { addPartner } from '../../src/admin/partners.ts';
import { addResource } from '../../src/admin/resources.ts';
import { KeyEncryptionKey } from '../../src/core/key-wrap.ts';
import { x5tS256 } from '../../src/core/thumbprint.ts';
import { issueCertificate } from '../../src/pki/issue.ts';
import { pemToDer, pkcs8ToPem } from '../../src/pki/keys.ts';
import { openStore } from '../../src/storage/open.ts';
import type { Store } from '../../src/storage/store.ts';

/** The API acme-a gets tokens for. */
export const ORDERS = 'https://api.acme.example/orders';

/** A client certificate with its key and the platform CA, as PEM. */
export interface ClientCert {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
  readonly thumbprint: string;
}

/** The world on one database. */
export interface PostgresWorld {
  readonly url: string;
  readonly kek: KeyEncryptionKey;
  /** The KEK as a file (mode 0600) for `--kek-file`. */
  readonly kekFile: string;
  /** A private temporary directory for data directories of instances. */
  readonly root: string;
  /** Opens another store on the database (the caller closes it). */
  openStore(): Promise<Store>;
  /** A new certificate for acme-a from the acme partner CA. */
  newCert(): Promise<ClientCert>;
  cleanup(): Promise<void>;
}

/** Builds the world on the (empty) database at `url`. */
export async function buildPostgresWorld(url: string): Promise<PostgresWorld> {
  const root = await mkdtemp(join(tmpdir(), 'certbound-pgworld-'));
  const { kek, base64 } = KeyEncryptionKey.generate();
  const kekFile = join(root, 'kek');
  await writeFile(kekFile, `${base64}\n`, { mode: 0o600 });
  const open = () => openStore(join(root, 'unused'), { databaseUrl: url, kek });
  const store = await open();
  let partnerCa: { certPem: string; keyPkcs8: Uint8Array };
  let platformPem: string;
  try {
    const seed = join(root, 'seed');
    await mkdir(seed, { mode: 0o700 });
    await initDataDir(store, seed);
    await addPartner(store, 'acme');
    await addResource(store, ORDERS, 'acme');
    await registerClient(store, { id: 'acme-a', partnerId: 'acme', scope: 'orders:read', resources: [ORDERS], subject: { kind: 'subject_dn', value: 'CN=acme-a,O=acme' } });
    const ca = (await store.getAuthority('partner:acme'))!;
    partnerCa = { certPem: ca.certPem, keyPkcs8: ca.keyPkcs8! };
    platformPem = (await store.getAuthority('platform'))!.certPem;
  } finally {
    await store.close();
  }
  return {
    url,
    kek,
    kekFile,
    root,
    openStore: open,
    async newCert() {
      const leaf = await issueCertificate(partnerCa, { subject: 'CN=acme-a,O=acme', usage: 'client' });
      return { cert: leaf.certPem, key: pkcs8ToPem(leaf.keyPkcs8!), ca: platformPem, thumbprint: x5tS256(pemToDer(leaf.certPem, 'CERTIFICATE')) };
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
