import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { API, credentials, derOf, secret, startWorld, type Harness } from '../helpers/world.ts';
import { jwtHeader, jwtPayload, send } from '../helpers/https.ts';

let h: Harness;
before(async () => {
  h = await startWorld();
});
after(() => h.close());

const token = (path = '/token') => `${h.issuer}${path}`;

describe('POST /token, client_credentials', () => {
  test('RFC 8705 §3.1: a tls_client_auth client gets a JWT whose cnf.x5t#S256 is SHA-256 of its certificate DER', async () => {
    const a = await credentials('acme-a');
    const res = await send(token(), { ca: a.ca, identity: a, form: { grant_type: 'client_credentials', client_id: 'acme-a' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.json?.['token_type'], 'Bearer');
    assert.equal(res.json?.['expires_in'], 600);
    assert.equal(res.json?.['scope'], 'orders:read orders:write billing:read');
    const at = String(res.json?.['access_token']);
    const header = jwtHeader(at);
    assert.equal(header['typ'], 'at+jwt');
    assert.equal(header['alg'], 'ES256');
    assert.equal(typeof header['kid'], 'string');
    const claims = jwtPayload(at);
    const expected = createHash('sha256').update(derOf(a.cert)).digest('base64url');
    assert.deepEqual(claims['cnf'], { 'x5t#S256': expected });
    assert.equal(claims['iss'], h.issuer);
    assert.equal(claims['sub'], 'acme-a');
    assert.equal(claims['client_id'], 'acme-a');
    assert.equal(claims['aud'], API.acmeOrders, 'the first registered resource is the default audience');
    assert.equal(typeof claims['jti'], 'string');
    assert.equal(Number(claims['exp']) - Number(claims['iat']), 600);
  });

  test('RFC 8705 §2.1.2: a tls_client_auth client registered by dNSName SAN authenticates', async () => {
    const c = await credentials('acme-san');
    const res = await send(token(), { ca: c.ca, identity: c, form: { grant_type: 'client_credentials', client_id: 'acme-san' } });
    assert.equal(res.status, 200);
  });

  test('RFC 8705 §2.2: a self_signed_tls_client_auth client with its registered certificate gets a bound token', async () => {
    const c = await credentials('acme-self');
    const res = await send(token(), { ca: c.ca, identity: c, form: { grant_type: 'client_credentials', client_id: 'acme-self' } });
    assert.equal(res.status, 200);
    const claims = jwtPayload(String(res.json?.['access_token']));
    assert.deepEqual(claims['cnf'], { 'x5t#S256': createHash('sha256').update(derOf(c.cert)).digest('base64url') });
  });

  test('RFC 8705 §3: a client_secret_basic client presenting a certificate gets a token bound to it', async () => {
    const c = await credentials('acme-basic');
    const res = await send(token(), {
      ca: c.ca,
      identity: c,
      headers: { authorization: `Basic ${Buffer.from(`acme-basic:${await secret('acme-basic')}`).toString('base64')}` },
      form: { grant_type: 'client_credentials' },
    });
    assert.equal(res.status, 200);
    assert.ok((jwtPayload(String(res.json?.['access_token']))['cnf'] as Record<string, string>)['x5t#S256']);
  });

  test('client_secret_post with --no-bound-tokens and no certificate gets an unbound token', async () => {
    const c = await credentials('acme-a');
    const res = await send(token(), {
      ca: c.ca,
      form: { grant_type: 'client_credentials', client_id: 'acme-post', client_secret: await secret('acme-post') },
    });
    assert.equal(res.status, 200);
    assert.equal(jwtPayload(String(res.json?.['access_token']))['cnf'], undefined);
  });

  test('RFC 6749 §3.3: a requested subset of scopes, in any order, is granted as asked', async () => {
    const a = await credentials('acme-a');
    const res = await send(token(), {
      ca: a.ca,
      identity: a,
      form: { grant_type: 'client_credentials', client_id: 'acme-a', scope: 'orders:write orders:read orders:write' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.json?.['scope'], 'orders:write orders:read');
  });

  test('RFC 8707 §2: resource selects the audience among the granted resources', async () => {
    const a = await credentials('acme-a');
    const res = await send(token(), {
      ca: a.ca,
      identity: a,
      form: { grant_type: 'client_credentials', client_id: 'acme-a', resource: API.acmeBilling },
    });
    assert.equal(res.status, 200);
    assert.equal(jwtPayload(String(res.json?.['access_token']))['aud'], API.acmeBilling);
  });

  test('a client without resources gets the service-wide default audience (the issuer)', async () => {
    const c = await credentials('acme-noaud');
    const res = await send(token(), { ca: c.ca, identity: c, form: { grant_type: 'client_credentials', client_id: 'acme-noaud' } });
    assert.equal(res.status, 200);
    assert.equal(jwtPayload(String(res.json?.['access_token']))['aud'], h.issuer);
  });

  test('TE-R-03: a charset parameter on the form content type is accepted', async () => {
    const a = await credentials('acme-a');
    const res = await send(token(), {
      ca: a.ca,
      identity: a,
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      body: 'grant_type=client_credentials&client_id=acme-a',
    });
    assert.equal(res.status, 200);
  });

  test('two connections with one certificate get tokens with the same binding and distinct jti', async () => {
    const a = await credentials('acme-a');
    const form = { grant_type: 'client_credentials', client_id: 'acme-a' };
    const [r1, r2] = await Promise.all([send(token(), { ca: a.ca, identity: a, form }), send(token(), { ca: a.ca, identity: a, form })]);
    const t1 = jwtPayload(String(r1.json?.['access_token']));
    const t2 = jwtPayload(String(r2.json?.['access_token']));
    assert.deepEqual(t1['cnf'], t2['cnf']);
    assert.notEqual(t1['jti'], t2['jti']);
  });
});
