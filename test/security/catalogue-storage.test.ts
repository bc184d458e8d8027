// Attack catalogue §2.8 (storage faults), LC-14 and REL-01/02 rows: a token service whose store
// the test slows down, takes away and gives back, and restarts on the same data directory.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { withGuard } from '../../src/resource/adapters/node.ts';
import { createGuard } from '../../src/resource/guard.ts';
import type { TokenService } from '../../src/server/service.ts';
import { openStore } from '../../src/storage/open.ts';
import { startApi } from '../helpers/api.ts';
import { jwtHeader, jwtPayload, send, type Response } from '../helpers/https.ts';
import { API, credentials, type Credentials } from '../helpers/world.ts';
import { site, tokenAt, tokenFrom, type Site } from './site.ts';

const UNAVAILABLE_BODY = '{"error":"temporarily_unavailable"}';

let a: Credentials;
let rs: Credentials;
let ca: string;
before(async () => {
  [a, rs] = await Promise.all([credentials('acme-a'), credentials('acme-rs')]);
  ca = a.ca;
});

const introspectAt = (service: TokenService, token: string) => send(`${service.issuer}/introspect`, { ca, identity: rs, form: { client_id: 'acme-rs', token } });
const revokeAt = (service: TokenService, token: string) => send(`${service.issuer}/revoke`, { ca, identity: a, form: { client_id: 'acme-a', token } });

function assertUnavailable(res: Response, what = ''): void {
  assert.equal(res.status, 503, `${what}: ${res.text}`);
  assert.equal(res.text, UNAVAILABLE_BODY, what);
  assert.equal(res.headers['retry-after'], '5', what);
}

describe('catalogue §2.8 and §5: the store fails, stalls and comes back', () => {
  let s: Site;
  before(async () => {
    s = await site();
  });
  after(() => s.close());

  test('ST-02: a stalled store (queries that never answer) makes introspection and revocation 503 temporarily_unavailable at the request deadline, and the service recovers without a restart', async () => {
    const token = await tokenFrom(s.service);
    s.mode = 'hung';
    try {
      const [ix, rv] = await Promise.all([introspectAt(s.service, token), revokeAt(s.service, token)]);
      assertUnavailable(ix, 'introspection');
      assertUnavailable(rv, 'revocation');
    } finally {
      s.mode = 'up';
    }
    assert.equal((await introspectAt(s.service, token)).json?.['active'], true, 'recovered');
  });

  test('REL-01 (by design, issuance is stateless — tokens are still issued): during a store outage, 30 mixed requests get tokens and 503 + Retry-After + generic JSON for introspection and revocation — no 500, no detail; afterwards every request succeeds again', async () => {
    const tokens = await Promise.all(Array.from({ length: 10 }, () => tokenFrom(s.service)));
    s.mode = 'down';
    let during: Response[];
    try {
      during = await Promise.all(tokens.flatMap((token) => [tokenAt(s.service), introspectAt(s.service, token), revokeAt(s.service, token)]));
    } finally {
      s.mode = 'up';
    }
    for (const [i, res] of during.entries()) {
      assert.ok(res.status !== 500 && !/stack|Error:|at \//.test(res.text), res.text);
      if (i % 3 === 0) assert.equal(res.status, 200, `token: ${res.text}`);
      else assertUnavailable(res, i % 3 === 1 ? 'introspection' : 'revocation');
    }
    const afterwards = await Promise.all(tokens.map((token) => introspectAt(s.service, token)));
    for (const res of afterwards) assert.equal(res.json?.['active'], true, 'no revocation was half-done, and the store is back');
    for (const res of await Promise.all(tokens.map((token) => revokeAt(s.service, token)))) assert.equal(res.status, 200);
  });

  test('ST-08: persist-before-respond — a retried token request gets a new token (new jti), and the first one is still revocable', async () => {
    const [first, retry] = [await tokenFrom(s.service), await tokenFrom(s.service)];
    assert.notEqual(jwtPayload(first)['jti'], jwtPayload(retry)['jti']);
    assert.equal((await revokeAt(s.service, first)).status, 200);
    assert.equal((await introspectAt(s.service, first)).text, '{"active":false}');
    assert.equal((await introspectAt(s.service, retry)).json?.['active'], true);
  });
});

describe('catalogue LC-14, ST-05, REL-02: a restart on the same data directory', () => {
  let s: Site;
  let issuedBefore: string;
  let revokedBefore: string;
  let kidsBefore: string[];
  let keysBefore: number;
  before(async () => {
    s = await site();
    issuedBefore = await tokenFrom(s.service);
    revokedBefore = await tokenFrom(s.service);
    assert.equal((await revokeAt(s.service, revokedBefore)).status, 200);
    kidsBefore = ((await send(`${s.service.issuer}/jwks`, { ca })).json?.['keys'] as { kid: string }[]).map((k) => k.kid);
    keysBefore = (await s.store.listSigningKeys()).length;
    // REL-02 (a): requests in flight when the stop begins are completed, not reset.
    const port = s.service.port;
    let received = 0;
    const inFlight: Promise<Response>[] = [];
    const draining = new Promise<void>((resolve) => {
      s.service.app.server.on('request', () => {
        received += 1;
        if (received === 5) resolve();
      });
    });
    for (let i = 0; i < 5; i++) inFlight.push(tokenAt(s.service));
    await draining;
    const stopping = s.service.close();
    const drained = await Promise.all(inFlight);
    await stopping;
    for (const res of drained) assert.equal(res.status, 200, `accepted before the stop: ${res.text}`);
    // A real restart: the database is closed and opened again, the service comes back on the same port and issuer.
    await s.store.close();
    s.store = await openStore(s.dir);
    await s.start({ port, issuer: `https://localhost:${port}` });
  });
  after(() => s.close());

  test('LC-14: a token issued before the restart still verifies at a guard (signature, binding) after it; a revocation made before it still holds', async () => {
    const guard = createGuard({ issuer: s.service.issuer, ca, audience: API.acmeOrders });
    const api = await startApi(withGuard(guard, (_req, res) => res.end('ok')));
    try {
      const res = await send(`${api.url}/`, { ca: api.ca, identity: a, headers: { authorization: `Bearer ${issuedBefore}` } });
      assert.equal(res.status, 200, res.text);
    } finally {
      await api.close();
      await guard.close();
    }
    assert.equal((await introspectAt(s.service, revokedBefore)).text, '{"active":false}');
  });

  test('ST-05: signing keys and revocations are persisted — the JWKS kids are unchanged, no key was generated by the restart, new tokens carry a known kid', async () => {
    const kidsAfter = ((await send(`${s.service.issuer}/jwks`, { ca })).json?.['keys'] as { kid: string }[]).map((k) => k.kid);
    assert.deepEqual(kidsAfter, kidsBefore);
    assert.equal((await s.store.listSigningKeys()).length, keysBefore);
    assert.ok(kidsBefore.includes(String(jwtHeader(await tokenFrom(s.service))['kid'])));
    assert.equal((await introspectAt(s.service, issuedBefore)).json?.['active'], true);
  });

  test('REL-02: in-flight requests at a stop completed with 200 (checked at the stop), and after the restart every earlier token is as it was: active stays active, revoked stays revoked', async () => {
    assert.equal((await introspectAt(s.service, issuedBefore)).json?.['active'], true);
    assert.equal((await introspectAt(s.service, revokedBefore)).text, '{"active":false}');
  });
});
