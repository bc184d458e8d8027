import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { issueServerCertificate } from '../admin/certs.ts';
import { addResource } from '../admin/resources.ts';
import { registerClient, type ClientRegistration } from '../admin/clients.ts';
import { initDataDir } from '../admin/init.ts';
import { addPartner } from '../admin/partners.ts';
import { createClient, type CertboundClient } from '../client/client.ts';
import { x5tS256, type Thumbprint } from '../core/thumbprint.ts';
import { startTokenService } from '../server/service.ts';
import { openStore } from '../storage/open.ts';
import type { Io } from './context.ts';
import { startOrdersApi } from './demo-api.ts';
import type { Teardown } from './demo-teardown.ts';

/** The names the demo registers. */
export const DEMO_WORLD = {
  ordersAudience: 'https://orders.demo.example/',
  billingAudience: 'https://billing.globex.example/',
  acme: { partner: 'acme', client: 'acme-orders', scope: 'orders:read' },
  globex: { partner: 'globex', client: 'globex-billing', scope: 'billing:read' },
  legacy: { partner: 'acme', client: 'acme-legacy', scope: 'orders:read' },
} as const;

/** A server's TLS client identity: its certificate, key, their files, and the certificate's thumbprint. */
export interface DemoIdentity {
  readonly clientId: string;
  readonly cert: string;
  readonly key: string;
  readonly files: { readonly cert: string; readonly key: string };
  readonly thumbprint: Thumbprint;
}

/** Everything the steps use: the running services, the identities, and the acme client SDK. */
export interface DemoWorld {
  readonly dir: string;
  /** The platform CA (PEM) and its file: it issued the token service's and the API's TLS certificates. */
  readonly ca: string;
  readonly caFile: string;
  readonly issuer: string;
  readonly tokenEndpoint: string;
  readonly ordersUrl: string;
  readonly acme: DemoIdentity;
  readonly globex: DemoIdentity;
  /** The secret client registered with `--no-bound-tokens`. */
  readonly legacy: { readonly clientId: string; readonly secret: string };
  /** Server A's certbound client (`createClient`), with acme-orders' certificate. */
  readonly acmeClient: CertboundClient;
}

/** Registers a `tls_client_auth` client with `--issue-cert` and reads back the identity it was given. */
async function certificateClient(store: Parameters<typeof registerClient>[0], reg: ClientRegistration & { issueCertTo: string }): Promise<DemoIdentity> {
  const { files } = await registerClient(store, reg);
  if (!files?.key) throw new Error(`no certificate was issued for ${reg.id}`);
  const [cert, key] = await Promise.all([readFile(files.cert, 'utf8'), readFile(files.key, 'utf8')]);
  return { clientId: reg.id, cert, key, files: { cert: files.cert, key: files.key }, thumbprint: x5tS256(new X509Certificate(cert).raw) };
}

/**
 * Sets up the demo in `dir`: the data directory, partners acme and globex with one client
 * each (plus a secret client of acme with plain bearer tokens), the token service on a free
 * port, and the guarded orders API with a certificate from the platform CA. Everything made
 * is registered on `teardown`; `signal` stops the set-up between stages.
 */
export async function createDemoWorld(dir: string, teardown: Teardown, signal: AbortSignal, io: Io): Promise<DemoWorld> {
  const { acme, globex, legacy, ordersAudience, billingAudience } = DEMO_WORLD;
  const store = await openStore(dir);
  teardown.defer('the embedded database', () => store.close());
  signal.throwIfAborted();

  const { files } = await initDataDir(store, dir);
  await addPartner(store, acme.partner);
  await addPartner(store, globex.partner);
  // Each API is registered by its owner before a client names it.
  await addResource(store, ordersAudience, acme.partner);
  await addResource(store, billingAudience, globex.partner);
  const acmeId = await certificateClient(store, {
    id: acme.client, partnerId: acme.partner, authMethod: 'tls_client_auth', scope: acme.scope,
    resources: [ordersAudience], issueCertTo: join(dir, acme.client),
  });
  const globexId = await certificateClient(store, {
    id: globex.client, partnerId: globex.partner, authMethod: 'tls_client_auth', scope: globex.scope,
    resources: [billingAudience], issueCertTo: join(dir, globex.client),
  });
  const legacyReg = await registerClient(store, {
    id: legacy.client, partnerId: legacy.partner, authMethod: 'client_secret_post', scope: legacy.scope,
    resources: [ordersAudience], boundTokens: false,
  });
  if (legacyReg.secret === null) throw new Error(`no secret was generated for ${legacy.client}`);
  const apiTls = await issueServerCertificate(store, 'orders-api', [{ type: 'dns', value: 'localhost' }, { type: 'ip', value: '127.0.0.1' }], join(dir, 'orders-api'));
  signal.throwIfAborted();

  const service = await startTokenService({ store, issuer: (port) => `https://localhost:${port}`, port: 0, logger: false });
  teardown.defer('the token service', () => service.close());
  signal.throwIfAborted();

  const ca = await readFile(files.caCert, 'utf8');
  const api = await startOrdersApi({
    cert: await readFile(apiTls.files.cert, 'utf8'),
    key: await readFile(apiTls.files.key!, 'utf8'),
    ca,
    issuer: service.issuer,
    audience: ordersAudience,
  });
  teardown.defer('the orders API', () => api.close());
  const acmeClient = createClient({ issuer: service.issuer, clientId: acme.client, cert: acmeId.cert, key: acmeId.key, ca, scope: acme.scope });
  teardown.defer('the acme-orders client', () => acmeClient.close());
  signal.throwIfAborted();

  const who = (partner: string, client: string) => `  partner ${partner.padEnd(7)} client ${client.padEnd(15)}`;
  io.out(`  token service   ${service.issuer}  (the issuer)
  orders API      ${api.url}  (TLS certificate from certbound cert server)
                  accepts tokens for ${ordersAudience} with orders:read, certificate-bound only
${who(acme.partner, acme.client)}certificate from acme's CA, scope ${acme.scope}, may call the orders API
${who(globex.partner, globex.client)}certificate from globex's CA, may call only ${billingAudience}
${who(legacy.partner, legacy.client)}client_secret_post, registered with --no-bound-tokens (plain bearer tokens)`);
  return {
    dir,
    ca,
    caFile: files.caCert,
    issuer: service.issuer,
    tokenEndpoint: `${service.issuer}/token`,
    ordersUrl: api.url,
    acme: acmeId,
    globex: globexId,
    legacy: { clientId: legacy.client, secret: legacyReg.secret },
    acmeClient,
  };
}
