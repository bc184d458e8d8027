// The certbound SDK and guard against an authorization server nobody here wrote: panva's
// oidc-provider (v9), unmodified, configured for client_credentials with RFC 8705 tls_client_auth
// and certificate-bound JWT access tokens (RFC 9068, via RFC 8707 resource indicators), served
// over node:https on loopback with a certificate from the world's platform CA.
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { createClient, type CertboundClient } from '../../src/client/index.ts';
import { OAuthError } from '../../src/core/errors.ts';
import { withGuard } from '../../src/resource/adapters/node.ts';
import { pkcs8ToPem } from '../../src/pki/keys.ts';
import { createSelfSignedCertificate } from '../../src/pki/self-signed.ts';
import { createGuard, type Guard } from '../../src/resource/guard.ts';
import { serverCredentials, startApi, type Api } from '../helpers/api.ts';
import { jwtHeader, jwtPayload, send } from '../helpers/https.ts';
import { API, authority, credentials, type Credentials } from '../helpers/world.ts';
import { boundTokenProviderConfig } from '../helpers/oidc-provider.ts';

/** The resource server oidc-provider issues JWT access tokens for. */
const RESOURCE = API.acmeOrders;

let server: Server;
let issuer: string;
let platformCa: string;
let a: Credentials;
let g: Credentials;
let guard: Guard;
let api: Api;
const clients: CertboundClient[] = [];

const thumbprintOf = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url');

/** The client certificate of this request, as oidc-provider's `features.mTLS.getCertificate` must return it (PEM). */
function peerCertificate(ctx: KoaContextWithOIDC): string | undefined {
  return (ctx.socket as TLSSocket).getPeerX509Certificate?.()?.toString();
}

/** A subject DN in RFC 4514 order (`CN=acme-a,O=acme`); Node lists RDNs most significant first, one a line. */
function rfc4514Subject(pem: string): string {
  return new X509Certificate(pem).subject.split('\n').reverse().join(',');
}

function client(identity: Credentials = a, options: { clientId?: string } = {}): CertboundClient {
  const c = createClient({ issuer, clientId: options.clientId ?? 'acme-a', cert: identity.cert, key: identity.key, ca: platformCa, scope: 'orders:read', resource: RESOURCE });
  clients.push(c);
  return c;
}

before(async () => {
  [a, g] = await Promise.all([credentials('acme-a'), credentials('globex-g')]);
  const tls = await serverCredentials();
  platformCa = tls.ca;
  // The partner CAs are issued by the platform root: both are trust anchors of the handshake,
  // whose verdict (socket.authorized) is what certificateAuthorized reports.
  const partnerCas = await Promise.all(['acme', 'globex'].map(async (id) => (await authority(id)).certPem));
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => void res.writeHead(503).end();
  server = createServer({ cert: tls.cert, key: tls.key, ca: [platformCa, ...partnerCas], requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' }, (req, res) =>
    handle(req, res),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `https://localhost:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'oidc-provider-es256', alg: 'ES256', use: 'sig' };
  const provider = new Provider(
    issuer,
    boundTokenProviderConfig({
      clientId: 'acme-a',
      // The format is the deployer's: subjectOf below gives RFC 4514 strings.
      subjectDn: 'CN=acme-a,O=acme',
      resource: RESOURCE,
      scope: 'orders:read orders:write',
      signingKey,
      cookieKey: 'interop-test-cookie-key',
      tokenTtl: 300,
      getCertificate: peerCertificate,
      subjectOf: (ctx) => {
        const pem = peerCertificate(ctx);
        return pem === undefined ? undefined : rfc4514Subject(pem);
      },
    }),
  );
  handle = provider.callback();

  guard = createGuard({ issuer, ca: platformCa, audience: RESOURCE });
  api = await startApi(
    withGuard(guard, (_req, res, auth) => res.end(JSON.stringify({ client: auth.claims.client_id, scopes: auth.scopes, thumbprint: auth.thumbprint })), {
      scopes: ['orders:read'],
    }),
  );
});
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await api.close();
  await guard.close();
  await new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())));
});

describe('oidc-provider as the authorization server', () => {
  test('interop: oidc-provider serves RFC 8414 metadata at /.well-known/oauth-authorization-server, with tls_client_auth and bound tokens, and no mtls_endpoint_aliases', async () => {
    const res = await send(`${issuer}/.well-known/oauth-authorization-server`, { ca: platformCa });
    assert.equal(res.status, 200);
    const metadata = res.json!;
    assert.equal(metadata['issuer'], issuer);
    assert.equal(metadata['token_endpoint'], `${issuer}/token`);
    assert.equal(metadata['jwks_uri'], `${issuer}/jwks`);
    assert.equal(metadata['tls_client_certificate_bound_access_tokens'], true);
    assert.ok((metadata['token_endpoint_auth_methods_supported'] as string[]).includes('tls_client_auth'));
    assert.ok((metadata['grant_types_supported'] as string[]).includes('client_credentials'));
    // No aliases: one listener serves every client, so the SDK uses the top-level endpoint (checklist 46).
    assert.equal(metadata['mtls_endpoint_aliases'], undefined);
  });

  test('interop: the SDK gets from oidc-provider an RFC 9068 JWT access token whose cnf.x5t#S256 is acme-a\'s certificate thumbprint', async () => {
    const token = await client().getToken();
    assert.equal(token.response['token_type'], 'Bearer');
    assert.equal(token.response['expires_in'], 300);
    const header = jwtHeader(token.accessToken);
    assert.equal(header['typ'], 'at+jwt');
    assert.equal(header['alg'], 'ES256');
    assert.equal(header['kid'], 'oidc-provider-es256');
    const claims = jwtPayload(token.accessToken);
    assert.deepEqual(claims['cnf'], { 'x5t#S256': thumbprintOf(a.cert) });
    assert.equal(claims['iss'], issuer);
    assert.equal(claims['aud'], RESOURCE);
    assert.equal(claims['client_id'], 'acme-a');
    assert.equal(claims['sub'], 'acme-a');
    assert.equal(claims['scope'], 'orders:read');
    for (const name of ['jti', 'iat', 'exp']) assert.ok(claims[name] !== undefined, `${name} is present`);
  });

  test('interop: the certbound guard accepts oidc-provider\'s token with the certificate it is bound to (client.fetch over the same identity)', async () => {
    const res = await client().fetch(`${api.url}/orders`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { client: 'acme-a', scopes: ['orders:read'], thumbprint: thumbprintOf(a.cert) });
  });

  test('RFC 8705 §3: the guard refuses oidc-provider\'s token presented with globex-g\'s certificate, or with none: 401 invalid_token', async () => {
    const { accessToken } = await client().getToken();
    const headers = { authorization: `Bearer ${accessToken}` };
    const withOther = await send(`${api.url}/orders`, { ca: platformCa, identity: g, headers });
    assert.equal(withOther.status, 401);
    assert.equal(withOther.json?.['error'], 'invalid_token');
    assert.equal(withOther.json?.['error_description'], 'the access token is bound to another certificate');
    assert.match(String(withOther.headers['www-authenticate']), /^Bearer .*error="invalid_token"/);
    const withNone = await send(`${api.url}/orders`, { ca: platformCa, headers });
    assert.equal(withNone.status, 401);
    assert.equal(withNone.json?.['error'], 'invalid_token');
    const withOwn = await send(`${api.url}/orders`, { ca: platformCa, identity: a, headers });
    assert.equal(withOwn.status, 200);
  });

  test('interop: oidc-provider\'s refusals reach SDK callers as typed OAuth errors: another subject or an untrusted certificate is invalid_client (401), another resource invalid_target (400)', async () => {
    const otherSubject = await client(g).getToken().then(() => assert.fail('a token for another subject'), (e: unknown) => e);
    assert.ok(otherSubject instanceof OAuthError, String(otherSubject));
    assert.equal(otherSubject.error, 'invalid_client');
    assert.equal(otherSubject.status, 401);
    // The right subject on a certificate no trusted CA issued: certificateAuthorized says no.
    const forged = await createSelfSignedCertificate({ subject: 'CN=acme-a,O=acme' });
    const untrusted = { ...a, cert: forged.certPem, key: pkcs8ToPem(forged.keyPkcs8) };
    assert.equal(rfc4514Subject(forged.certPem), 'CN=acme-a,O=acme');
    await assert.rejects(client(untrusted).getToken(), (e: unknown) => e instanceof OAuthError && e.error === 'invalid_client' && e.status === 401);
    const otherResource = await client().getToken({ resource: API.globex }).then(() => assert.fail('a token for another resource'), (e: unknown) => e);
    assert.ok(otherResource instanceof OAuthError, String(otherResource));
    assert.equal(otherResource.error, 'invalid_target');
    assert.equal(otherResource.status, 400);
  });
});
