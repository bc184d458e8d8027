// RFC 7009 token revocation, over real TLS, and its durability across a restart.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { startTokenService, type TokenService } from '../../src/server/service.ts';
import { openStore } from '../../src/storage/open.ts';
import type { Store } from '../../src/storage/store.ts';
import { credentials, secret, startWorld, type Credentials, type Harness } from '../helpers/world.ts';
import { jwtPayload, send, type Response } from '../helpers/https.ts';

const INVALID_CLIENT_BODY = '{"error":"invalid_client","error_description":"client authentication failed"}';

let h: Harness;
/** How far the service's clock runs ahead of the real one. */
let clockShiftMs = 0;
const now = () => new Date(Date.now() + clockShiftMs);
/** The service and store that replaced the first ones, once the restart test ran. */
let restarted: { service: TokenService; store: Store } | undefined;
let a: Credentials;

before(async () => {
  h = await startWorld({ now });
  a = await credentials('acme-a');
});
after(async () => {
  if (!restarted) return h.close();
  await restarted.service.close();
  await restarted.store.close();
  await rm(h.dir, { recursive: true, force: true });
});

async function tokenFor(clientId: string): Promise<string> {
  const c = await credentials(clientId);
  const res = await send(`${h.issuer}/token`, { ca: c.ca, identity: c, form: { grant_type: 'client_credentials', client_id: clientId } });
  assert.equal(res.status, 200, res.text);
  return String(res.json?.['access_token']);
}

async function revokeAs(clientId: string, form: Record<string, string>): Promise<Response> {
  const c = await credentials(clientId);
  return send(`${h.issuer}/revoke`, { ca: c.ca, identity: c, form: { client_id: clientId, ...form } });
}

/** Whether the owner, acme-a, sees the token active. */
async function isActive(token: string): Promise<boolean> {
  const res = await send(`${h.issuer}/introspect`, { ca: a.ca, identity: a, form: { client_id: 'acme-a', token } });
  assert.equal(res.status, 200, res.text);
  return res.json?.['active'] === true;
}

describe('POST /revoke', () => {
  test('RFC 7009 §2.2: a tls_client_auth client revokes its own token: 200, and the token then introspects inactive', async () => {
    const token = await tokenFor('acme-a');
    assert.equal(await isActive(token), true);
    const res = await revokeAs('acme-a', { token });
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
    assert.equal(await isActive(token), false);
  });

  test('RFC 7009 §2.1: a client_secret_post client revokes its own token', async () => {
    const s = await secret('acme-post');
    const issued = await send(`${h.issuer}/token`, { ca: a.ca, form: { grant_type: 'client_credentials', client_id: 'acme-post', client_secret: s } });
    const token = String(issued.json?.['access_token']);
    const form = { client_id: 'acme-post', client_secret: s, token };
    assert.equal((await send(`${h.issuer}/introspect`, { ca: a.ca, form })).json?.['active'], true);
    assert.equal((await send(`${h.issuer}/revoke`, { ca: a.ca, form })).status, 200);
    assert.equal((await send(`${h.issuer}/introspect`, { ca: a.ca, form })).text, '{"active":false}');
  });

  test('RFC 7009 §2.1 (LC-03): another client\'s token is answered 200 with an empty body, like an unknown one, and stays active', async () => {
    const token = await tokenFor('acme-a');
    // Same partner, the audience's own resource server, and another partner.
    for (const other of ['acme-san', 'acme-rs', 'globex-g']) {
      const res = await revokeAs(other, { token });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.text, '');
      assert.equal(res.headers['cache-control'], 'no-store');
    }
    assert.equal(await isActive(token), true);
  });

  test('RFC 7009 §2.2 (LC-04): an unknown, garbage, tampered or expired token is answered 200', async () => {
    const token = await tokenFor('acme-a');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const tampered = Buffer.from(JSON.stringify({ ...jwtPayload(token), client_id: 'acme-san' })).toString('base64url');
    for (const candidate of ['garbage', 'a.b.c', `${header}.${tampered}.${signature}`, `${header}.${payload}.`]) {
      const res = await revokeAs('acme-a', { token: candidate });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.text, '');
    }
    const expired = await tokenFor('acme-a');
    try {
      clockShiftMs = Number(jwtPayload(expired)['exp']) * 1000 - Date.now() + 1000;
      assert.equal((await revokeAs('acme-a', { token: expired })).status, 200);
    } finally {
      clockShiftMs = 0;
    }
    assert.equal(await isActive(token), true, 'revoking a tampered copy does not revoke the original');
  });

  test('RFC 7009 §2.1: an unknown token_type_hint is ignored, and a wrong one does not stop the revocation', async () => {
    for (const hint of ['no_such_type', 'refresh_token']) {
      const token = await tokenFor('acme-a');
      const res = await revokeAs('acme-a', { token, token_type_hint: hint });
      assert.equal(res.status, 200, res.text);
      assert.equal(await isActive(token), false);
    }
  });

  test('RFC 7009 §2.2: revoking an already revoked token is 200 again', async () => {
    const token = await tokenFor('acme-a');
    assert.equal((await revokeAs('acme-a', { token })).status, 200);
    assert.equal((await revokeAs('acme-a', { token })).status, 200);
    assert.equal(await isActive(token), false);
  });

  test('RFC 7009 §2.1 (LC-05): an unauthenticated caller is 401 invalid_client and the token stays active', async () => {
    const token = await tokenFor('acme-a');
    const g = await credentials('globex-g');
    for (const res of [
      await send(`${h.issuer}/revoke`, { ca: a.ca, form: { token } }),
      await send(`${h.issuer}/revoke`, { ca: a.ca, form: { client_id: 'acme-a', token } }),
      await send(`${h.issuer}/revoke`, { ca: a.ca, identity: g, form: { client_id: 'acme-a', token } }),
      await send(`${h.issuer}/revoke`, { ca: a.ca, form: { client_id: 'acme-post', client_secret: 'wrong', token } }),
    ]) {
      assert.equal(res.status, 401, res.text);
      assert.equal(res.text, INVALID_CLIENT_BODY);
      assert.equal(res.headers['www-authenticate'], `Basic realm="${h.issuer}"`);
    }
    assert.equal(await isActive(token), true);
  });

  test('RFC 7009 §2.1: a missing token parameter is 400 invalid_request', async () => {
    const res = await revokeAs('acme-a', {});
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json?.['error'], 'invalid_request');
  });

  test('RFC 7009 §2.1: GET /revoke is 405 with Allow: POST', async () => {
    const res = await send(`${h.issuer}/revoke`, { ca: a.ca, identity: a });
    assert.equal(res.status, 405);
    assert.equal(res.headers['allow'], 'POST');
    assert.equal(res.json?.['error'], 'invalid_request');
  });

  // Runs last: it replaces the service the other tests use.
  test('a revocation survives a restart of the service on the same data directory', async () => {
    const revoked = await tokenFor('acme-a');
    const kept = await tokenFor('acme-a');
    assert.equal((await revokeAs('acme-a', { token: revoked })).status, 200);

    const port = h.service.port;
    await h.service.close();
    await h.store.close();
    const store = await openStore(h.dir);
    let service: TokenService;
    try {
      service = await startTokenService({ store, issuer: h.issuer, port, logger: false, now });
    } catch (err) {
      await store.close();
      throw err;
    }
    restarted = { service, store };
    assert.equal(service.issuer, h.issuer);

    assert.equal(await isActive(kept), true, 'same issuer and keys after the restart');
    assert.equal(await isActive(revoked), false, 'the revocation was stored, not only remembered');
  });
});
