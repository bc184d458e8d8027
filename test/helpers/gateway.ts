// The gateway tests' world: a token service, tokens of acme-a (orders:read orders:write
// billing:read, bound to its certificate), and gateways in front of a plain upstream.
import assert from 'node:assert/strict';
import { startGateway, type Gateway, type GatewayOptions } from '../../src/gateway/gateway.ts';
import { parseRoute } from '../../src/gateway/routes.ts';
import { serverCredentials } from './api.ts';
import { send, type Response } from './https.ts';
import { API, authority, type Credentials, type Harness } from './world.ts';

/** The routes of the tests' gateway. */
export const ROUTES = [
  'GET,HEAD /orders=orders:read',
  'GET /orders/*=orders:read',
  'POST /orders=orders:write',
  'DELETE /orders/*=orders:admin',
  'PUT /upload=orders:write',
  'GET /download=orders:read',
  'GET /slow=orders:read',
  'GET /hold=orders:read',
  'GET /hop=orders:read',
  'GET /public=',
].map(parseRoute);

/** Gets a token at the harness's token service (with a client certificate, or a secret). */
export async function tokenFor(h: Harness, clientId: string, identity: Credentials | null, extra: Record<string, string> = {}): Promise<string> {
  const ca = (await authority('platform')).certPem;
  const res = await send(`${h.issuer}/token`, { ca, ...(identity ? { identity } : {}), form: { grant_type: 'client_credentials', client_id: clientId, ...extra } });
  assert.equal(res.status, 200, res.text);
  return String(res.json?.['access_token']);
}

/** The partner CAs of the world, as the gateway's partner map and client-CA bundle. */
export async function partnerCas(): Promise<{ map: Map<string, string>; bundle: string }> {
  const map = new Map<string, string>();
  for (const id of ['acme', 'globex']) map.set(id, (await authority(id)).certPem);
  return { map, bundle: [(await authority('platform')).certPem, ...map.values()].join('') };
}

/** A gateway in front of `upstream` for API.acmeOrders, with the test routes; overrides applied last (`plain`: no TLS). */
export async function testGateway(h: Harness, upstream: string, overrides: Partial<GatewayOptions> & { readonly plain?: boolean } = {}): Promise<Gateway> {
  const tls = await serverCredentials();
  const cas = await partnerCas();
  const { plain, ...rest } = overrides;
  return startGateway({
    guard: { issuer: h.issuer, ca: (await authority('platform')).certPem, audience: API.acmeOrders },
    ...(plain ? {} : { tls: { cert: tls.cert, key: tls.key, clientCa: cas.bundle } }),
    port: 0,
    upstream: { url: upstream },
    policy: { routes: ROUTES, fallback: 'deny' },
    partners: cas.map,
    ...rest,
  });
}

/** https://localhost:PORT of a gateway (its certificate names localhost). */
export function front(g: Gateway): string {
  return `https://localhost:${g.port}`;
}

/** Asserts an RFC 6750 refusal: status, error code in the body and in the challenge. */
export function assertRefused(res: Response, status: number, error: string, realm: string = API.acmeOrders): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json?.['error'], error);
  const challenge = String(res.headers['www-authenticate']);
  assert.ok(challenge.startsWith(`Bearer realm="${realm}", error="${error}", error_description="`), challenge);
}
