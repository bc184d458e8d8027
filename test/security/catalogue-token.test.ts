// Attack catalogue §2.1–§2.3 rows at the token endpoint, over real TLS with real certificates:
// certificate and trust tricks, client identity and request shape, each with its exact answer.
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { addAdminCertificate } from '../../src/admin/admins.ts';
import { startAdminApi } from '../../src/admin/api.ts';
import { revokeCertificate } from '../../src/admin/certificates.ts';
import { addClientCertificate, retireClientCertificate } from '../../src/admin/client-lifecycle.ts';
import { registerClient } from '../../src/admin/clients.ts';
import { TOKEN_SERVICE_TLS } from '../../src/admin/init.ts';
import { main } from '../../src/cli/main.ts';
import { createRootCa } from '../../src/pki/ca.ts';
import { issueCertificate, type SubjectAltName } from '../../src/pki/issue.ts';
import { pkcs8ToPem } from '../../src/pki/keys.ts';
import { createSelfSignedCertificate } from '../../src/pki/self-signed.ts';
import { runOk } from '../helpers/run.ts';
import { collect, send, type Response, type TlsIdentity } from '../helpers/https.ts';
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

const { post, assertInvalidClient, assertError, assertIssued } = endpoint(() => h.issuer, () => ca);

/** A client-auth leaf issued with openssl from a world CA (for key types and digests certbound itself never issues). */
async function opensslLeaf(caId: string, subject: string, keyArgs: readonly string[], digest: string): Promise<TlsIdentity> {
  const dir = await mkdtemp(join(tmpdir(), 'certbound-leaf-'));
  try {
    const issuer = await authority(caId);
    const f = (n: string) => join(dir, n);
    await writeFile(f('ca.pem'), issuer.certPem);
    await writeFile(f('ca.key'), pkcs8ToPem(issuer.keyPkcs8), { mode: 0o600 });
    await writeFile(f('ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
    await runOk('openssl', ['req', '-new', ...keyArgs, '-nodes', '-subj', subject, '-keyout', f('k.pem'), '-out', f('r.pem')]);
    await runOk('openssl', ['x509', '-req', '-in', f('r.pem'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', `-${digest}`, '-extfile', f('ext'), '-out', f('c.pem')]);
    return { cert: await readFile(f('c.pem'), 'utf8'), key: await readFile(f('k.pem'), 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** POST /token from a client whose OpenSSL security level is 0, so it can present weak certificates. */
function lowSecurityPost(options: { identity: TlsIdentity; form: Record<string, string> }): Promise<Response> {
  const target = new URL(`${h.issuer}/token`);
  const body = new URLSearchParams(options.form).toString();
  return new Promise((resolve, reject) => {
    const req = httpsRequest({
      host: '127.0.0.1', servername: 'localhost', port: target.port, path: target.pathname, method: 'POST', agent: false, ca,
      cert: options.identity.cert, key: options.identity.key, ciphers: 'DEFAULT:@SECLEVEL=0',
      headers: { host: target.host, 'content-type': 'application/x-www-form-urlencoded' },
    }, (res) => collect(res).then(resolve, reject));
    req.on('error', reject);
    req.end(body);
  });
}

describe('catalogue §2.1: certificates and trust', () => {
  test('TE-C-09: a self-signed certificate over the registered certificate\'s key, but not the registered certificate → 401 invalid_client (match on the certificate, not the key)', async () => {
    const self = await credentials('acme-self');
    const dir = await mkdtemp(join(tmpdir(), 'certbound-resign-'));
    try {
      await runOk('openssl', ['req', '-x509', '-new', '-key', self.files.key, '-subj', '/O=acme/CN=acme-self', '-days', '2', '-addext', 'extendedKeyUsage=clientAuth', '-out', join(dir, 'c.pem')]);
      const resigned = await readFile(join(dir, 'c.pem'), 'utf8');
      assert.equal(new X509Certificate(resigned).publicKey.export({ format: 'jwk' }).x, new X509Certificate(self.cert).publicKey.export({ format: 'jwk' }).x, 'same key');
      assertInvalidClient(await post('/token', { identity: { cert: resigned, key: self.key }, form: cc({ client_id: 'acme-self' }) }));
      assertIssued(await post('/token', { identity: self, form: cc({ client_id: 'acme-self' }) }), 'control: the registered certificate');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('TE-C-11: a self-signed client rotates its registered certificate: the new one gets 200 at once (no restart), the old one 401 invalid_client once retired', async () => {
    const [oldIssued, newIssued] = await Promise.all([createSelfSignedCertificate({ subject: 'CN=cat-self,O=acme' }), createSelfSignedCertificate({ subject: 'CN=cat-self,O=acme' })]);
    const [oldId, newId] = [await asCredentials(oldIssued), await asCredentials(newIssued)];
    await registerClient(h.store, { id: 'cat-self', partnerId: 'acme', authMethod: 'self_signed_tls_client_auth', certificatePem: oldIssued.certPem, scope: 'orders:read', resources: [API.acmeOrders] });
    await h.service.reload();
    assertIssued(await post('/token', { identity: oldId, form: cc({ client_id: 'cat-self' }) }), 'old, before rotation');
    assertInvalidClient(await post('/token', { identity: newId, form: cc({ client_id: 'cat-self' }) }), 'new, not yet registered');
    await addClientCertificate(h.store, 'cat-self', newIssued.certPem);
    await h.service.reload();
    const claims = assertIssued(await post('/token', { identity: newId, form: cc({ client_id: 'cat-self' }) }), 'new, after rotation');
    assert.deepEqual(claims['cnf'], { 'x5t#S256': x5t(newIssued.certPem) });
    await retireClientCertificate(h.store, 'cat-self', x5t(oldIssued.certPem));
    await h.service.reload();
    assertInvalidClient(await post('/token', { identity: oldId, form: cc({ client_id: 'cat-self' }) }), 'old, retired');
    assertIssued(await post('/token', { identity: newId, form: cc({ client_id: 'cat-self' }) }), 'new, after retirement');
  });

  test('TE-C-12: a client registered with its partner CA\'s own DN, presented a chain whose intermediate carries that DN → 401 invalid_client (only the leaf is matched)', async () => {
    const acmeCa = new X509Certificate((await authority('acme')).certPem);
    // RFC 4514 order is the reverse of the certificate's (X509Certificate prints RDNs in ASN.1 order, one per line).
    const caDn = acmeCa.subject.split('\n').reverse().join(',');
    await registerClient(h.store, { id: 'cat-ca-dn', partnerId: 'acme', subject: { kind: 'subject_dn', value: caDn }, scope: 'orders:read', resources: [API.acmeOrders] });
    await h.service.reload();
    assert.ok(a.chain?.includes(acmeCa.toString().trim().split('\n')[1]!), 'acme-a presents its chain, CA included');
    assertInvalidClient(await post('/token', { identity: { cert: a.chain!, key: a.key }, form: cc({ client_id: 'cat-ca-dn' }) }));
  });

  test('TE-C-14: a certificate revoked by the operator (partner CRL) → 401 invalid_client; the same DN on an unrevoked certificate still 200', async () => {
    const acme = await authority('acme');
    const [doomed, spare] = await Promise.all([
      issueCertificate(acme, { subject: 'CN=acme-a,O=acme', usage: 'client' }),
      issueCertificate(acme, { subject: 'CN=acme-a,O=acme', usage: 'client' }),
    ]);
    const [doomedId, spareId] = [await asCredentials(doomed), await asCredentials(spare)];
    assertIssued(await post('/token', { identity: doomedId, form: cc({ client_id: 'acme-a' }) }), 'before revocation');
    await revokeCertificate(h.store, { thumbprint: x5t(doomed.certPem), reason: 'keyCompromise' });
    await h.service.reload();
    assertInvalidClient(await post('/token', { identity: doomedId, form: cc({ client_id: 'acme-a' }) }), 'revoked');
    assertIssued(await post('/token', { identity: spareId, form: cc({ client_id: 'acme-a' }) }), 'unrevoked sibling');
  });

  test('TE-C-15: an RSA-1024 leaf, and a SHA-1-signed leaf, from the right partner CA with the right DN → 401 invalid_client', async () => {
    const weak = await opensslLeaf('acme', '/O=acme/CN=acme-a', ['-newkey', 'rsa:1024'], 'sha256');
    const sha1 = await opensslLeaf('acme', '/O=acme/CN=acme-a', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], 'sha1');
    assertIssued(await post('/token', { identity: await opensslLeaf('acme', '/O=acme/CN=acme-a', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], 'sha256'), form: cc({ client_id: 'acme-a' }) }), 'control: P-256, SHA-256');
    // The attacker lowers their own TLS stack's security level to be able to present these at all.
    assertInvalidClient(await lowSecurityPost({ identity: weak, form: cc({ client_id: 'acme-a' }) }), 'RSA-1024');
    assertInvalidClient(await lowSecurityPost({ identity: sha1, form: cc({ client_id: 'acme-a' }) }), 'SHA-1');
  });

  test('TE-C-16 (deliberate: one trust policy per listener): a Host naming another partner\'s API over an SNI of the token service changes nothing — the client, its partner\'s anchors and the binding come from the connection', async () => {
    const res = await post('/token', { identity: a, headers: { host: 'api.globex.example' }, form: cc({ client_id: 'acme-a' }) });
    const claims = assertIssued(res);
    assert.equal(claims['iss'], h.issuer, 'the issuer is configured, never taken from Host');
    assert.deepEqual(claims['cnf'], { 'x5t#S256': x5t(a.cert) });
    // And the trust decision stays the connection's: a globex client's id on acme's certificate is still refused.
    assertInvalidClient(await post('/token', { identity: a, headers: { host: 'api.globex.example' }, form: cc({ client_id: 'globex-g' }) }));
  });

  test('TE-C-17: there is no non-mTLS alias — mtls_endpoint_aliases name the same endpoints — and a certificate header on that listener is never a credential → 401 invalid_client', async () => {
    const metadata = (await send(`${h.issuer}/.well-known/oauth-authorization-server`, { ca })).json!;
    assert.deepEqual(metadata['mtls_endpoint_aliases'], {
      token_endpoint: metadata['token_endpoint'],
      introspection_endpoint: metadata['introspection_endpoint'],
      revocation_endpoint: metadata['revocation_endpoint'],
    });
    const der = new X509Certificate(a.cert).raw.toString('base64');
    const escaped = encodeURIComponent(a.cert);
    for (const headers of [{ 'client-cert': `:${der}:` }, { 'x-forwarded-client-cert': `Hash=${createHash('sha256').update(new X509Certificate(a.cert).raw).digest('hex')}` }, { 'ssl-client-cert': escaped }, { 'x-amzn-mtls-clientcert': escaped }]) {
      assertInvalidClient(await post('/token', { headers, form: cc({ client_id: 'acme-a' }) }), Object.keys(headers)[0]);
    }
  });

  test('EX-05: a valid leaf and its CA followed by 100 padding certificates (about 60 KB of handshake) → 401 invalid_client; the same leaf with its CA alone → 200', async () => {
    const root = await createRootCa({ commonName: 'padding root' });
    const padding = (await Promise.all(Array.from({ length: 25 }, (_, i) => issueCertificate(root, { subject: `CN=pad ${i}`, usage: 'client' })))).map((c) => c.certPem);
    const chain = a.chain! + Array.from({ length: 4 }, () => padding.join('')).join('');
    assert.ok((chain.match(/BEGIN CERTIFICATE/g) ?? []).length >= 100);
    assertInvalidClient(await post('/token', { identity: { cert: chain, key: a.key }, form: cc({ client_id: 'acme-a' }) }));
    assertIssued(await post('/token', { identity: { cert: a.chain!, key: a.key }, form: cc({ client_id: 'acme-a' }) }));
  });

  test('EX-05: a leaf over 16 KiB (right CA, right DN, padded with SANs) → 401 invalid_client', async () => {
    const sans: SubjectAltName[] = Array.from({ length: 400 }, (_, i) => ({ type: 'dns', value: `padding-${i}-${'x'.repeat(40)}.acme.example` }));
    const big = await asCredentials(await issueCertificate(await authority('acme'), { subject: 'CN=acme-a,O=acme', sans, usage: 'client' }));
    assert.ok(new X509Certificate(big.cert).raw.length > 16 * 1024, 'the DER is over 16 KiB');
    assertInvalidClient(await post('/token', { identity: big, form: cc({ client_id: 'acme-a' }) }));
  });

  test('EX-06: a pathological leaf (2 000 SANs, right CA and DN) is answered 401 invalid_client in bounded work, and the service keeps serving', async () => {
    const sans: SubjectAltName[] = Array.from({ length: 2000 }, (_, i) => ({ type: 'dns', value: `n${i}.pathological.example` }));
    const leaf = await asCredentials(await issueCertificate(await authority('acme'), { subject: 'CN=acme-a,O=acme', sans, usage: 'client' }));
    assertInvalidClient(await post('/token', { identity: leaf, form: cc({ client_id: 'acme-a' }) }));
    assertIssued(await post('/token', { identity: a, form: cc({ client_id: 'acme-a' }) }), 'still serving');
  });
});

describe('catalogue §2.3: client identity, method and request shape', () => {
  test('TE-A-02 (deliberate: 401, not 400): a valid certificate and no client_id is 401 invalid_client — the client is never discovered from the certificate', async () => {
    assertInvalidClient(await post('/token', { identity: a, form: cc() }));
    assertInvalidClient(await post('/token', { identity: a, form: cc({ scope: 'orders:read' }) }));
  });

  test('TE-A-08: a client_secret_basic client sending its valid certificate and right secret gets 200, cnf.x5t#S256 = base64url SHA-256 of the DER leaf', async () => {
    const b = await credentials('acme-basic');
    const res = await post('/token', { identity: b, headers: { authorization: basic('acme-basic', await secret('acme-basic')) }, form: cc() });
    const claims = assertIssued(res);
    assert.equal(claims['client_id'], 'acme-basic');
    assert.deepEqual(claims['cnf'], { 'x5t#S256': createHash('sha256').update(new X509Certificate(b.cert).raw).digest('base64url') });
  });

  test('TE-A-14 (deliberate: secrets do not expire, they are replaced): a secret no longer registered (another client\'s, or a made-up one) is 401 invalid_client', async () => {
    // certbound secrets carry no expiry; an operator rotates by re-registering. A secret that is
    // not the client's current one is refused exactly like a wrong one.
    assertInvalidClient(await post('/token', { headers: { authorization: basic('acme-basic', await secret('acme-post')) }, form: cc() }));
    assertInvalidClient(await post('/token', { form: cc({ client_id: 'acme-post', client_secret: await secret('acme-basic') }) }));
  });

  test('TE-R-11 (deliberate: client_credentials is the only grant and every client may use it): any other grant is 400 unsupported_grant_type, never unauthorized_client', async () => {
    for (const grant of ['password', 'authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'urn:ietf:params:oauth:grant-type:token-exchange']) {
      assertError(await post('/token', { identity: a, form: { grant_type: grant, client_id: 'acme-a' } }), 400, 'unsupported_grant_type', grant);
    }
  });

  test('TE-R-15: 5 000 scope tokens are 400 invalid_scope; a 100 KB scope is 413 (body limit), neither a 5xx', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => `s${i}`).join(' ');
    assertError(await post('/token', { identity: a, form: cc({ client_id: 'acme-a', scope: many }) }), 400, 'invalid_scope', '5 000 scopes');
    assertError(await post('/token', { identity: a, form: cc({ client_id: 'acme-a', scope: 'x'.repeat(100 * 1024) }) }), 413, 'invalid_request', '100 KB');
  });

  test('TE-R-17: the same scopes in another order → 200 with an equivalent token', async () => {
    const one = assertIssued(await post('/token', { identity: a, form: cc({ client_id: 'acme-a', scope: 'orders:read orders:write' }) }));
    const two = assertIssued(await post('/token', { identity: a, form: cc({ client_id: 'acme-a', scope: 'orders:write orders:read' }) }));
    assert.deepEqual(new Set(String(one['scope']).split(' ')), new Set(String(two['scope']).split(' ')));
    assert.equal(one['aud'], two['aud']);
    assert.deepEqual(one['cnf'], two['cnf']);
  });

  test('TE-R-18 (documented: per-client default): no scope parameter → 200 with every scope the client may have for that audience', async () => {
    const claims = assertIssued(await post('/token', { identity: a, form: cc({ client_id: 'acme-a' }) }));
    assert.deepEqual(new Set(String(claims['scope']).split(' ')), new Set(['orders:read', 'orders:write', 'billing:read']));
  });

  test('TE-S-10: a registration naming two expected identifiers (subject DN and dNSName) is refused — CLI usage error, admin API 400 invalid_input — and no client is created', async () => {
    const out: string[] = [];
    const code = await main(['client', 'add', 'cat-two', '--partner', 'acme', '--subject-dn', 'CN=cat-two,O=acme', '--san-dns', 'cat-two.acme.example', '--dir', h.dir], { out: (t) => out.push(t), err: (t) => out.push(t) });
    assert.equal(code, 2, 'a usage error, before anything is stored');
    assert.match(out.join('\n'), /at most one of --subject-dn, --san-dns/);
    assert.equal(await h.store.getClient('cat-two'), null);
    // Over the admin API the metadata has room for one identifier only: a second is an unknown field.
    const tls = (await h.store.getTlsCredential(TOKEN_SERVICE_TLS))!;
    const admin = await startAdminApi({ store: h.store, port: 0, tls: { cert: tls.certPem, key: pkcs8ToPem(tls.keyPkcs8) }, onChange: () => h.service.reload(), logger: false });
    try {
      const alice = await addAdminCertificate(h.store, 'cat-alice');
      const res = await send(`https://localhost:${admin.port}/v1/clients`, {
        ca, method: 'POST', identity: { cert: alice.cert_pem, key: alice.key_pem! },
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client: 'cat-two', partner: 'acme', subject_kind: 'subject_dn', subject_value: 'CN=cat-two,O=acme', tls_client_auth_san_dns: 'cat-two.acme.example' }),
      });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json?.['error'], 'invalid_input');
      assert.match(String(res.json?.['error_description']), /unknown field 'tls_client_auth_san_dns'/);
      assert.equal(await h.store.getClient('cat-two'), null);
    } finally {
      await admin.close();
    }
  });
});
