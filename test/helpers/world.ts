// Per-test-file access to the fixture world: a private copy of the template data directory,
// a token service on it (real TLS on 127.0.0.1, a free port), and certificate helpers.
import { X509Certificate } from 'node:crypto';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pemToDer } from '../../src/pki/keys.ts';
import { pkcs8ToPem } from '../../src/pki/keys.ts';
import { startTokenService, type TokenService, type TokenServiceOptions } from '../../src/server/service.ts';
import { openStore } from '../../src/storage/open.ts';
import type { Store } from '../../src/storage/store.ts';
import type { WorldManifest } from './build-world.ts';
import { buildWorld } from './build-world.ts';
import { startAdminApi, type AdminApi, type AdminApiOptions } from '../../src/admin/api.ts';
import { TOKEN_SERVICE_TLS } from '../../src/admin/init.ts';

export { API } from './build-world.ts';

/** A client's TLS credentials, as PEM strings. */
export interface Credentials {
  readonly cert: string;
  /** cert.pem as written: the leaf and the partner CA (self-signed clients: the leaf). */
  readonly chain?: string;
  readonly key: string;
  readonly ca: string;
  /** Paths of the same, for command-line peers. */
  readonly files: { readonly cert: string; readonly key: string; readonly ca: string };
}

let manifest: Promise<WorldManifest> | undefined;

/** The world built by the global setup (or, when a test file runs alone, built now). */
export function world(): Promise<WorldManifest> {
  manifest ??= (async () => {
    const root = process.env['CERTBOUND_TEST_WORLD'];
    if (root) return JSON.parse(await readFile(join(root, 'world.json'), 'utf8')) as WorldManifest;
    const own = await mkdtemp(join(tmpdir(), 'certbound-world-'));
    process.on('exit', () => void rm(own, { recursive: true, force: true }));
    return buildWorld(own);
  })();
  return manifest;
}

/** The key, certificate and platform CA of a client of the world. */
export async function credentials(clientId: string): Promise<Credentials> {
  const dir = (await world()).certs[clientId];
  if (!dir) throw new Error(`no certificate for ${clientId} in the world`);
  const files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), ca: join(dir, 'ca.pem') };
  const chain = await readFile(files.cert, 'utf8');
  return {
    // The file holds the chain a client presents (leaf, then its partner CA); `cert` is the leaf alone.
    cert: /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(chain)![0],
    chain,
    key: await readFile(files.key, 'utf8'),
    ca: await readFile(files.ca, 'utf8'),
    files,
  };
}

/** A CA of the world ('platform' or a partner id) with its key, to issue test certificates from. */
export async function authority(id: string): Promise<{ certPem: string; keyPkcs8: Uint8Array }> {
  const w = await world();
  const dir = id === 'platform' ? w.platformCa : w.partnerCas[id];
  if (!dir) throw new Error(`no CA ${id}`);
  return {
    certPem: await readFile(join(dir, 'cert.pem'), 'utf8'),
    keyPkcs8: pemToDer(await readFile(join(dir, 'key.pem'), 'utf8'), 'PRIVATE KEY'),
  };
}

/** The secret of a secret client of the world. */
export async function secret(clientId: string): Promise<string> {
  const s = (await world()).secrets[clientId];
  if (!s) throw new Error(`no secret for ${clientId}`);
  return s;
}

/** Turns an issued certificate and key into Credentials trusting the platform CA. */
export async function asCredentials(issued: { certPem: string; keyPkcs8: Uint8Array | null }): Promise<Omit<Credentials, 'files'>> {
  return { cert: issued.certPem, key: pkcs8ToPem(issued.keyPkcs8!), ca: (await authority('platform')).certPem };
}

/** `x5t#S256` computed independently of certbound's own helper: SHA-256 over the DER. */
export function derOf(pem: string): Buffer {
  return new X509Certificate(pem).raw;
}

/** A token service on a private copy of the world's data directory. */
export interface Harness {
  readonly service: TokenService;
  readonly store: Store;
  readonly dir: string;
  readonly issuer: string;
  close(): Promise<void>;
}

/** Starts a token service on a copy of the world (port 0, issuer https://localhost:PORT). */
export async function startWorld(options: Partial<Omit<TokenServiceOptions, 'store'>> = {}): Promise<Harness> {
  const w = await world();
  const dir = await mkdtemp(join(tmpdir(), 'certbound-dir-'));
  await cp(w.template, dir, { recursive: true });
  const store = await openStore(dir);
  const service = await startTokenService({
    issuer: (port) => `https://localhost:${port}`,
    port: 0,
    logger: false,
    ...options,
    store,
  });
  return {
    service,
    store,
    dir,
    issuer: service.issuer,
    async close() {
      await service.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The admin API on a harness's store, with the token service's own TLS credential, applying
 * every change to the running service; port 0, no logger unless `options` says otherwise.
 */
export async function startHarnessAdminApi(h: Harness, options: Partial<Omit<AdminApiOptions, 'store' | 'tls'>> = {}): Promise<AdminApi> {
  const tls = (await h.store.getTlsCredential(TOKEN_SERVICE_TLS))!;
  return startAdminApi({
    port: 0,
    onChange: () => h.service.reload(),
    logger: false,
    ...options,
    store: h.store,
    tls: { cert: tls.certPem, key: pkcs8ToPem(tls.keyPkcs8) },
  });
}

