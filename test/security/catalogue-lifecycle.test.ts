// Attack catalogue §2.5 (TLS resumption and renegotiation) and §2.6 (token, client and partner
// lifecycle) rows: a live token service, a guarded API in front of it, real sessions and real CAs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { removeAnchor, importAnchors } from '../../src/admin/anchors.ts';
import { revokeCertificate } from '../../src/admin/certificates.ts';
import { revokeTokens, setClientStatus } from '../../src/admin/client-lifecycle.ts';
import { registerClient } from '../../src/admin/clients.ts';
import { addPartner } from '../../src/admin/partners.ts';
import { withGuard } from '../../src/resource/adapters/node.ts';
import { createGuard, type Guard } from '../../src/resource/guard.ts';
import { issueCertificate } from '../../src/pki/issue.ts';
import { startApi, type Api } from '../helpers/api.ts';
import { send, type Response, type TlsIdentity } from '../helpers/https.ts';
import { fingerprintOf, leafFrom, partnerRoot, thumbprintOf, type Identity } from '../helpers/pki.ts';
import { API, asCredentials, authority, credentials, startWorld, type Credentials, type Harness } from '../helpers/world.ts';
import { open, rawRequest, sessionFor } from './raw-tls.ts';

const INVALID_CLIENT_BODY = '{"error":"invalid_client","error_description":"client authentication failed"}';

let h: Harness;
let a: Credentials;
let g: Credentials;
let rs: Credentials;
let ca: string;
/** JWT-mode guard (signature, claims, binding) and introspection-mode guard, both for acme's orders API. */
let jwtGuard: Guard;
let ixGuard: Guard;
let jwtApi: Api;
let ixApi: Api;

before(async () => {
  h = await startWorld();
  [a, g, rs] = await Promise.all([credentials('acme-a'), credentials('globex-g'), credentials('acme-rs')]);
  ca = a.ca;
  jwtGuard = createGuard({ issuer: h.issuer, ca, audience: API.acmeOrders });
  ixGuard = createGuard({ issuer: h.issuer, ca, audience: API.acmeOrders, introspection: { clientId: 'acme-rs', cert: rs.chain ?? rs.cert, key: rs.key, cacheSeconds: 0 } });
  const handler = (guard: Guard) => withGuard(guard, (_req, res, auth) => res.end(String(auth.claims.client_id)));
  [jwtApi, ixApi] = await Promise.all([startApi(handler(jwtGuard)), startApi(handler(ixGuard))]);
});
after(async () => {
  await Promise.all([jwtApi.close(), ixApi.close()]);
  await Promise.all([jwtGuard.close(), ixGuard.close()]);
  await h.close();
});

const tokenRequest = (clientId: string, identity?: TlsIdentity) =>
  send(`${h.issuer}/token`, { ca, ...(identity ? { identity } : {}), form: { grant_type: 'client_credentials', client_id: clientId } });
async function tokenFor(clientId: string, identity: TlsIdentity): Promise<string> {
  const res = await tokenRequest(clientId, identity);
  assert.equal(res.status, 200, res.text);
  return String(res.json?.['access_token']);
}
const introspect = (token: string) => send(`${h.issuer}/introspect`, { ca, identity: rs, form: { client_id: 'acme-rs', token } });
const callApi = (api: Api, token: string, identity: TlsIdentity) =>
  send(`${api.url}/`, { ca: api.ca, identity, headers: { authorization: `Bearer ${token}` } });

function assertInvalidClient(res: Response, what = ''): void {
  assert.equal(res.status, 401, `${what}: ${res.text}`);
  assert.equal(res.text, INVALID_CLIENT_BODY, what);
  assert.equal(res.headers['www-authenticate'], `Basic realm="${h.issuer}"`);
}
function assertInvalidToken(res: { status: number; json: Record<string, unknown> | undefined }, what = ''): void {
  assert.equal(res.status, 401, what);
  assert.equal(res.json?.['error'], 'invalid_token', what);
}

describe('catalogue §2.6: introspection, revocation and lifecycle', () => {
  test('LC-03: a client of partner A revoking partner B\'s token gets 200 like an unknown token, and the token stays active', async () => {
    const victim = await tokenFor('globex-g', g);
    for (const token of [victim, 'not-a-token']) {
      const res = await send(`${h.issuer}/revoke`, { ca, identity: a, form: { client_id: 'acme-a', token } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.text, '');
    }
    const owner = await send(`${h.issuer}/introspect`, { ca, identity: await credentials('globex-rs'), form: { client_id: 'globex-rs', token: victim } });
    assert.equal(owner.json?.['active'], true, 'not revoked');
  });

  test('LC-09: after rotating to certificate B, the token bound to old certificate A over B is 401 invalid_token; a new token over B is 200; the old token over A still 200 until exp', async () => {
    const certB = await asCredentials(await issueCertificate(await authority('acme'), { subject: 'CN=acme-a,O=acme', usage: 'client' }));
    const tokenA = await tokenFor('acme-a', a);
    const tokenB = await tokenFor('acme-a', certB);
    assertInvalidToken(await callApi(jwtApi, tokenA, certB), 'old token over B');
    assert.equal((await callApi(jwtApi, tokenB, certB)).status, 200);
    assert.equal((await callApi(jwtApi, tokenA, a)).status, 200);
  });

  test('LC-10 (deliberate: the operator revokes the tokens — the service keeps no token list): a revoked certificate gets no new token at once; its live tokens go {"active":false} when revokeTokens is run', async () => {
    const doomed = await asCredentials(await issueCertificate(await authority('acme'), { subject: 'CN=acme-a,O=acme', usage: 'client' }));
    const token = await tokenFor('acme-a', doomed);
    await revokeCertificate(h.store, { thumbprint: thumbprintOf(doomed.cert), reason: 'keyCompromise' });
    await h.service.reload();
    assertInvalidClient(await tokenRequest('acme-a', doomed), 'revoked certificate');
    // RFC 8705 §6.3: the binding outlives the certificate unless the service acts; certbound's act is revokeTokens.
    assert.equal((await introspect(token)).json?.['active'], true);
    await revokeTokens(h.store, 'client', 'acme-a', new Date(Date.now() + 1000));
    await h.service.reload();
    assert.equal((await introspect(token)).text, '{"active":false}');
    assertInvalidToken(await callApi(ixApi, token, doomed), 'introspecting guard');
  });

  test('LC-08: a client disabled after issuance is 401 invalid_client at /token, its token {"active":false} to introspection and 401 at an introspecting guard; a JWT-mode guard keeps it until exp (documented staleness)', async () => {
    await registerClient(h.store, { id: 'cat-lc08', partnerId: 'acme', scope: 'orders:read', resources: [API.acmeOrders], subject: { kind: 'subject_dn', value: 'CN=cat-lc08,O=acme' } });
    await h.service.reload();
    const id = await asCredentials(await issueCertificate(await authority('acme'), { subject: 'CN=cat-lc08,O=acme', usage: 'client' }));
    const token = await tokenFor('cat-lc08', id);
    assert.equal((await callApi(ixApi, token, id)).status, 200, 'before');
    await setClientStatus(h.store, 'cat-lc08', 'disabled');
    await h.service.reload();
    assertInvalidClient(await tokenRequest('cat-lc08', id));
    assert.equal((await introspect(token)).text, '{"active":false}');
    assertInvalidToken(await callApi(ixApi, token, id), 'introspecting guard');
    assert.equal((await callApi(jwtApi, token, id)).status, 200, 'JWT-mode guard: stale up to the token lifetime, by design');
  });

  test('LC-13: a partner CA rotation — add the new root, both chains 200 during the overlap, remove the old one: its certificates 401 invalid_client; no restart', async () => {
    const [oldRoot, newRoot] = await Promise.all([partnerRoot('rot-old'), partnerRoot('rot-new')]);
    await addPartner(h.store, 'rot', { caPem: oldRoot.certPem });
    await registerClient(h.store, { id: 'rot-a', partnerId: 'rot', subject: { kind: 'subject_dn', value: 'CN=rot-a,O=rot' } });
    await h.service.reload();
    const [oldLeaf, newLeaf] = await Promise.all([leafFrom(oldRoot, 'CN=rot-a,O=rot'), leafFrom(newRoot, 'CN=rot-a,O=rot')]);
    assert.equal((await tokenRequest('rot-a', oldLeaf)).status, 200);
    assertInvalidClient(await tokenRequest('rot-a', newLeaf), 'new root not yet imported');
    await importAnchors(h.store, 'rot', newRoot.certPem);
    await h.service.reload();
    assert.equal((await tokenRequest('rot-a', oldLeaf)).status, 200, 'overlap: old');
    assert.equal((await tokenRequest('rot-a', newLeaf)).status, 200, 'overlap: new');
    await removeAnchor(h.store, 'rot', fingerprintOf(oldRoot.certPem));
    await h.service.reload();
    assertInvalidClient(await tokenRequest('rot-a', oldLeaf), 'old root removed');
    assert.equal((await tokenRequest('rot-a', newLeaf)).status, 200, 'new root');
  });

  test('REL-10: a trust-bundle reload does not drop a live TLS connection, and the next request on it is judged by the new policy (a removed anchor\'s certificate → 401 invalid_client)', async () => {
    const root = await partnerRoot('rel10');
    await addPartner(h.store, 'rel10', { caPem: root.certPem });
    await registerClient(h.store, { id: 'rel10-a', partnerId: 'rel10', subject: { kind: 'subject_dn', value: 'CN=rel10-a,O=rel10' } });
    await h.service.reload();
    const leaf: Identity = await leafFrom(root, 'CN=rel10-a,O=rel10');
    const port = Number(new URL(h.issuer).port);
    const body = 'grant_type=client_credentials&client_id=rel10-a';
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    // One connection, kept open across the reload: the first request is written before, the second after.
    const socket = await open(port, { ca, cert: leaf.cert, key: leaf.key });
    const answers: string[] = [];
    socket.on('data', (chunk: Buffer) => answers.push(chunk.toString('utf8')));
    const request = `POST /token HTTP/1.1\r\nhost: localhost\r\ncontent-type: ${form['content-type']}\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
    const waitFor = (n: number) => new Promise<void>((resolve) => {
      const check = () => (answers.join('').split('HTTP/1.1 ').length - 1 >= n ? resolve() : setImmediate(check));
      check();
    });
    socket.write(request);
    await waitFor(1);
    await removeAnchor(h.store, 'rel10', fingerprintOf(root.certPem));
    await h.service.reload();
    socket.write(request);
    await waitFor(2);
    socket.end();
    const statuses = answers.join('').match(/HTTP\/1\.1 (\d{3})/g);
    assert.deepEqual(statuses, ['HTTP/1.1 200', 'HTTP/1.1 401']);
    assert.ok(answers.join('').includes(INVALID_CLIENT_BODY));
    assert.equal(socket.isSessionReused(), false);
  });
});

describe('catalogue §2.5: TLS resumption and renegotiation', () => {
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    test(`RS-B-03 (${version}): a resumed session at the guard still yields the certificate of its full handshake — A's token 200, B's token 401 invalid_token, never binding skipped`, async () => {
      const port = Number(new URL(jwtApi.url).port);
      const tls = { ca: jwtApi.ca, cert: a.cert, key: a.key, minVersion: version, maxVersion: version };
      const session = await sessionFor(port, tls);
      const [tokenA, tokenG] = await Promise.all([tokenFor('acme-a', a), tokenFor('globex-g', g)]);
      const good = await rawRequest(await open(port, { ...tls, session }), 'GET', '/', { authorization: `Bearer ${tokenA}` });
      assert.equal(good.resumed, true, 'the session was resumed');
      assert.equal(good.status, 200, good.body);
      assert.equal(good.body, 'acme-a');
      const other = await rawRequest(await open(port, { ...tls, session }), 'GET', '/', { authorization: `Bearer ${tokenG}` });
      assert.equal(other.resumed, true);
      assertInvalidToken(other, 'another client\'s token on a resumed session');
    });
  }

  test('RS-B-04: on a session resumed from acme-a\'s handshake, the token service still runs the per-client check — globex-g is 401 invalid_client, acme-a gets a token bound to its own certificate', async () => {
    const port = Number(new URL(h.issuer).port);
    const tls = { ca, cert: a.cert, key: a.key, maxVersion: 'TLSv1.3' as const };
    const session = await sessionFor(port, tls);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const cross = await rawRequest(await open(port, { ...tls, session }), 'POST', '/token', form, 'grant_type=client_credentials&client_id=globex-g');
    assert.equal(cross.resumed, true);
    assert.equal(cross.status, 401);
    assert.equal(cross.body, INVALID_CLIENT_BODY);
    const own = await rawRequest(await open(port, { ...tls, session }), 'POST', '/token', form, 'grant_type=client_credentials&client_id=acme-a');
    assert.equal(own.resumed, true);
    assert.equal(own.status, 200, own.body);
    const claims = JSON.parse(Buffer.from(String(own.json?.['access_token']).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    assert.deepEqual(claims['cnf'], { 'x5t#S256': thumbprintOf(a.cert) });
  });

  test('RS-B-05: a TLS 1.2 client renegotiating on the token service\'s listener is refused and the connection dropped', async () => {
    const socket = await open(Number(new URL(h.issuer).port), { ca, cert: a.cert, key: a.key, maxVersion: 'TLSv1.2' });
    const outcome = await new Promise<string>((resolve) => {
      socket.once('close', () => resolve('closed'));
      socket.once('error', () => undefined);
      socket.renegotiate({ rejectUnauthorized: true }, (err) => {
        if (err) resolve('refused');
      });
    });
    assert.ok(outcome === 'closed' || outcome === 'refused', outcome);
    await new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
    assert.equal(socket.destroyed, true, 'the connection is gone');
  });
});
