// Bad input at the token endpoint gets the right status and OAuth error code, over real TLS.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createIssuingCa, createRootCa } from '../../src/pki/ca.ts';
import { issueCertificate } from '../../src/pki/issue.ts';
import { createSelfSignedCertificate } from '../../src/pki/self-signed.ts';
import { API, asCredentials, authority, credentials, secret, startWorld, type Credentials, type Harness } from '../helpers/world.ts';
import { send, type RequestOptions, type Response, type TlsIdentity } from '../helpers/https.ts';

const INVALID_CLIENT_BODY = '{"error":"invalid_client","error_description":"client authentication failed"}';
const DAY = 86_400_000;

let h: Harness;
let a: Credentials;
/** Test-made certificates, each carrying acme-a's registered subject DN. */
const forged: Record<'otherPartner' | 'unknownCa' | 'selfSigned' | 'expired' | 'notYetValid', TlsIdentity> = {
  otherPartner: {},
  unknownCa: {},
  selfSigned: {},
  expired: {},
  notYetValid: {},
};

before(async () => {
  h = await startWorld();
  a = await credentials('acme-a');
  const subject = 'CN=acme-a,O=acme';
  const acmeCa = await authority('acme');
  // A rogue CA whose name copies acme's issuing CA, under a root nobody trusts.
  const rogueRoot = await createRootCa({ commonName: 'rogue root' });
  const acmeCaName = new X509Certificate(acmeCa.certPem).subject.replace(/^CN=/, '');
  const rogueCa = await createIssuingCa(rogueRoot, { commonName: acmeCaName });
  const now = Date.now();
  const [otherPartner, unknownCa, selfSigned, expired, notYetValid] = await Promise.all([
    issueCertificate(await authority('globex'), { subject, usage: 'client' }),
    issueCertificate(rogueCa, { subject, usage: 'client' }),
    createSelfSignedCertificate({ subject }),
    issueCertificate(acmeCa, { subject, usage: 'client', notBefore: new Date(now - 3 * DAY), notAfter: new Date(now - DAY) }),
    issueCertificate(acmeCa, { subject, usage: 'client', notBefore: new Date(now + DAY), notAfter: new Date(now + 30 * DAY) }),
  ]);
  forged.otherPartner = await asCredentials(otherPartner);
  // The client sends the rogue CA along, so path building has every chance to go wrong.
  const rogue = await asCredentials(unknownCa);
  forged.unknownCa = { cert: rogue.cert + rogueCa.certPem, key: rogue.key };
  forged.selfSigned = await asCredentials(selfSigned);
  forged.expired = await asCredentials(expired);
  forged.notYetValid = await asCredentials(notYetValid);
});
after(() => h.close());

const tokenUrl = () => `${h.issuer}/token`;
const basic = (id: string, pass: string) => `Basic ${Buffer.from(`${id}:${pass}`).toString('base64')}`;
const cc = (extra: Record<string, string | readonly string[]> = {}) => ({ grant_type: 'client_credentials', ...extra });
const post = (options: Omit<RequestOptions, 'ca'>) => send(tokenUrl(), { ca: a.ca, ...options });

/** Every response seen, for the leak checks at the end. */
const seen: Response[] = [];

function assertInvalidClient(res: Response): void {
  seen.push(res);
  assert.equal(res.status, 401, res.text);
  assert.equal(res.text, INVALID_CLIENT_BODY, 'the same body whatever the cause');
  assert.equal(res.headers['www-authenticate'], `Basic realm="${h.issuer}"`);
  assert.equal(res.headers['cache-control'], 'no-store');
}

function assertError(res: Response, status: number, error: string): void {
  seen.push(res);
  assert.equal(res.status, status, res.text);
  assert.equal(res.json?.['error'], error, res.text);
  assert.equal(typeof res.json?.['error_description'], 'string');
  assert.equal(res.json?.['access_token'], undefined);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers['www-authenticate'], undefined, 'only invalid_client carries a challenge');
}

describe('POST /token: certificate client authentication failures are 401 invalid_client', () => {
  test('TE-C-01: a tls_client_auth client without a certificate', async () => {
    assertInvalidClient(await post({ form: cc({ client_id: 'acme-a' }) }));
  });

  test('TE-C-05 / RFC 8705 §7.4: the registered DN issued by another partner\'s CA', async () => {
    assert.equal(new X509Certificate(forged.otherPartner.cert!).subject, new X509Certificate(a.cert).subject, 'identical subject DN');
    assertInvalidClient(await post({ identity: forged.otherPartner, form: cc({ client_id: 'acme-a' }) }));
  });

  test('TE-C-06: the registered DN issued by an unknown CA named like the partner\'s CA', async () => {
    assertInvalidClient(await post({ identity: forged.unknownCa, form: cc({ client_id: 'acme-a' }) }));
  });

  test('TE-C-07: a self-signed certificate with the registered DN', async () => {
    assertInvalidClient(await post({ identity: forged.selfSigned, form: cc({ client_id: 'acme-a' }) }));
  });

  test('TE-C-03: an expired certificate from the right partner CA with the right DN', async () => {
    assertInvalidClient(await post({ identity: forged.expired, form: cc({ client_id: 'acme-a' }) }));
  });

  test('TE-C-04: a not-yet-valid certificate from the right partner CA with the right DN', async () => {
    assertInvalidClient(await post({ identity: forged.notYetValid, form: cc({ client_id: 'acme-a' }) }));
  });

  test('TE-C-08: a self_signed_tls_client_auth client presenting a certificate it did not register', async () => {
    assertInvalidClient(await post({ identity: forged.selfSigned, form: cc({ client_id: 'acme-self' }) }));
    assertInvalidClient(await post({ identity: a, form: cc({ client_id: 'acme-self' }) }));
  });
});

describe('POST /token: client identification failures are 401 invalid_client', () => {
  test('TE-A-01 / TE-C-02: client A\'s valid certificate with the client_id of another client', async () => {
    assertInvalidClient(await post({ identity: a, form: cc({ client_id: 'acme-san' }) }));
    assertInvalidClient(await post({ identity: a, form: cc({ client_id: 'acme-rs' }) }));
    assertInvalidClient(await post({ identity: a, form: cc({ client_id: 'globex-g' }) }));
  });

  test('RFC 8705 §2: a valid certificate without a client_id', async () => {
    assertInvalidClient(await post({ identity: a, form: cc() }));
  });

  test('TE-A-11: an unknown client_id, with a certificate or a secret', async () => {
    assertInvalidClient(await post({ identity: a, form: cc({ client_id: 'acme-nobody' }) }));
    assertInvalidClient(await post({ headers: { authorization: basic('acme-nobody', 'x') }, form: cc() }));
    assertInvalidClient(await post({ form: cc({ client_id: 'acme-nobody', client_secret: 'x' }) }));
  });

  test('TE-A-13: client_id is matched exactly (case, whitespace)', async () => {
    assertInvalidClient(await post({ identity: a, form: cc({ client_id: 'ACME-A' }) }));
    assertInvalidClient(await post({ identity: a, form: cc({ client_id: 'acme-a ' }) }));
  });

  test('TE-A-10: the wrong secret, with client_secret_basic and client_secret_post', async () => {
    const b = await credentials('acme-basic');
    assertInvalidClient(await post({ identity: b, headers: { authorization: basic('acme-basic', 'wrong') }, form: cc() }));
    assertInvalidClient(await post({ form: cc({ client_id: 'acme-post', client_secret: 'wrong' }) }));
  });

  test('TE-A-06: a secret client using the other secret method', async () => {
    const b = await credentials('acme-basic');
    assertInvalidClient(await post({ identity: b, form: cc({ client_id: 'acme-basic', client_secret: await secret('acme-basic') }) }));
    assertInvalidClient(await post({ headers: { authorization: basic('acme-post', await secret('acme-post')) }, form: cc() }));
  });

  test('TE-A-06: a tls_client_auth client sending only a Basic secret, no certificate', async () => {
    assertInvalidClient(await post({ headers: { authorization: basic('acme-a', 'guess') }, form: cc() }));
    assertInvalidClient(await post({ form: cc({ client_id: 'acme-a', client_secret: 'guess' }) }));
  });
});

describe('POST /token: ambiguous or malformed credentials are 400 invalid_request', () => {
  test('TE-A-03: a certificate and a Basic secret on a tls_client_auth client', async () => {
    assertError(await post({ identity: a, headers: { authorization: basic('acme-a', 'x') }, form: cc() }), 400, 'invalid_request');
    assertError(await post({ identity: a, form: cc({ client_id: 'acme-a', client_secret: 'x' }) }), 400, 'invalid_request');
  });

  test('TE-A-04: a Basic header and client_secret in the body', async () => {
    const s = await secret('acme-basic');
    const b = await credentials('acme-basic');
    assertError(await post({ identity: b, headers: { authorization: basic('acme-basic', s) }, form: cc({ client_secret: s }) }), 400, 'invalid_request');
  });

  test('TE-A-05: the Basic client id differs from the body client_id', async () => {
    const b = await credentials('acme-basic');
    const res = await post({ identity: b, headers: { authorization: basic('acme-basic', await secret('acme-basic')) }, form: cc({ client_id: 'acme-post' }) });
    assertError(res, 400, 'invalid_request');
  });

  test('RFC 6749 §2.3: two Authorization headers are refused, not resolved to one', async () => {
    const b = await credentials('acme-basic');
    const good = basic('acme-basic', await secret('acme-basic'));
    const other = basic('acme-post', await secret('acme-post'));
    assertError(await post({ identity: b, headers: { authorization: [good, other] }, form: cc() }), 400, 'invalid_request');
    assertError(await post({ identity: b, headers: { authorization: [other, good] }, form: cc() }), 400, 'invalid_request');
  });

  test('TE-A-09: a malformed Basic header is invalid_request, never a 500', async () => {
    for (const header of [
      'Basic !!!not-base64!!!',
      'Basic YWJj', // not a multiple of 4
      `Basic ${Buffer.from('acme-basic').toString('base64')}`, // no colon
      'Basic',
      `Basic ${Buffer.from('acme-basic:%zz').toString('base64')}`, // bad escape in the form-encoded secret
      `Basic ${Buffer.from(':secret').toString('base64')}`, // empty client id
    ]) {
      assertError(await post({ headers: { authorization: header }, form: cc() }), 400, 'invalid_request');
    }
  });

  test('TE-A-07 / RFC 8705 §3.4: a secret client whose tokens are bound, with no certificate', async () => {
    const res = await post({ headers: { authorization: basic('acme-basic', await secret('acme-basic')) }, form: cc() });
    assertError(res, 400, 'invalid_request');
  });
});

describe('POST /token: malformed requests are 400 invalid_request', () => {
  test('RFC 6749 §3.2 (TE-R-04): a repeated parameter is invalid_request', async () => {
    for (const form of [
      { grant_type: ['client_credentials', 'client_credentials'], client_id: 'acme-a' },
      { grant_type: ['client_credentials', 'password'], client_id: 'acme-a' },
      { grant_type: 'client_credentials', client_id: ['acme-a', 'acme-a'] },
      { grant_type: 'client_credentials', client_id: ['acme-a', 'acme-san'] },
      { grant_type: 'client_credentials', client_id: 'acme-a', scope: ['orders:read', 'orders:read'] },
      { grant_type: 'client_credentials', client_id: 'acme-a', scope: ['orders:read', 'orders:write'] },
    ]) {
      assertError(await post({ identity: a, form }), 400, 'invalid_request');
    }
  });

  test('RFC 6749 §4.4.2 (TE-R-09): a missing grant_type is invalid_request', async () => {
    assertError(await post({ identity: a, form: { client_id: 'acme-a' } }), 400, 'invalid_request');
  });

  test('RFC 6749 §5.2 (TE-R-10): an unknown grant type is unsupported_grant_type', async () => {
    for (const grant of ['password', 'authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer']) {
      assertError(await post({ identity: a, form: { grant_type: grant, client_id: 'acme-a' } }), 400, 'unsupported_grant_type');
    }
  });

  test('RFC 6749 §4.4.2 (TE-R-02): a body that is not form-encoded is invalid_request', async () => {
    const form = 'grant_type=client_credentials&client_id=acme-a';
    for (const headers of [{ 'content-type': 'application/json' }, { 'content-type': 'text/plain' }, {}] as Record<string, string>[]) {
      const body = headers['content-type'] === 'application/json' ? JSON.stringify(cc({ client_id: 'acme-a' })) : form;
      assertError(await post({ identity: a, headers, body }), 400, 'invalid_request');
    }
  });

  test('RFC 6750 §5.3 (TE-R-05): parameters in the query string are invalid_request', async () => {
    const url = `${tokenUrl()}?client_id=acme-a`;
    assertError(await send(url, { ca: a.ca, identity: a, form: cc() }), 400, 'invalid_request');
    const all = `${tokenUrl()}?grant_type=client_credentials&client_id=acme-a`;
    assertError(await send(all, { ca: a.ca, identity: a, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' }), 400, 'invalid_request');
  });

  test('TE-R-08: bad percent-encoding, invalid UTF-8 and control characters are invalid_request', async () => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    for (const body of [
      'grant_type=client_credentials&client_id=acme-a&scope=%zz',
      'grant_type=client_credentials&client_id=acme-a%',
      'grant_type=client_credentials&client_id=acme-a&scope=%C3%28',
      'grant_type=client_credentials&client_id=acme-a%00',
    ]) {
      assertError(await post({ identity: a, headers, body }), 400, 'invalid_request');
    }
  });

  test('a repeated Content-Type header is invalid_request (Node would silently keep the first)', async () => {
    const body = 'grant_type=client_credentials&client_id=acme-a';
    const headers = { 'content-type': ['application/x-www-form-urlencoded', 'application/json'] };
    assertError(await post({ identity: a, headers, body }), 400, 'invalid_request');
  });

  test('TE-R-08: raw bytes that are not UTF-8 in the body are invalid_request, not replaced', async () => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const body = Buffer.concat([Buffer.from('grant_type=client_credentials&client_id=acme-a&scope=orders:read'), Buffer.from([0xc3, 0x28])]);
    assertError(await post({ identity: a, headers, body }), 400, 'invalid_request');
  });

  test('TE-R-08: bad percent-encoding in the request path is invalid_request, in OAuth form', async () => {
    assertError(await send(`${h.issuer}/tok%zzen`, { ca: a.ca, identity: a, form: cc({ client_id: 'acme-a' }) }), 400, 'invalid_request');
  });

  test('TE-R-07: more parameters than the cap is invalid_request', async () => {
    const body = `grant_type=client_credentials&client_id=acme-a&${Array.from({ length: 100 }, (_, i) => `p${i}=1`).join('&')}`;
    assertError(await post({ identity: a, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }), 400, 'invalid_request');
  });
});

describe('POST /token: scope and resource', () => {
  test('RFC 6749 §5.2 (TE-R-12): a scope not granted to the client is invalid_scope, not dropped', async () => {
    assertError(await post({ identity: a, form: cc({ client_id: 'acme-a', scope: 'admin' }) }), 400, 'invalid_scope');
    assertError(await post({ identity: a, form: cc({ client_id: 'acme-a', scope: 'orders:read admin' }) }), 400, 'invalid_scope');
  });

  test('TE-R-13: another partner\'s scope is invalid_scope', async () => {
    const g = await credentials('globex-g');
    assertError(await send(tokenUrl(), { ca: g.ca, identity: g, form: cc({ client_id: 'globex-g', scope: 'billing:read' }) }), 400, 'invalid_scope');
    assertError(await send(tokenUrl(), { ca: g.ca, identity: g, form: cc({ client_id: 'globex-g', scope: 'orders:write' }) }), 400, 'invalid_scope');
  });

  test('RFC 6749 §3.3 (TE-R-16): illegal scope characters are invalid_scope', async () => {
    for (const scope of ['orders:read"', 'orders\\read', 'orders:read\torders:write', 'orders:read  orders:write', ' orders:read', 'ördérs']) {
      assertError(await post({ identity: a, form: cc({ client_id: 'acme-a', scope }) }), 400, 'invalid_scope');
    }
  });

  test('RFC 8707 §2 (TE-R-14): a resource not granted or not a valid indicator is invalid_target', async () => {
    for (const resource of [API.globex, 'https://api.acme.example/unknown', '/orders', `${API.acmeOrders}#frag`, [API.acmeOrders, API.acmeBilling]]) {
      assertError(await post({ identity: a, form: cc({ client_id: 'acme-a', resource }) }), 400, 'invalid_target');
    }
    const g = await credentials('globex-g');
    assertError(await send(tokenUrl(), { ca: g.ca, identity: g, form: cc({ client_id: 'globex-g', resource: API.acmeOrders }) }), 400, 'invalid_target');
  });
});

describe('/token: methods and size', () => {
  test('RFC 6749 §3.2 (TE-R-01): GET, PUT and DELETE on /token are 405 with Allow: POST and nothing is issued', async () => {
    const query = `${tokenUrl()}?grant_type=client_credentials&client_id=acme-a`;
    for (const [url, method] of [[query, 'GET'], [tokenUrl(), 'GET'], [tokenUrl(), 'PUT'], [tokenUrl(), 'DELETE']] as const) {
      const res = await send(url, { ca: a.ca, identity: a, method });
      assertError(res, 405, 'invalid_request');
      assert.equal(res.headers['allow'], 'POST');
    }
  });

  test('TE-R-06: a body over 64 KiB is 413 with a JSON error, with or without Content-Length', async () => {
    const body = `grant_type=client_credentials&client_id=acme-a&pad=${'x'.repeat(64 * 1024)}`;
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    assertError(await post({ identity: a, headers, body }), 413, 'invalid_request');
    assertError(await post({ identity: a, headers: { ...headers, 'transfer-encoding': 'chunked' }, body }), 413, 'invalid_request');
  });
});

describe('IL-01: error responses leak nothing', () => {
  test('no error body carries a stack trace, an Error: prefix, a file path or "at" frames, and none has x-powered-by', async () => {
    // A few more kinds of failure than the tests above produced.
    seen.push(
      await send(`${h.issuer}/no-such-endpoint`, { ca: a.ca }),
      await send(`${h.issuer}/%E0%A4%A`, { ca: a.ca }),
      await post({ identity: a, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `${'%'.repeat(5000)}` }),
      await post({ identity: a, headers: { authorization: 'Basic \u00ff\u00fe' }, form: cc() }),
      await post({ identity: a, headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '--x\r\n' }),
    );
    assert.ok(seen.length >= 40, `checked ${seen.length} responses`);
    for (const res of seen) {
      assert.ok(res.status >= 400, res.text);
      assert.ok(res.json, `a JSON body: ${res.text}`);
      assert.equal(typeof res.json['error'], 'string');
      assert.doesNotMatch(res.text, /Error:|\bat \S+ \(|\n\s+at |\/work\/|node_modules|file:\/\/|\.ts\b|\.js\b|FST_|fastify/i, res.text);
      assert.equal(res.headers['x-powered-by'], undefined);
    }
  });
});
