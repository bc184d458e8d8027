// Attack catalogue §2.9 (information leaks) and §2.7 (resource exhaustion) rows at the token
// endpoint, over real TLS: what an answer may reveal, how it may be cached, what a flood costs.
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { secretMatches } from '../../src/core/secret.ts';
import { issueCertificate } from '../../src/pki/issue.ts';
import { jwtHeader, send } from '../helpers/https.ts';
import { API, asCredentials, authority, credentials, secret, startWorld, type Credentials, type Harness } from '../helpers/world.ts';
import { basic, cc, endpoint, x5t } from './token-endpoint.ts';

let h: Harness;
let a: Credentials;
let ca: string;

before(async () => {
  h = await startWorld();
  a = await credentials('acme-a');
  ca = a.ca;
});
after(() => h.close());

const { post, assertInvalidClient, assertIssued } = endpoint(() => h.issuer, () => ca);

describe('catalogue §2.9 and §2.7: what the token endpoint lets slip', () => {
  test('IL-02: unknown client_id and known client_id with a wrong secret get byte-identical answers (Basic and post); the unknown client still runs the hash-and-compare', async () => {
    const s = await secret('acme-basic');
    const wrong = `${s.slice(0, -2)}xx`;
    const answers = [
      await post('/token', { headers: { authorization: basic('acme-basic', wrong) }, form: cc() }),
      await post('/token', { headers: { authorization: basic('no-such-client', wrong) }, form: cc() }),
      await post('/token', { form: cc({ client_id: 'acme-post', client_secret: wrong }) }),
      await post('/token', { form: cc({ client_id: 'no-such-client', client_secret: wrong }) }),
    ];
    for (const res of answers) assertInvalidClient(res);
    assert.equal(new Set(answers.map((r) => `${r.status} ${r.headers['www-authenticate']} ${r.text}`)).size, 1);
    // Equal work by construction (timing itself is not asserted in this suite): an unknown client compares against a dummy hash.
    assert.equal(secretMatches(wrong, null), false);
    assert.equal(secretMatches('certbound: no such client', null), false, 'the dummy hash authenticates nobody');
  });

  test('IL-03: another partner\'s CA, a wrong DN and an unknown client_id get the same 401 body and challenge; the reason stays server-side', async () => {
    const otherCa = await asCredentials(await issueCertificate(await authority('globex'), { subject: 'CN=acme-a,O=acme', usage: 'client' }));
    const answers = [
      await post('/token', { identity: otherCa, form: cc({ client_id: 'acme-a' }) }),
      await post('/token', { identity: a, form: cc({ client_id: 'acme-san' }) }),
      await post('/token', { identity: a, form: cc({ client_id: 'no-such-client' }) }),
    ];
    for (const res of answers) assertInvalidClient(res);
    assert.equal(new Set(answers.map((r) => r.text)).size, 1);
  });

  test('IL-04: error_description never names a partner, a CA, a DN or a client, and is plain ASCII without CR/LF/TAB', async () => {
    const g = await credentials('globex-g');
    const answers = [
      await post('/token', { identity: g, form: cc({ client_id: 'acme-a' }) }),
      await post('/token', { identity: a, form: cc({ client_id: 'acme-a', scope: 'partnerB.payments:read' }) }),
      await post('/token', { identity: a, form: cc({ client_id: 'acme-a', resource: API.globex }) }),
      await post('/token', { identity: a, form: cc({ client_id: 'acme-a', resource: 'https://unknown.example/' }) }),
      await post('/token', { identity: a, form: { grant_type: 'password', client_id: 'acme-a' } }),
      await post('/introspect', { identity: g, form: { client_id: 'acme-a', token: 'x' } }),
      await post('/revoke', { identity: g, form: { client_id: 'globex-g' } }),
    ];
    for (const res of answers) {
      assert.ok(res.status >= 400, res.text);
      const description = String(res.json?.['error_description'] ?? '');
      assert.match(description, /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/, description);
      for (const secretName of ['acme', 'globex', 'CN=', 'O=', 'api.', 'platform', 'partnerB']) assert.ok(!description.includes(secretName), `${secretName} in "${description}"`);
    }
  });

  test('IL-06: token, introspection and revocation answers carry Cache-Control: no-store and Pragma: no-cache, success and error alike', async () => {
    const issued = await post('/token', { identity: a, form: cc({ client_id: 'acme-a' }) });
    const rs = await credentials('acme-rs');
    const answers = [
      issued,
      await post('/token', { identity: a, form: cc({ client_id: 'acme-san' }) }),
      await post('/introspect', { identity: rs, form: { client_id: 'acme-rs', token: String(issued.json?.['access_token']) } }),
      await post('/introspect', { identity: rs, form: { client_id: 'acme-rs', token: 'garbage' } }),
      await post('/revoke', { identity: a, form: { client_id: 'acme-a', token: 'garbage' } }),
    ];
    for (const res of answers) {
      assert.equal(res.headers['cache-control'], 'no-store', `${res.status} ${res.text}`);
      assert.equal(res.headers['pragma'], 'no-cache', `${res.status} ${res.text}`);
    }
  });

  test('IL-07: an authorised resource server\'s introspection answer holds only the token\'s own claims, nothing about partners, CAs or other clients', async () => {
    const token = String((await post('/token', { identity: a, form: cc({ client_id: 'acme-a' }) })).json?.['access_token']);
    const rs = await credentials('acme-rs');
    const res = await post('/introspect', { identity: rs, form: { client_id: 'acme-rs', token } });
    assert.equal(res.status, 200, res.text);
    const allowed = new Set(['active', 'scope', 'client_id', 'sub', 'aud', 'iss', 'exp', 'iat', 'nbf', 'jti', 'token_type', 'cnf']);
    for (const key of Object.keys(res.json ?? {})) assert.ok(allowed.has(key), `introspection over-shares "${key}"`);
    assert.equal(res.json?.['active'], true);
    assert.equal(res.json?.['client_id'], 'acme-a');
    assert.deepEqual(res.json?.['cnf'], { 'x5t#S256': x5t(a.cert) });
    assert.ok(!/globex|partner|-----BEGIN/.test(res.text), res.text);
  });

  test('EX-08: the token service\'s JWKS is cacheable (Cache-Control: max-age) and names the kid its tokens carry', async () => {
    const res = await send(`${h.issuer}/jwks`, { ca });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['cache-control']), /^max-age=\d+$/);
    const token = String((await post('/token', { identity: a, form: cc({ client_id: 'acme-a' }) })).json?.['access_token']);
    const kids = (res.json?.['keys'] as { kid: string }[]).map((k) => k.kid);
    assert.ok(kids.includes(String(jwtHeader(token)['kid'])));
  });

  test('EX-09 (deliberate: no rate limit in the service — the edge owns it): 200 concurrent wrong secrets are each 401 invalid_client, cheap (one SHA-256), and an honest client beside them gets 200', async () => {
    const [flood, honest] = await Promise.all([
      Promise.all(Array.from({ length: 200 }, (_, i) => post('/token', { headers: { authorization: basic('acme-basic', `guess-${i}`) }, form: cc() }))),
      post('/token', { identity: a, form: cc({ client_id: 'acme-a' }) }),
    ]);
    for (const res of flood) assertInvalidClient(res);
    assertIssued(honest, 'honest client during the flood');
  });

  test('EX-10: the token service does not speak HTTP/2: offered only h2 the handshake fails (no_application_protocol), offered both it picks http/1.1', async () => {
    const port = Number(new URL(h.issuer).port);
    const negotiate = (ALPNProtocols: string[]) => new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca, ALPNProtocols }, () => {
        resolve(String(socket.alpnProtocol));
        socket.end();
      });
      socket.on('error', (err: Error) => resolve(/no application protocol/.test(err.message) ? 'refused' : err.message));
    });
    assert.equal(await negotiate(['h2']), 'refused');
    assert.equal(await negotiate(['h2', 'http/1.1']), 'http/1.1');
  });
});
