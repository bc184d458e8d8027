// The fixture world every server, interop and CLI test starts from.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { registerClient } from '../../src/admin/clients.ts';
import { initDataDir } from '../../src/admin/init.ts';
import { addPartner } from '../../src/admin/partners.ts';
import { addResource } from '../../src/admin/resources.ts';
import { pkcs8ToPem } from '../../src/pki/keys.ts';
import { openStore } from '../../src/storage/open.ts';

/** Resource URIs of the world. */
export const API = {
  acmeOrders: 'https://api.acme.example/orders',
  acmeBilling: 'https://api.acme.example/billing',
  globex: 'https://api.globex.example/',
} as const;

/** What the world holds, written to `<root>/world.json`. */
export interface WorldManifest {
  readonly template: string;
  /** Client id → directory with cert.pem, key.pem, ca.pem. */
  readonly certs: Record<string, string>;
  /** Secret client id → secret. */
  readonly secrets: Record<string, string>;
  /** Partner id → directory with the partner CA's cert.pem and key.pem (tests only). */
  readonly partnerCas: Record<string, string>;
  /** The platform root CA's cert.pem and key.pem (tests only). */
  readonly platformCa: string;
}

/** Creates the world under `root`. */
export async function buildWorld(root: string): Promise<WorldManifest> {
  const template = join(root, 'template');
  const store = await openStore(template);
  const certs: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  const partnerCas: Record<string, string> = {};
  try {
    await initDataDir(store, template);
    for (const partner of ['acme', 'globex']) await addPartner(store, partner);
    // APIs are registered by their owners; a client's resources name registered ones.
    await addResource(store, API.acmeOrders, 'acme');
    await addResource(store, API.acmeBilling, 'acme');
    await addResource(store, API.globex, 'globex');
    const add = async (reg: Parameters<typeof registerClient>[1]) => {
      const out = join(root, 'clients', reg.id);
      const result = await registerClient(store, { ...reg, ...(reg.issueCertTo === undefined ? {} : { issueCertTo: out }) });
      if (result.files) certs[reg.id] = out;
      if (result.secret) secrets[reg.id] = result.secret;
    };
    const issue = '(issue)';
    await add({ id: 'acme-a', partnerId: 'acme', scope: 'orders:read orders:write billing:read', resources: [API.acmeOrders, API.acmeBilling], issueCertTo: issue });
    await add({ id: 'acme-san', partnerId: 'acme', subject: { kind: 'san_dns', value: 'acme-san.acme.example' }, scope: 'orders:read', resources: [API.acmeOrders], issueCertTo: issue });
    await add({ id: 'acme-self', partnerId: 'acme', authMethod: 'self_signed_tls_client_auth', scope: 'orders:read', resources: [API.acmeOrders], issueCertTo: issue });
    await add({ id: 'acme-basic', partnerId: 'acme', authMethod: 'client_secret_basic', scope: 'orders:read', resources: [API.acmeOrders], issueCertTo: issue });
    await add({ id: 'acme-post', partnerId: 'acme', authMethod: 'client_secret_post', scope: 'orders:read', resources: [API.acmeOrders], boundTokens: false });
    await add({ id: 'acme-noaud', partnerId: 'acme', scope: 'misc', issueCertTo: issue });
    await add({ id: 'acme-rs', partnerId: 'acme', introspects: [API.acmeOrders], issueCertTo: issue });
    await add({ id: 'globex-g', partnerId: 'globex', scope: 'orders:read', resources: [API.globex], issueCertTo: issue });
    await add({ id: 'globex-rs', partnerId: 'globex', introspects: [API.globex], issueCertTo: issue });
    for (const ca of await store.listAuthorities()) {
      const dir = join(root, 'cas', ca.id.replace(':', '-'));
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'cert.pem'), ca.certPem);
      await writeFile(join(dir, 'key.pem'), pkcs8ToPem(ca.keyPkcs8!), { mode: 0o600 });
      if (ca.partnerId) partnerCas[ca.partnerId] = dir;
    }
  } finally {
    await store.close();
  }
  const manifest: WorldManifest = { template, certs, secrets, partnerCas, platformCa: join(root, 'cas', 'platform') };
  await writeFile(join(root, 'world.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}
