// Interop with panva/jose (v6) as a resource server would use it: the JWKS found through
// RFC 8414 metadata, fetched over HTTPS under the platform CA, verifies certbound's RFC 9068
// access tokens.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, customFetch, errors, jwtVerify, type FetchImplementation } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';
import { send } from '../helpers/https.ts';
import { API, credentials, derOf, startWorld, type Credentials, type Harness } from '../helpers/world.ts';

let h: Harness;
let a: Credentials;
let agent: Agent;
let metadata: { issuer: string; jwks_uri: string };

/** jose's customFetch over an undici Agent that trusts the platform CA (the JWKS is not under a public CA). */
const trustingFetch: FetchImplementation = async (url, options) =>
  // undici's Response is the class Node exposes globally; only the TypeScript declarations differ.
  (await undiciFetch(url, { ...options, dispatcher: agent })) as unknown as Response;

before(async () => {
  h = await startWorld();
  a = await credentials('acme-a');
  agent = new Agent({ connect: { ca: a.ca } });
  const res = await undiciFetch(`${h.issuer}/.well-known/oauth-authorization-server`, { dispatcher: agent });
  assert.equal(res.status, 200);
  metadata = (await res.json()) as typeof metadata;
});
after(async () => {
  await agent.close();
  await h.close();
});

async function accessToken(form: Record<string, string> = {}): Promise<string> {
  const res = await send(`${h.issuer}/token`, {
    ca: a.ca,
    identity: a,
    form: { grant_type: 'client_credentials', client_id: 'acme-a', ...form },
  });
  assert.equal(res.status, 200, res.text);
  return String(res.json?.['access_token']);
}

describe('jose as a resource server\'s verifier', () => {
  test('interop: jose jwtVerify with createRemoteJWKSet on the metadata jwks_uri verifies a certbound at+jwt (RFC 9068)', async () => {
    const token = await accessToken();
    const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri), { [customFetch]: trustingFetch });
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: metadata.issuer,
      audience: API.acmeOrders,
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
    assert.equal(metadata.issuer, h.issuer);
    assert.equal(payload.iss, metadata.issuer);
    assert.equal(protectedHeader.typ, 'at+jwt');
    assert.equal(protectedHeader.alg, 'ES256');
    const kids = jwks.jwks()?.keys.map((k) => k.kid);
    assert.ok(protectedHeader.kid && kids?.includes(protectedHeader.kid), `kid ${protectedHeader.kid} not in ${JSON.stringify(kids)}`);
    assert.equal(payload.sub, 'acme-a');
    assert.equal(payload['client_id'], 'acme-a');
    assert.equal(payload.aud, API.acmeOrders);
    assert.deepEqual(payload['cnf'], { 'x5t#S256': createHash('sha256').update(derOf(a.cert)).digest('base64url') });
  });

  test('interop: the JWKS jose fetches is a public EC P-256 signing key set, served as application/jwk-set+json', async () => {
    const res = await trustingFetch(metadata.jwks_uri, {
      method: 'GET',
      redirect: 'manual',
      headers: new Headers({ accept: 'application/json, application/jwk-set+json' }),
      signal: AbortSignal.timeout(5_000),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/jwk-set\+json\b/);
    const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
    assert.ok(keys.length >= 1);
    for (const key of keys) {
      assert.equal(key['kty'], 'EC');
      assert.equal(key['crv'], 'P-256');
      assert.equal(typeof key['kid'], 'string');
      assert.equal(key['d'], undefined, 'a JWKS never carries private key material');
      if (key['use'] !== undefined) assert.equal(key['use'], 'sig');
      if (key['alg'] !== undefined) assert.equal(key['alg'], 'ES256');
    }
  });

  test('interop: jose rejects a certbound token verified for another audience with ERR_JWT_CLAIM_VALIDATION_FAILED on aud', async () => {
    const token = await accessToken({ resource: API.acmeBilling });
    const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri), { [customFetch]: trustingFetch });
    await assert.rejects(
      jwtVerify(token, jwks, { issuer: metadata.issuer, audience: API.acmeOrders, typ: 'at+jwt', algorithms: ['ES256'] }),
      (err: unknown) => {
        assert.ok(err instanceof errors.JWTClaimValidationFailed, `got ${String(err)}`);
        assert.equal(err.code, 'ERR_JWT_CLAIM_VALIDATION_FAILED');
        assert.equal(err.claim, 'aud');
        return true;
      },
    );
    // The same token verifies for the audience it was issued to.
    const { payload } = await jwtVerify(token, jwks, { issuer: metadata.issuer, audience: API.acmeBilling, typ: 'at+jwt', algorithms: ['ES256'] });
    assert.equal(payload.aud, API.acmeBilling);
  });
});
