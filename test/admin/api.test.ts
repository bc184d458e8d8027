// The admin API over real TLS on loopback, beside a token service on the same store: who may
// call it, what each refusal looks like, and that every change is live on /token at once.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addAdminCertificate } from '../../src/admin/admins.ts';
import { startAdminApi, type AdminApi } from '../../src/admin/api.ts';
import { TOKEN_SERVICE_TLS } from '../../src/admin/init.ts';
import { OPERATIONS } from '../../src/admin/operations.ts';
import { x5tS256 } from '../../src/core/thumbprint.ts';
import { pkcs8ToPem } from '../../src/pki/keys.ts';
import { createAuditLog, type AuditLog } from '../../src/server/audit.ts';
import { jwtPayload, send, type Response, type TlsIdentity } from '../helpers/https.ts';
import { credentials, startWorld, type Harness } from '../helpers/world.ts';

let world: Harness;
let api: AdminApi;
let ca: string;
let alice: TlsIdentity & { thumbprint: string };
let acme: TlsIdentity;
// The admin API's audit log for refusals, so that tests can end the aggregation interval (flush).
let refusals: AuditLog;

before(async () => {
  world = await startWorld();
  const tls = (await world.store.getTlsCredential(TOKEN_SERVICE_TLS))!;
  refusals = createAuditLog({ store: world.store, logger: false });
  api = await startAdminApi({
    store: world.store,
    audit: refusals,
    port: 0,
    tls: { cert: tls.certPem, key: pkcs8ToPem(tls.keyPkcs8) },
    onChange: () => world.service.reload(),
    logger: false,
  });
  ca = await readFile(join(world.dir, 'ca.pem'), 'utf8');
  const issued = await addAdminCertificate(world.store, 'alice');
  alice = { cert: issued.cert_pem, key: issued.key_pem!, thumbprint: issued.thumbprint };
  const a = await credentials('acme-a');
  acme = { cert: a.cert, key: a.key };
});
after(async () => {
  await api.close();
  await refusals.close();
  await world.close();
});

/** One admin API request over a new connection, with an optional client certificate and JSON body. */
function call(method: string, path: string, options: { identity?: TlsIdentity; json?: unknown; body?: string } = {}): Promise<Response> {
  const body = options.body ?? (options.json === undefined ? undefined : JSON.stringify(options.json));
  return send(`https://localhost:${api.port}${path}`, {
    method,
    ca,
    ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
    ...(options.identity ? { identity: options.identity } : {}),
  });
}

/** A token request with a client certificate to the token service. */
function token(clientId: string, identity: TlsIdentity): Promise<Response> {
  return send(`${world.issuer}/token`, { form: { grant_type: 'client_credentials', client_id: clientId }, identity, ca });
}

describe('admin API authentication', () => {
  test('no client certificate: 401 unauthorized, and nothing changes', async () => {
    const res = await call('POST', '/v1/partners', { json: { partner: 'anon-co' } });
    assert.equal(res.status, 401);
    assert.deepEqual(res.json, { error: 'unauthorized', error_description: 'an administrator certificate is required' });
    assert.equal(res.headers['cache-control'], 'no-store');
    for (const [method, path] of [['GET', '/v1/partners'], ['GET', '/v1/no-such-route'], ['DELETE', '/v1/partners/acme']] as const) {
      const r = await call(method, path);
      assert.equal(r.status, 401, `${method} ${path}`);
      assert.equal(r.json?.['error'], 'unauthorized');
    }
    assert.equal(await world.store.getPartner('anon-co'), null);
    const shown = await call('GET', '/v1/partners/anon-co', { identity: alice });
    assert.equal(shown.status, 404);
    assert.equal(shown.json?.['error'], 'ERR_CERTBOUND_NOT_FOUND');
  });

  test("a partner client's certificate (acme-a) is no administrator's: 403 forbidden, and nothing changes", async () => {
    const res = await call('POST', '/v1/partners', { identity: acme, json: { partner: 'acme-evil' } });
    assert.equal(res.status, 403);
    assert.deepEqual(res.json, { error: 'forbidden', error_description: 'the certificate presented is not an administrator certificate' });
    const disabled = await call('POST', '/v1/partners/acme/disable', { identity: acme });
    assert.equal(disabled.status, 403);
    assert.equal(disabled.json?.['error'], 'forbidden');
    assert.equal(await world.store.getPartner('acme-evil'), null);
    assert.equal((await world.store.getPartner('acme'))?.status, 'active');
    assert.equal((await token('acme-a', acme)).status, 200);
    // Refusals are aggregated per peer and reason; end the interval so acme's stand alone.
    await refusals.flush();
  });

  test('an administrator certificate removed is refused from the next request on', async () => {
    const bobIssued = await addAdminCertificate(world.store, 'bob');
    const bob = { cert: bobIssued.cert_pem, key: bobIssued.key_pem! };
    assert.equal((await call('GET', '/v1/admin-certificates', { identity: bob })).status, 200);
    const removed = await call('DELETE', `/v1/admin-certificates/${bobIssued.thumbprint}`, { identity: alice });
    assert.equal(removed.status, 200, removed.text);
    const res = await call('GET', '/v1/admin-certificates', { identity: bob });
    assert.equal(res.status, 403);
    assert.equal(res.json?.['error'], 'forbidden');
  });

  test('a registered administrator certificate past its validity period is refused: 403 forbidden', async () => {
    const tls = (await world.store.getTlsCredential(TOKEN_SERVICE_TLS))!;
    const later = await startAdminApi({
      store: world.store,
      port: 0,
      tls: { cert: tls.certPem, key: pkcs8ToPem(tls.keyPkcs8) },
      onChange: () => world.service.reload(),
      logger: false,
      now: () => new Date(new X509Certificate(alice.cert!).validToDate.getTime() + 1_000),
    });
    try {
      const res = await send(`https://localhost:${later.port}/v1/partners`, { ca, identity: alice });
      assert.equal(res.status, 403);
      assert.deepEqual(res.json, { error: 'forbidden', error_description: 'the administrator certificate is outside its validity period' });
    } finally {
      await later.close();
    }
  });

  test('GET /openapi.json needs no certificate and is an OpenAPI 3.1 document of every operation', async () => {
    const res = await call('GET', '/openapi.json');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const doc = res.json!;
    assert.equal(doc['openapi'], '3.1.0');
    assert.equal((doc['info'] as Record<string, unknown>)['title'], 'certbound admin API');
    const components = doc['components'] as Record<string, Record<string, Record<string, unknown>>>;
    assert.deepEqual(components['securitySchemes']!['mutualTLS'], { type: 'mutualTLS', description: 'A client certificate registered with `certbound admin add-cert`' });
    assert.deepEqual(doc['security'], [{ mutualTLS: [] }]);
    const paths = doc['paths'] as Record<string, Record<string, { operationId: string; parameters?: { name: string; in: string }[]; requestBody?: unknown }>>;
    const ids = Object.values(paths).flatMap((methods) => Object.values(methods).map((o) => o.operationId));
    assert.deepEqual(ids.sort(), OPERATIONS.map((o) => o.id).sort());
    for (const op of OPERATIONS) {
      const described = paths[op.path]?.[op.method.toLowerCase()];
      assert.ok(described, `${op.method} ${op.path}`);
      for (const name of [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
        assert.ok(described.parameters?.some((p) => p.name === name && p.in === 'path'), `${op.id} documents path parameter ${name}`);
      }
      assert.equal(described.requestBody !== undefined, op.input !== undefined && (op.method === 'POST' || op.method === 'PUT'), op.id);
    }
  });
});

describe('admin API changes are live on the token service at once', () => {
  let issued: { cert: string; key: string };

  test('an administrator adds a partner', async () => {
    const res = await call('POST', '/v1/partners', { identity: alice, json: { partner: 'initech' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json?.['id'], 'initech');
    assert.equal(res.json?.['status'], 'active');
    assert.equal((await world.store.getPartner('initech'))?.id, 'initech');
  });

  test('RFC 8705 §3.1: a client registered over the API with issue_cert gets a bound token from /token with no restart', async () => {
    const res = await call('POST', '/v1/clients', { identity: alice, json: { client: 'initech-a', partner: 'initech', issue_cert: true } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['cache-control'], 'no-store');
    const credentials = res.json?.['credentials'] as { cert_pem: string; key_pem: string };
    issued = { cert: credentials.cert_pem, key: credentials.key_pem };
    const t = await token('initech-a', issued);
    assert.equal(t.status, 200, t.text);
    const claims = jwtPayload(String(t.json?.['access_token']));
    assert.equal(claims['client_id'], 'initech-a');
    assert.deepEqual(claims['cnf'], { 'x5t#S256': x5tS256(new X509Certificate(issued.cert).raw) });
  });

  test('a certificate revoked over the API by serial: the next token request with it is 401 invalid_client', async () => {
    const listed = await call('GET', '/v1/certificates?partner=initech', { identity: alice });
    assert.equal(listed.status, 200, listed.text);
    const serial = (JSON.parse(listed.text) as { serial: string; client: string | null }[]).find((c) => c.client === 'initech-a')?.serial;
    assert.ok(serial);
    const revoked = await call('POST', '/v1/certificates/revoke', { identity: alice, json: { serial } });
    assert.equal(revoked.status, 200, revoked.text);
    assert.equal(revoked.json?.['serial'], serial);
    const t = await token('initech-a', issued);
    assert.equal(t.status, 401);
    assert.equal(t.json?.['error'], 'invalid_client');
  });

  test("a partner disabled over the API gets no tokens for its clients; enabled again, it does", async () => {
    const disabled = await call('POST', '/v1/partners/acme/disable', { identity: alice });
    assert.equal(disabled.status, 200, disabled.text);
    assert.equal(disabled.json?.['status'], 'disabled');
    const refused = await token('acme-a', acme);
    assert.equal(refused.status, 401);
    assert.equal(refused.json?.['error'], 'invalid_client');
    const enabled = await call('POST', '/v1/partners/acme/enable', { identity: alice });
    assert.equal(enabled.status, 200, enabled.text);
    assert.equal((await token('acme-a', acme)).status, 200);
  });

  test('a resource identifier percent-encoded in the path is decoded once', async () => {
    const uri = 'https://api.initech.example/tps?report=a%2Fb';
    const added = await call('POST', '/v1/resources', { identity: alice, json: { resource: uri, owner: 'initech', scope: 'tps:read' } });
    assert.equal(added.status, 200, added.text);
    const shown = await call('GET', `/v1/resources/${encodeURIComponent(uri)}`, { identity: alice });
    assert.equal(shown.status, 200, shown.text);
    assert.equal(shown.json?.['uri'], uri);
  });
});

describe('admin API errors', () => {
  test('schema violations are 400 invalid_input naming what is wrong', async () => {
    const cases: [string, string, { json?: unknown; body?: string }, RegExp][] = [
      ['POST', '/v1/partners', { json: {} }, /required property 'partner'/],
      ['POST', '/v1/partners', { json: { partner: 'x1', bogus: true } }, /unknown field 'bogus'/],
      ['POST', '/v1/partners', {}, /body must be object/],
      ['POST', '/v1/partners', { body: '{"partner":' }, /JSON/],
      ['POST', '/v1/clients', { json: { client: 'c', partner: 'acme', token_ttl: 0 } }, /token_ttl/],
      ['GET', '/v1/audit?limit=many', {}, /querystring\/limit/],
      ['GET', '/v1/partners?x=1', {}, /unknown field 'x'/],
    ];
    for (const [method, path, options, description] of cases) {
      const res = await call(method, path, { identity: alice, ...options });
      assert.equal(res.status, 400, `${method} ${path} ${res.text}`);
      assert.equal(res.json?.['error'], 'invalid_input', res.text);
      assert.match(String(res.json?.['error_description']), description);
    }
  });

  test('an invalid id is 400 with its library code; an RFC 8705 metadata error is 400 invalid_client_metadata', async () => {
    const bad = await call('POST', '/v1/partners', { identity: alice, json: { partner: 'Not Valid!' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json?.['error'], 'ERR_CERTBOUND_INVALID_ID');
    const metadata = await call('POST', '/v1/clients', { identity: alice, json: { client: 'c-dns', partner: 'acme', subject_kind: 'san_dns', subject_value: '*.acme.example' } });
    assert.equal(metadata.status, 400, metadata.text);
    assert.equal(metadata.json?.['error'], 'invalid_client_metadata');
  });

  test('a certificate field takes PEM only: a server path is 400 invalid_client_metadata, never read (no 500, no file oracle)', async () => {
    for (const path of ['/etc/passwd', '/nonexistent/cert.pem']) {
      const admin = await call('POST', '/v1/admin-certificates', { identity: alice, json: { name: 'via-path', certificate_pem: path } });
      assert.equal(admin.status, 400, admin.text);
      assert.equal(admin.json?.['error'], 'invalid_client_metadata');
      const client = await call('POST', '/v1/clients', { identity: alice, json: { client: 'via-path', partner: 'acme', auth_method: 'self_signed_tls_client_auth', certificate_pem: path } });
      assert.equal(client.status, 400, client.text);
      assert.equal(client.json?.['error'], 'invalid_client_metadata');
    }
    assert.equal(await world.store.getClient('via-path'), null);
  });

  test("a partner client's certificate cannot be registered as an administrator's: 403 ERR_CERTBOUND_FORBIDDEN", async () => {
    const partnerCert = (await credentials('acme-a')).cert;
    const res = await call('POST', '/v1/admin-certificates', { identity: alice, json: { name: 'acme-as-admin', certificate_pem: partnerCert } });
    assert.equal(res.status, 403, res.text);
    assert.equal(res.json?.['error'], 'ERR_CERTBOUND_FORBIDDEN');
    assert.ok(!(await world.store.listAdminCertificates()).some((c) => c.name === 'acme-as-admin'));
  });

  test('an unknown partner is 404, a duplicate 409, a conflict 409, an unknown route 404 not_found', async () => {
    const missing = await call('GET', '/v1/partners/nope', { identity: alice });
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json, { error: 'ERR_CERTBOUND_NOT_FOUND', error_description: missing.json?.['error_description'] });
    assert.match(String(missing.json?.['error_description']), /nope/);
    const duplicate = await call('POST', '/v1/partners', { identity: alice, json: { partner: 'acme' } });
    assert.equal(duplicate.status, 409);
    assert.equal(duplicate.json?.['error'], 'ERR_CERTBOUND_EXISTS');
    const conflict = await call('DELETE', '/v1/partners/globex', { identity: alice });
    assert.equal(conflict.status, 409);
    assert.equal(conflict.json?.['error'], 'ERR_CERTBOUND_CONFLICT');
    const route = await call('GET', '/v1/nothing-here', { identity: alice });
    assert.equal(route.status, 404);
    assert.deepEqual(route.json, { error: 'not_found', error_description: 'no such endpoint' });
  });

  test('a change the token service fails to apply is 500 server_error saying it was saved, without detail', async () => {
    const tls = (await world.store.getTlsCredential(TOKEN_SERVICE_TLS))!;
    const failing = await startAdminApi({
      store: world.store,
      port: 0,
      tls: { cert: tls.certPem, key: pkcs8ToPem(tls.keyPkcs8) },
      onChange: () => Promise.reject(new Error('secret internal detail')),
      logger: false,
    });
    try {
      const res = await send(`https://localhost:${failing.port}/v1/partners`, {
        method: 'POST', ca, identity: alice, body: JSON.stringify({ partner: 'late-co' }), headers: { 'content-type': 'application/json' },
      });
      assert.equal(res.status, 500);
      assert.equal(res.json?.['error'], 'server_error');
      assert.match(String(res.json?.['error_description']), /saved/);
      assert.ok(!res.text.includes('secret internal detail'));
      assert.ok(!/\bat .+:\d+/.test(res.text), 'no stack trace');
    } finally {
      await failing.close();
    }
  });
});

describe('admin API audit', () => {
  test("changes are audited with the administrator's certificate name; refusals as admin.auth_failed", async () => {
    await refusals.flush();
    const events = await world.store.queryAudit({ limit: 10_000 });
    const added = events.find((e) => e.event === 'admin.addPartner' && e.partnerId === 'initech');
    assert.ok(added, 'admin.addPartner recorded');
    assert.equal(added.actor, 'alice');
    assert.equal(added.outcome, 'success');
    const failures = events.filter((e) => e.event === 'admin.auth_failed');
    assert.ok(failures.every((e) => e.outcome === 'denied'));
    assert.ok(failures.some((e) => e.reason === 'no_certificate' && e.thumbprint === null));
    const acmeThumbprint = x5tS256(new X509Certificate(acme.cert!).raw);
    assert.ok(failures.some((e) => e.reason === 'not_an_administrator' && e.thumbprint === acmeThumbprint));
    const denied = events.find((e) => e.event === 'admin.addPartner' && e.partnerId === 'acme' && e.outcome === 'denied');
    assert.equal(denied?.reason, 'ERR_CERTBOUND_EXISTS');
    assert.equal(denied?.actor, 'alice');
  });
});
