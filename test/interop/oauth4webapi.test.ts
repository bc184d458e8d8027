// Interop with panva/oauth4webapi (v3), the OAuth client library openid-client is built on:
// RFC 8414 discovery, RFC 8705 tls_client_auth over an undici dispatcher holding the client
// certificate, RFC 7662 introspection and RFC 7009 revocation, and its typed errors.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as oauth from 'oauth4webapi';
import { Agent, fetch as undiciFetch } from 'undici';
import { jwtPayload } from '../helpers/https.ts';
import { API, credentials, derOf, secret, startWorld, type Credentials, type Harness } from '../helpers/world.ts';

type Fetch = NonNullable<oauth.HttpRequestOptions<'GET' | 'POST', URLSearchParams | undefined>[typeof oauth.customFetch]>;

/** A fetch for oauth4webapi's `customFetch` over one undici Agent, recording what it was asked to send. */
interface Transport {
  readonly fetch: Fetch;
  readonly calls: { url: string; method: string; body: string; headers: Record<string, string> }[];
}

let h: Harness;
let a: Credentials;
let as: oauth.AuthorizationServer;
const agents: Agent[] = [];

/** An undici dispatcher trusting the platform CA, presenting `identity`'s certificate when given. */
function transport(identity?: Credentials, ca = a.ca): Transport {
  const agent = new Agent({ connect: identity ? { cert: identity.cert, key: identity.key, ca } : { ca } });
  agents.push(agent);
  const calls: Transport['calls'] = [];
  const fetch: Fetch = async (url, options) => {
    calls.push({ url, method: options.method, body: String(options.body ?? ''), headers: options.headers });
    const { body, signal, method, headers, redirect } = options;
    const response = await undiciFetch(url, {
      method,
      headers,
      redirect,
      dispatcher: agent,
      ...(body === undefined ? {} : { body }),
      ...(signal === undefined ? {} : { signal }),
    });
    // undici's Response is the same class Node exposes globally; only the TypeScript declarations differ.
    return response as unknown as Response;
  };
  return { fetch, calls };
}

const acmeA: oauth.Client = { client_id: 'acme-a', use_mtls_endpoint_aliases: true };
const acmeRs: oauth.Client = { client_id: 'acme-rs', use_mtls_endpoint_aliases: true };

async function discover(t: Transport): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(h.issuer);
  const response = await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', [oauth.customFetch]: t.fetch });
  return oauth.processDiscoveryResponse(issuer, response);
}

/** A token for acme-a, obtained the oauth4webapi way. */
async function tokenForAcmeA(): Promise<oauth.TokenEndpointResponse> {
  const t = transport(a);
  const response = await oauth.clientCredentialsGrantRequest(as, acmeA, oauth.TlsClientAuth(), {}, { [oauth.customFetch]: t.fetch as unknown as (u: string, o: oauth.CustomFetchOptions<string, oauth.ProtectedResourceRequestBody>) => Promise<Response> });
  return oauth.processClientCredentialsResponse(as, acmeA, response);
}

async function introspectAsAcmeRs(token: string): Promise<oauth.IntrospectionResponse> {
  const t = transport(await credentials('acme-rs'));
  const response = await oauth.introspectionRequest(as, acmeRs, oauth.TlsClientAuth(), token, { [oauth.customFetch]: t.fetch as unknown as (u: string, o: oauth.CustomFetchOptions<string, oauth.ProtectedResourceRequestBody>) => Promise<Response> });
  return oauth.processIntrospectionResponse(as, acmeRs, response);
}

before(async () => {
  h = await startWorld();
  a = await credentials('acme-a');
  as = await discover(transport());
});
after(async () => {
  await Promise.all(agents.map((agent) => agent.close()));
  await h.close();
});

const thumbprintOf = (pem: string) => createHash('sha256').update(derOf(pem)).digest('base64url');

describe('oauth4webapi as an RFC 8705 client', () => {
  test('interop: oauth4webapi discovers the issuer (RFC 8414 algorithm "oauth2") and the mTLS endpoint aliases', async () => {
    const t = transport();
    const discovered = await discover(t);
    assert.deepEqual(t.calls.map((c) => [c.method, c.url]), [['GET', `${h.issuer}/.well-known/oauth-authorization-server`]]);
    assert.equal(discovered.issuer, h.issuer);
    assert.equal(discovered.token_endpoint, `${h.issuer}/token`);
    assert.equal(discovered.jwks_uri, `${h.issuer}/jwks`);
    assert.equal(discovered.tls_client_certificate_bound_access_tokens, true);
    assert.deepEqual(discovered.mtls_endpoint_aliases, {
      token_endpoint: `${h.issuer}/token`,
      introspection_endpoint: `${h.issuer}/introspect`,
      revocation_endpoint: `${h.issuer}/revoke`,
    });
    assert.ok(discovered.token_endpoint_auth_methods_supported?.includes('tls_client_auth'));
    assert.ok(discovered.token_endpoint_auth_methods_supported?.includes('self_signed_tls_client_auth'));
  });

  test('interop: oauth4webapi TlsClientAuth over an undici mTLS dispatcher gets, from the mTLS alias, a token bound to the certificate', async () => {
    const t = transport(a);
    const response = await oauth.clientCredentialsGrantRequest(as, acmeA, oauth.TlsClientAuth(), { scope: 'orders:read' }, {
      [oauth.customFetch]: t.fetch,
    });
    const result = await oauth.processClientCredentialsResponse(as, acmeA, response);
    assert.equal(t.calls.length, 1);
    const [call] = t.calls;
    assert.equal(call?.url, as.mtls_endpoint_aliases?.token_endpoint, 'use_mtls_endpoint_aliases sends the request to the alias');
    assert.equal(call?.method, 'POST');
    assert.equal(call?.headers['authorization'], undefined, 'tls_client_auth sends no Authorization header');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(call?.body)), { client_id: 'acme-a', grant_type: 'client_credentials', scope: 'orders:read' });
    assert.equal(result.token_type, 'bearer');
    assert.equal(result.expires_in, 600);
    assert.equal(result.scope, 'orders:read');
    const claims = jwtPayload(result.access_token);
    assert.deepEqual(claims['cnf'], { 'x5t#S256': thumbprintOf(a.cert) });
    assert.equal(claims['iss'], as.issuer);
    assert.equal(claims['client_id'], 'acme-a');
  });

  test('interop: oauth4webapi introspection by the resource server acme-rs sees the token active with its cnf (RFC 7662, RFC 8705 §3.2)', async () => {
    const { access_token } = await tokenForAcmeA();
    const claims = jwtPayload(access_token);
    const result = await introspectAsAcmeRs(access_token);
    assert.deepEqual(result, {
      active: true,
      iss: h.issuer,
      sub: 'acme-a',
      client_id: 'acme-a',
      aud: API.acmeOrders,
      scope: 'orders:read orders:write billing:read',
      exp: claims['exp'],
      iat: claims['iat'],
      jti: claims['jti'],
      token_type: 'Bearer',
      cnf: { 'x5t#S256': thumbprintOf(a.cert) },
    });
  });

  test('interop: oauth4webapi revocation by the token\'s client succeeds and the token then introspects inactive (RFC 7009)', async () => {
    const { access_token } = await tokenForAcmeA();
    assert.equal((await introspectAsAcmeRs(access_token)).active, true);
    const t = transport(a);
    const response = await oauth.revocationRequest(as, acmeA, oauth.TlsClientAuth(), access_token, { [oauth.customFetch]: t.fetch as unknown as (u: string, o: oauth.CustomFetchOptions<string, oauth.ProtectedResourceRequestBody>) => Promise<Response> });
    assert.equal(await oauth.processRevocationResponse(response), undefined);
    assert.equal(t.calls[0]?.url, as.mtls_endpoint_aliases?.revocation_endpoint);
    assert.deepEqual(await introspectAsAcmeRs(access_token), { active: false });
  });

  test('interop: oauth4webapi surfaces invalid_client for another partner\'s certificate as its typed 401 challenge error, with the OAuth body intact', async () => {
    const t = transport(await credentials('globex-g'));
    const response = await oauth.clientCredentialsGrantRequest(as, acmeA, oauth.TlsClientAuth(), {}, { [oauth.customFetch]: t.fetch as unknown as (u: string, o: oauth.CustomFetchOptions<string, oauth.ProtectedResourceRequestBody>) => Promise<Response> });
    // certbound answers every invalid_client with `WWW-Authenticate: Basic realm=<issuer>` (design
    // contract), and oauth4webapi 3 checks challenges before the body: it throws
    // WWWAuthenticateChallengeError, not ResponseBodyError, and the RFC 6749 error code is read from
    // the response it carries.
    const err = await oauth.processClientCredentialsResponse(as, acmeA, response).then(
      () => assert.fail('a token was issued for another partner\'s certificate'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof oauth.WWWAuthenticateChallengeError, `got ${String(err)}`);
    assert.equal(err.code, oauth.WWW_AUTHENTICATE_CHALLENGE);
    assert.equal(err.status, 401);
    assert.deepEqual(err.cause, [{ scheme: 'basic', parameters: { realm: h.issuer } }]);
    assert.equal(err.response.bodyUsed, false);
    assert.deepEqual(await err.response.json(), { error: 'invalid_client', error_description: 'client authentication failed' });
  });

  test('interop: oauth4webapi ClientSecretBasic with a wrong secret meets the Basic challenge RFC 6749 §5.2 requires', async () => {
    const client: oauth.Client = { client_id: 'acme-basic' };
    const t = transport();
    const wrong = `${await secret('acme-basic')}x`;
    const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(wrong), {}, { [oauth.customFetch]: t.fetch as unknown as (u: string, o: oauth.CustomFetchOptions<string, oauth.ProtectedResourceRequestBody>) => Promise<Response> });
    assert.match(t.calls[0]?.headers['authorization'] ?? '', /^Basic /);
    const err = await oauth.processClientCredentialsResponse(as, client, response).then(
      () => assert.fail('a token was issued for a wrong secret'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof oauth.WWWAuthenticateChallengeError, `got ${String(err)}`);
    assert.equal(err.status, 401);
    assert.deepEqual(err.cause, [{ scheme: 'basic', parameters: { realm: h.issuer } }]);
    assert.deepEqual(await err.response.json(), { error: 'invalid_client', error_description: 'client authentication failed' });
  });
});

test('interop: a token oauth4webapi obtained is accepted by the certbound guard over the same mTLS identity, and refused with another', async () => {
  const { createGuard } = await import('../../src/resource/guard.ts');
  const { withGuard } = await import('../../src/resource/adapters/node.ts');
  const { startApi } = await import('../helpers/api.ts');
  const guard = createGuard({ issuer: h.issuer, ca: a.ca, audience: API.acmeOrders });
  const api = await startApi(withGuard(guard, (_req, res, auth) => res.end(String(auth.claims.client_id))));
  try {
    const { access_token } = await tokenForAcmeA();
    const url = new URL(`${api.url}/orders`);
    const call = (t: Transport) => oauth.protectedResourceRequest(access_token, 'GET', url, new Headers(), null, { [oauth.customFetch]: t.fetch as unknown as (u: string, o: oauth.CustomFetchOptions<string, oauth.ProtectedResourceRequestBody>) => Promise<Response> });
    const ok = await call(transport(a, api.ca));
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'acme-a');
    // oauth4webapi turns the guard's RFC 6750 challenge into its typed challenge error.
    await assert.rejects(call(transport(await credentials('globex-g'), api.ca)), (err: unknown) => {
      assert.ok(err instanceof oauth.WWWAuthenticateChallengeError);
      assert.equal(err.status, 401);
      assert.equal(err.cause[0]?.parameters.error, 'invalid_token');
      return true;
    });
  } finally {
    await api.close();
    await guard.close();
  }
});
