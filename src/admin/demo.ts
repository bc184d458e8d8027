import { join } from 'node:path';
import type { Store } from '../storage/store.ts';
import { registerClient, type RegisteredClient } from './clients.ts';
import { addPartner } from './partners.ts';
import { addResource } from './resources.ts';

/** The demo client's id, scopes and API, as `serve --seed-demo` registers them. */
export const DEMO = {
  partner: 'demo',
  client: 'demo-client',
  scope: 'orders:read orders:write',
  resource: 'https://orders.demo.localhost/',
} as const;

/**
 * On a data directory with no partners yet, registers partner `demo`, its API and its
 * `tls_client_auth` client `demo-client`, with key, certificate and ca.pem in
 * `<dir>/demo-client/`. Returns null when the directory already has partners.
 */
export async function seedDemo(store: Store, dir: string): Promise<RegisteredClient | null> {
  if ((await store.listPartners()).length > 0) return null;
  await addPartner(store, DEMO.partner);
  // The API first, with its owner: a client's --resource names a registered API, never registers one.
  await addResource(store, DEMO.resource, DEMO.partner, DEMO.scope);
  return registerClient(store, {
    id: DEMO.client,
    partnerId: DEMO.partner,
    authMethod: 'tls_client_auth',
    scope: DEMO.scope,
    resources: [DEMO.resource],
    issueCertTo: join(dir, DEMO.client),
  });
}
