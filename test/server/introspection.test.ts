// RFC 7662 token introspection with RFC 8705 §3.2 `cnf`, over real TLS.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { SignJWT, type JWTPayload } from 'jose';
import { loadSigningKey } from '../../src/server/signing-keys.ts';
import { API, credentials, derOf, secret, startWorld, type Credentials, type Harness } from '../helpers/world.ts';
import { jwtHeader, jwtPayload, send, type Response } from '../helpers/https.ts';

const INACTIVE = '{"active":false}';
const INVALID_CLIENT_BODY = '{"error":"invalid_client","error_description":"client authentication failed"}';

let h: Harness;
/** How far the service's clock runs ahead of the real one. */
let clockShiftMs = 0;
let a: Credentials;
let rs: Credentials;
let grs: Credentials;

before(async () => {
  h = await startWorld({ now: () => new Date(Date.now() + clockShiftMs) });
  [a, rs, grs] = await Promise.all([credentials('acme-a'), credentials('acme-rs'), credentials('globex-rs')]);
});
after(() => h.close());

/** A token for a certificate client of the world. */
async function tokenFor(clientId: string, form: Record<string, string> = {}): Promise<string> {
  const c = await credentials(clientId);
  const res = await send(`${h.issuer}/token`, { ca: c.ca, identity: c, form: { grant_type: 'client_credentials', client_id: clientId, ...form } });
  assert.equal(res.status, 200, res.text);
  return String(res.json?.['access_token']);
}

/** Introspects `token` as the certificate client `caller`. */
function introspectAs(caller: string, creds: Credentials, form: Record<string, string>): Promise<Response> {
  return send(`${h.issuer}/introspect`, { ca: creds.ca, identity: creds, form: { client_id: caller, ...form } });
}

function assertInactive(res: Response): void {
  assert.equal(res.status, 200, res.text);
  assert.equal(res.text, INACTIVE, 'exactly {"active":false}, no other member');
  assert.equal(res.headers['cache-control'], 'no-store');
}

/** Signs claims with the service's own signing key, to check what the verifier refuses. */
async function signWithServiceKey(header: { typ: string }, claims: JWTPayload): Promise<string> {
  const stored = await h.store.listSigningKeys();
  const key = await loadSigningKey(stored.at(-1)!);
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: key.kid, ...header }).sign(key.privateKey);
}

describe('POST /introspect', () => {
  test('RFC 7662 §2.2 / RFC 8705 §3.2 (LC-07): the owner sees its bound token active, with cnf and the token\'s claims', async () => {
    const token = await tokenFor('acme-a');
    const res = await introspectAs('acme-a', a, { token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['cache-control'], 'no-store');
    const claims = jwtPayload(token);
    const body = res.json!;
    assert.equal(body['active'], true);
    assert.deepEqual(body['cnf'], { 'x5t#S256': createHash('sha256').update(derOf(a.cert)).digest('base64url') });
    assert.equal(body['scope'], 'orders:read orders:write billing:read');
    assert.equal(body['client_id'], 'acme-a');
    assert.equal(body['sub'], 'acme-a');
    assert.equal(body['aud'], API.acmeOrders);
    assert.equal(body['iss'], h.issuer);
    assert.equal(body['token_type'], 'Bearer');
    assert.equal(body['exp'], claims['exp']);
    assert.equal(body['iat'], claims['iat']);
    assert.equal(Number(body['exp']) - Number(body['iat']), 600);
  });

  test('RFC 8705 §1 (checklist 2): tls_client_auth authenticates the caller at /introspect, and only with its certificate', async () => {
    const token = await tokenFor('acme-a');
    assert.equal((await introspectAs('acme-a', a, { token })).json?.['active'], true);
    const noCert = await send(`${h.issuer}/introspect`, { ca: a.ca, form: { client_id: 'acme-a', token } });
    assert.equal(noCert.status, 401);
    assert.equal(noCert.text, INVALID_CLIENT_BODY);
  });

  test('RFC 7662 §2.1: a resource server registered for the audience sees the token active, bound to the owner\'s certificate', async () => {
    const token = await tokenFor('acme-a', { resource: API.acmeOrders });
    const res = await introspectAs('acme-rs', rs, { token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json?.['active'], true);
    assert.equal(res.json?.['client_id'], 'acme-a');
    assert.equal(res.json?.['aud'], API.acmeOrders);
    assert.deepEqual(res.json?.['cnf'], { 'x5t#S256': createHash('sha256').update(derOf(a.cert)).digest('base64url') });
  });

  test('RFC 7662 §2.2: a resource server sees a token for another audience as exactly {"active":false}', async () => {
    const token = await tokenFor('acme-a', { resource: API.acmeBilling });
    assertInactive(await introspectAs('acme-rs', rs, { token }));
  });

  test('LC-06: another partner\'s resource server sees the token as exactly {"active":false}', async () => {
    const token = await tokenFor('acme-a', { resource: API.acmeOrders });
    assertInactive(await introspectAs('globex-rs', grs, { token }));
  });

  test('RFC 7662 §2.2: a client of the same partner that is neither owner nor registered resource server sees {"active":false}', async () => {
    const token = await tokenFor('acme-a', { resource: API.acmeOrders });
    assertInactive(await introspectAs('acme-san', await credentials('acme-san'), { token }));
  });

  test('RFC 7662 §2.2: garbage, unknown and tampered tokens are {"active":false}', async () => {
    const token = await tokenFor('acme-a');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = jwtPayload(token);
    const reencode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const candidates = [
      'garbage',
      'a.b.c',
      `${header}.${payload}`,
      `${header}.${payload}.${signature.slice(0, -4)}AAAA`,
      `${header}.${reencode({ ...claims, scope: 'orders:read admin' })}.${signature}`,
      `${header}.${reencode({ ...claims, exp: Number(claims['exp']) + 86_400 })}.${signature}`,
      `${reencode({ alg: 'none', typ: 'at+jwt' })}.${payload}.`,
      // A stranger's key, claiming the service's kid.
      await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: String(jwtHeader(token)['kid']) }).sign(stranger),
      // The service's own key, but another issuer or not an access token.
      await signWithServiceKey({ typ: 'at+jwt' }, { ...claims, iss: 'https://evil.example', jti: randomUUID() }),
      await signWithServiceKey({ typ: 'JWT' }, { ...claims, jti: randomUUID() }),
      'x'.repeat(10_000),
    ];
    for (const candidate of candidates) assertInactive(await introspectAs('acme-a', a, { token: candidate }));
    // The forging itself is sound: the same key, issuer and type make an active token.
    const control = await signWithServiceKey({ typ: 'at+jwt' }, { ...claims, jti: randomUUID() });
    assert.equal((await introspectAs('acme-a', a, { token: control })).json?.['active'], true);
  });

  test('LC-01: a revoked token is {"active":false}, to its owner and to the resource server', async () => {
    const token = await tokenFor('acme-a', { resource: API.acmeOrders });
    assert.equal((await introspectAs('acme-rs', rs, { token })).json?.['active'], true);
    const revoked = await send(`${h.issuer}/revoke`, { ca: a.ca, identity: a, form: { client_id: 'acme-a', token } });
    assert.equal(revoked.status, 200);
    assertInactive(await introspectAs('acme-a', a, { token }));
    assertInactive(await introspectAs('acme-rs', rs, { token }));
  });

  test('RFC 7662 §2.2: an expired token is {"active":false}', async () => {
    const token = await tokenFor('acme-a');
    assert.equal((await introspectAs('acme-a', a, { token })).json?.['active'], true);
    const exp = Number(jwtPayload(token)['exp']) * 1000;
    try {
      clockShiftMs = exp - Date.now() + 1000;
      assertInactive(await introspectAs('acme-a', a, { token }));
    } finally {
      clockShiftMs = 0;
    }
  });

  test('RFC 7662 §2.1: token_type_hint is only a hint', async () => {
    const token = await tokenFor('acme-a');
    for (const hint of ['refresh_token', 'access_token', 'no_such_type']) {
      assert.equal((await introspectAs('acme-a', a, { token, token_type_hint: hint })).json?.['active'], true);
    }
  });

  test('RFC 7662 §2.1: a client_secret_post caller introspects its own unbound token, which carries no cnf', async () => {
    const s = await secret('acme-post');
    const issued = await send(`${h.issuer}/token`, { ca: a.ca, form: { grant_type: 'client_credentials', client_id: 'acme-post', client_secret: s } });
    assert.equal(issued.status, 200, issued.text);
    const token = String(issued.json?.['access_token']);
    const res = await send(`${h.issuer}/introspect`, { ca: a.ca, form: { client_id: 'acme-post', client_secret: s, token } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json?.['active'], true);
    assert.equal(res.json?.['client_id'], 'acme-post');
    assert.equal(res.json?.['cnf'], undefined);
  });

  test('RFC 7662 §2.1: a missing or repeated token parameter is 400 invalid_request', async () => {
    const token = await tokenFor('acme-a');
    for (const form of [{ client_id: 'acme-a' }, { client_id: 'acme-a', token: [token, token] }]) {
      const res = await send(`${h.issuer}/introspect`, { ca: a.ca, identity: a, form });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json?.['error'], 'invalid_request');
      assert.equal(res.headers['cache-control'], 'no-store');
    }
  });

  test('RFC 7662 §2.1 (LC-05): an unauthenticated caller is 401 invalid_client and learns nothing about the token', async () => {
    const token = await tokenFor('acme-a');
    const g = await credentials('globex-g');
    for (const res of [
      await send(`${h.issuer}/introspect`, { ca: a.ca, form: { token } }),
      await send(`${h.issuer}/introspect`, { ca: a.ca, form: { client_id: 'acme-a', token } }),
      await send(`${h.issuer}/introspect`, { ca: a.ca, identity: g, form: { client_id: 'acme-a', token } }),
      await send(`${h.issuer}/introspect`, { ca: a.ca, identity: a, form: { client_id: 'acme-nobody', token } }),
      await send(`${h.issuer}/introspect`, { ca: a.ca, form: { client_id: 'acme-post', client_secret: 'wrong', token } }),
    ]) {
      assert.equal(res.status, 401, res.text);
      assert.equal(res.text, INVALID_CLIENT_BODY);
      assert.equal(res.headers['www-authenticate'], `Basic realm="${h.issuer}"`);
      assert.equal(res.headers['cache-control'], 'no-store');
    }
  });

  test('RFC 7662 §2.1: GET /introspect is 405 with Allow: POST', async () => {
    const res = await send(`${h.issuer}/introspect`, { ca: a.ca, identity: a });
    assert.equal(res.status, 405);
    assert.equal(res.headers['allow'], 'POST');
    assert.equal(res.json?.['error'], 'invalid_request');
  });
});
