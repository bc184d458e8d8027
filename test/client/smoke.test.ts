import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createClient } from '../../src/client/client.ts';
import { withGuard } from '../../src/resource/adapters/node.ts';
import { createGuard, type Guard } from '../../src/resource/guard.ts';
import { startApi, type Api } from '../helpers/api.ts';
import { jwtPayload } from '../helpers/https.ts';
import { API, credentials, startWorld, type Harness } from '../helpers/world.ts';

let h: Harness;
let api: Api;
let guard: Guard;
before(async () => {
  h = await startWorld();
  const a = await credentials('acme-a');
  guard = createGuard({ issuer: h.issuer, ca: a.ca, audience: API.acmeOrders });
  api = await startApi(withGuard(guard, (_req, res, auth) => res.end(String(auth.claims.client_id)), { scopes: ['orders:read'] }));
});
after(async () => {
  await api.close();
  await guard.close();
  await h.close();
});

test('the SDK gets a token bound to its certificate (files on disk) and calls a guarded API with it', async () => {
  const a = await credentials('acme-a');
  const client = createClient({ issuer: h.issuer, clientId: 'acme-a', cert: a.files.cert, key: a.files.key, ca: a.files.ca });
  try {
    const token = await client.getToken();
    const cnf = jwtPayload(token.accessToken)['cnf'] as Record<string, string>;
    assert.equal(cnf['x5t#S256'], createHash('sha256').update(new X509Certificate(a.cert).raw).digest('base64url'));
    const res = await client.fetch(`${api.url}/orders`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'acme-a');
    assert.equal((await client.getToken()).accessToken, token.accessToken, 'the token is cached');
  } finally {
    await client.close();
  }
});
