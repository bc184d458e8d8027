// The guard depends on standards, not on certbound's token service: a token minted by jose
// directly, with a static JWKS, is verified the same way (RFC 9068, RFC 8705 §3.1).
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { after, before, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { withGuard } from '../../src/resource/adapters/node.ts';
import { createGuard, type Guard } from '../../src/resource/guard.ts';
import { startApi, type Api } from '../helpers/api.ts';
import { send } from '../helpers/https.ts';
import { credentials, type Credentials } from '../helpers/world.ts';

const ISSUER = 'https://issuer.example';
const AUDIENCE = 'https://api.example/';
let api: Api;
let guard: Guard;
let key: CryptoKey;
let guardJwk: JWK;
let a: Credentials;
let g: Credentials;

before(async () => {
  const pair = await generateKeyPair('ES256');
  key = pair.privateKey;
  guardJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  guard = createGuard({ issuer: ISSUER, jwks: { keys: [guardJwk] }, audience: AUDIENCE });
  api = await startApi(withGuard(guard, (_req, res, auth) => res.end(String(auth.claims.client_id))));
  a = await credentials('acme-a');
  g = await credentials('globex-g');
});
after(async () => {
  await api.close();
  await guard.close();
});

function mint(claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: 'svc', client_id: 'svc', jti: 'j1', ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1', ...header })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(key);
}

const thumbprint = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url');
const call = (token: string, identity: Credentials) =>
  send(`${api.url}/`, { ca: api.ca, identity, headers: { authorization: `Bearer ${token}` } });

test('RFC 9068 + RFC 8705 §3.1: a jose-minted at+jwt bound to the caller\'s certificate is accepted', async () => {
  const token = await mint({ cnf: { 'x5t#S256': thumbprint(a.cert) } });
  const res = await call(token, a);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.text, 'svc');
});

test('RFC 8705 §3: the jose-minted token presented with another certificate is 401 invalid_token', async () => {
  const token = await mint({ cnf: { 'x5t#S256': thumbprint(a.cert) } });
  const res = await call(token, g);
  assert.equal(res.status, 401);
  assert.equal(res.json?.['error'], 'invalid_token');
});

test('RFC 9068 §4 (JT-08): typ other than at+jwt is 401 invalid_token', async () => {
  const token = await mint({ cnf: { 'x5t#S256': thumbprint(a.cert) } }, { typ: 'JWT' });
  assert.equal((await call(token, a)).status, 401);
});

test('RFC 8705 §7.2 (JT-18, JT-19, JT-20): cnf with x5t, jkt, both, or a padded thumbprint is 401 invalid_token', async () => {
  const t = thumbprint(a.cert);
  for (const cnf of [{ x5t: 'abc' }, { jkt: 'abc' }, { 'x5t#S256': t, jkt: 'abc' }, { 'x5t#S256': `${t}=` }, { 'x5t#S256': Buffer.from(t, 'base64url').toString('hex') }]) {
    const res = await call(await mint({ cnf }), a);
    assert.equal(res.status, 401, JSON.stringify(cnf));
    assert.equal(res.json?.['error'], 'invalid_token');
  }
});

test('JT-11: a token issued in the future beyond the clock tolerance is 401 invalid_token', async () => {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ sub: 'svc', client_id: 'svc', jti: 'j2', cnf: { 'x5t#S256': thumbprint(a.cert) } })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now + 3600)
    .setExpirationTime(now + 7200)
    .sign(key);
  assert.equal((await call(token, a)).status, 401);
});

test('JT-14: a token missing client_id or jti is 401 invalid_token', async () => {
  const now = Math.floor(Date.now() / 1000);
  const bare = await new SignJWT({ sub: 'svc', cnf: { 'x5t#S256': thumbprint(a.cert) } })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(key);
  assert.equal((await call(bare, a)).status, 401);
});

test('RFC 8725 §3.1 (JT-01, JT-02): alg none, and HS256 keyed with the public key, are 401 invalid_token', async () => {
  const claims = Buffer.from(JSON.stringify({
    iss: ISSUER, aud: AUDIENCE, sub: 'svc', client_id: 'svc', jti: 'j3',
    iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 300, cnf: { 'x5t#S256': thumbprint(a.cert) },
  })).toString('base64url');
  const header = (alg: string) => Buffer.from(JSON.stringify({ alg, typ: 'at+jwt', kid: 'k1' })).toString('base64url');
  const none = `${header('none')}.${claims}.`;
  // The classic confusion: an HMAC keyed with the verifier's public key material.
  const publicJwk = JSON.stringify(guardJwk);
  const { createHmac } = await import('node:crypto');
  const mac = createHmac('sha256', publicJwk).update(`${header('HS256')}.${claims}`).digest('base64url');
  for (const token of [none, `${header('HS256')}.${claims}.${mac}`]) {
    const res = await call(token, a);
    assert.equal(res.status, 401, token.slice(0, 20));
    assert.equal(res.json?.['error'], 'invalid_token');
  }
});

test('RFC 8725 §3.1: the guard refuses to be configured with none or an HMAC algorithm', () => {
  for (const algorithms of [['none'], ['HS256'], ['ES256', 'HS512'], []]) {
    assert.throws(() => createGuard({ issuer: ISSUER, jwks: { keys: [] }, audience: AUDIENCE, algorithms }), { code: 'ERR_INVALID_ARG_VALUE' });
  }
});

test('node adapter: a handler that throws is answered 500 server_error without detail, and the server keeps serving', async () => {
  const failing = await startApi(withGuard(guard, () => {
    throw new Error('database password is hunter2');
  }));
  try {
    const token = await mint({ cnf: { 'x5t#S256': thumbprint(a.cert) } });
    const res = await send(`${failing.url}/`, { ca: failing.ca, identity: a, headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 500);
    assert.deepEqual(res.json, { error: 'server_error' });
    assert.ok(!res.text.includes('hunter2'));
    assert.equal((await send(`${failing.url}/`, { ca: failing.ca, identity: a, headers: { authorization: `Bearer ${token}` } })).status, 500, 'still serving');
  } finally {
    await failing.close();
  }
});

test('verified claims are frozen: one request\'s handler cannot change what the next one sees', async () => {
  let seen: unknown;
  const probe = await startApi(withGuard(guard, (_req, res, auth) => {
    seen = Object.isFrozen(auth.claims);
    res.end('ok');
  }));
  try {
    const token = await mint({ cnf: { 'x5t#S256': thumbprint(a.cert) } });
    assert.equal((await send(`${probe.url}/`, { ca: probe.ca, identity: a, headers: { authorization: `Bearer ${token}` } })).status, 200);
    assert.equal(seen, true);
  } finally {
    await probe.close();
  }
});
