// Interop with panva/openid-client (v6, built on oauth4webapi) as the client of certbound:
// RFC 8414 discovery, RFC 8705 tls_client_auth with `use_mtls_endpoint_aliases` over an undici
// dispatcher holding the client certificate, and the token it gets accepted by the certbound
// guard when openid-client presents it over the same identity.
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import { withGuard } from '../../src/resource/adapters/node.ts';
import { createGuard, type Guard } from '../../src/resource/guard.ts';
import { startApi, type Api } from '../helpers/api.ts';
import { jwtPayload } from '../helpers/https.ts';
import { API, credentials, startWorld, type Credentials, type Harness } from '../helpers/world.ts';

let h: Harness;
let a: Credentials;
let guard: Guard;
let api: Api;
const agents: Agent[] = [];

const thumbprintOf = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url');

/**
 * openid-client's customFetch over one undici Agent presenting `identity`, recording each request;
 * `metadata` may rewrite the discovery document on its way to openid-client.
 */
function transport(identity: Credentials, metadata?: (document: Record<string, unknown>) => Record<string, unknown>) {
  const agent = new Agent({ connect: { cert: identity.cert, key: identity.key, ca: identity.ca } });
  agents.push(agent);
  const calls: { method: string; url: string; body: string; authorization: string | undefined }[] = [];
  const fetch: client.CustomFetch = async (url, options) => {
    calls.push({ method: options.method, url, body: String(options.body ?? ''), authorization: options.headers['authorization'] });
    const { body, signal, method, headers, redirect } = options;
    const response = await undiciFetch(url, {
      method,
      headers,
      redirect,
      dispatcher: agent,
      ...(body === undefined || body === null ? {} : { body: body as string | URLSearchParams | Uint8Array }),
      ...(signal === undefined ? {} : { signal }),
    });
    if (metadata && url.endsWith('/.well-known/oauth-authorization-server')) {
      return Response.json(metadata((await response.json()) as Record<string, unknown>));
    }
    // undici's Response is the class Node exposes globally; only the TypeScript declarations differ.
    return response as unknown as Response;
  };
  return { fetch, calls };
}

/** An openid-client Configuration for acme-a: discovery (RFC 8414), tls_client_auth, the mTLS aliases. */
async function configure(identity: Credentials, t = transport(identity)) {
  const config = await client.discovery(new URL(h.issuer), 'acme-a', { use_mtls_endpoint_aliases: true }, client.TlsClientAuth(), {
    algorithm: 'oauth2',
    [client.customFetch]: t.fetch,
  });
  return { config, calls: t.calls };
}

before(async () => {
  [h, a] = await Promise.all([startWorld(), credentials('acme-a')]);
  guard = createGuard({ issuer: h.issuer, ca: a.ca, audience: API.acmeOrders });
  api = await startApi(
    withGuard(guard, (_req, res, auth) => res.end(JSON.stringify({ client: auth.claims.client_id, scopes: auth.scopes, thumbprint: auth.thumbprint })), {
      scopes: ['orders:read'],
    }),
  );
});
after(async () => {
  await Promise.all(agents.map((agent) => agent.close()));
  await api.close();
  await guard.close();
  await h.close();
});

describe('openid-client as an RFC 8705 client of certbound', () => {
  test('interop: openid-client discovers certbound with the RFC 8414 algorithm ("oauth2") and sees the mTLS endpoint aliases', async () => {
    const { config, calls } = await configure(a);
    assert.deepEqual(calls.map((c) => `${c.method} ${c.url}`), [`GET ${h.issuer}/.well-known/oauth-authorization-server`]);
    const server = config.serverMetadata();
    assert.equal(server.issuer, h.issuer);
    assert.equal(server.tls_client_certificate_bound_access_tokens, true);
    assert.equal(server.mtls_endpoint_aliases?.token_endpoint, `${h.issuer}/token`);
    assert.equal(config.clientMetadata().use_mtls_endpoint_aliases, true);
  });

  test('interop: openid-client TlsClientAuth gets, from the mTLS alias, a token bound to the certificate, which the certbound guard accepts', async () => {
    const { config, calls } = await configure(a);
    const tokens = await client.clientCredentialsGrant(config, { scope: 'orders:read', resource: API.acmeOrders });
    const call = calls.at(-1);
    assert.equal(call?.method, 'POST');
    assert.equal(call?.url, config.serverMetadata().mtls_endpoint_aliases?.token_endpoint, 'use_mtls_endpoint_aliases sends the token request to the alias');
    assert.equal(call?.authorization, undefined, 'tls_client_auth sends no Authorization header');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(call?.body)), {
      client_id: 'acme-a',
      grant_type: 'client_credentials',
      scope: 'orders:read',
      resource: API.acmeOrders,
    });
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.expires_in, 600);
    const claims = jwtPayload(tokens.access_token);
    assert.deepEqual(claims['cnf'], { 'x5t#S256': thumbprintOf(a.cert) });
    assert.equal(claims['aud'], API.acmeOrders);
    assert.equal(claims['client_id'], 'acme-a');

    // openid-client presents the token to the API itself, through the same mTLS customFetch.
    const res = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${api.url}/orders`), 'GET');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { client: 'acme-a', scopes: ['orders:read'], thumbprint: thumbprintOf(a.cert) });
    assert.equal(calls.at(-1)?.authorization, `Bearer ${tokens.access_token}`);
  });

  test('checklist 45: with the top-level token_endpoint unreachable, openid-client still gets its token: it uses mtls_endpoint_aliases', async () => {
    const unreachable = 'https://localhost:1/token';
    const t = transport(a, (document) => ({ ...document, token_endpoint: unreachable }));
    const { config, calls } = await configure(a, t);
    assert.equal(config.serverMetadata().token_endpoint, unreachable);
    const tokens = await client.clientCredentialsGrant(config, { resource: API.acmeOrders });
    assert.equal(calls.at(-1)?.url, `${h.issuer}/token`);
    assert.deepEqual(jwtPayload(tokens.access_token)['cnf'], { 'x5t#S256': thumbprintOf(a.cert) });
  });

  test('RFC 8705 §3: the token openid-client got is refused when presented over another client\'s certificate: 401 invalid_token', async () => {
    const { config } = await configure(a);
    const tokens = await client.clientCredentialsGrant(config, { resource: API.acmeOrders });
    const other = await configure(await credentials('globex-g'));
    const err = await client.fetchProtectedResource(other.config, tokens.access_token, new URL(`${api.url}/orders`), 'GET').then(
      () => assert.fail('the API accepted a token over another certificate'),
      (e: unknown) => e,
    );
    // openid-client parses the guard's RFC 6750 challenge and throws it as a typed error.
    assert.ok(err instanceof client.WWWAuthenticateChallengeError, `got ${String(err)}`);
    assert.equal(err.status, 401);
    assert.deepEqual(err.cause, [
      { scheme: 'bearer', parameters: { realm: API.acmeOrders, error: 'invalid_token', error_description: 'the access token is bound to another certificate' } },
    ]);
  });

  test('interop: another partner\'s certificate for acme-a fails in openid-client with the 401 invalid_client challenge certbound sends', async () => {
    const { config } = await configure(await credentials('globex-g'));
    const err = await client.clientCredentialsGrant(config, { resource: API.acmeOrders }).then(
      () => assert.fail('a token was issued for another partner\'s certificate'),
      (e: unknown) => e,
    );
    // As with oauth4webapi: the Basic challenge is reported before the body is read.
    assert.ok(err instanceof client.WWWAuthenticateChallengeError, `got ${String(err)}`);
    assert.equal(err.status, 401);
    assert.deepEqual(await err.response.json(), { error: 'invalid_client', error_description: 'client authentication failed' });
  });
});
