// partner add, client add and cert server, run as a user runs them, on a copy of the test
// world's data directory (copying is cheaper than building one).
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openStore } from '../../src/storage/open.ts';
import type { Store } from '../../src/storage/store.ts';
import { API, world } from '../helpers/world.ts';
import { certbound, hasStackTrace, openssl, type CliResult } from './run.ts';

let home: string;
let data: string;
before(async () => {
  home = await mkdtemp(join(tmpdir(), 'certbound-cli-registry-'));
  data = join(home, '.certbound');
  await cp((await world()).template, data, { recursive: true });
});
after(() => rm(home, { recursive: true, force: true }));

/** certbound in the working directory `home`, on its default data directory ./.certbound. */
const run = (...args: string[]): Promise<CliResult> => certbound(args, { cwd: home });
const json = (r: CliResult): Record<string, unknown> => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};
/** Asserts a refused command: exit status, a message on stderr, no stack trace, nothing on stdout. */
function refused(r: CliResult, code: number, message: RegExp): void {
  assert.equal(r.code, code, `exit ${r.code}: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, message);
  assert.ok(!hasStackTrace(r.stderr), r.stderr);
  assert.equal(r.stdout, '');
}
/** Opens the data directory's store for `fn` (no command may run meanwhile). */
async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(data);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
const sha256 = (input: string | Uint8Array) => createHash('sha256').update(input).digest();
/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}
const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('certbound partner add', () => {
  test('adds a partner with its own issuing CA, signed by the platform CA', async () => {
    const r = await run('partner', 'add', 'newco');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Partner 'newco' added/);
    const ca = await withStore(async (store) => store.getAuthority('partner:newco'));
    assert.ok(ca);
    const dir = await mkdtemp(join(home, 'ca-'));
    await writeFile(join(dir, 'newco.pem'), ca.certPem);
    const v = await openssl(['verify', '-CAfile', join(data, 'ca.pem'), 'newco.pem'], dir);
    assert.equal(v.code, 0, v.stderr);
    assert.ok(new X509Certificate(ca.certPem).ca);
  });

  test('--json prints the partner with its anchors, clients and resources', async () => {
    const out = json(await run('partner', 'add', 'jsonco', '--json'));
    assert.deepEqual(Object.keys(out).sort(), ['anchors', 'clients', 'created_at', 'id', 'resources', 'status']);
    assert.deepEqual(out['clients'], []);
    assert.equal((out['anchors'] as { kind: string }[])[0]?.kind, 'certbound');
    assert.equal(out['id'], 'jsonco');
    assert.equal(out['status'], 'active');
    assert.ok(!Number.isNaN(Date.parse(String(out['created_at']))));
  });

  test('an invalid partner id exits 1 with a clear message', async () => {
    for (const id of ['Acme', 'a/b', 'acme!', 'x'.repeat(64), '.acme']) {
      refused(await run('partner', 'add', id), 1, /invalid partner id .*lowercase letters, digits/);
    }
  });

  test('an existing partner id exits 1', async () => {
    refused(await run('partner', 'add', 'acme'), 1, /partner 'acme' already exists/);
  });

  test('$CERTBOUND_DIR names the data directory; --dir overrides it', async () => {
    const elsewhere = await mkdtemp(join(home, 'cwd-'));
    const viaEnv = await certbound(['partner', 'add', 'viaenv'], { cwd: elsewhere, env: { CERTBOUND_DIR: data } });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    const missing = join(home, 'not-a-data-dir');
    const viaFlag = await certbound(['partner', 'add', 'viaflag', '--dir', data], { cwd: elsewhere, env: { CERTBOUND_DIR: missing } });
    assert.equal(viaFlag.code, 0, viaFlag.stderr);
    assert.equal(existsSync(missing), false);
    assert.equal(existsSync(join(elsewhere, '.certbound')), false);
    const ids = await withStore(async (store) => (await store.listPartners()).map((p) => p.id));
    assert.ok(ids.includes('viaenv') && ids.includes('viaflag'));
  });
});

describe('certbound client add', () => {
  test('RFC 8705 §2.1.2: a tls_client_auth client with --subject-dn; --json prints its RFC 8705 / RFC 7591 metadata', async () => {
    const out = json(await run(
      'client', 'add', 'dn-client', '--partner', 'acme', '--subject-dn', 'CN=dn-client,O=acme',
      '--scope', 'orders:read orders:write orders:read', '--resource', API.acmeBilling, '--resource', API.acmeOrders, '--json',
    ));
    assert.deepEqual(out, {
      client_id: 'dn-client',
      partner: 'acme',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=dn-client,O=acme',
      scope: 'orders:read orders:write',
      resources: [API.acmeBilling, API.acmeOrders],
      introspects: [],
      token_ttl: 600,
      tls_client_certificate_bound_access_tokens: true,
    });
  });

  test('RFC 8705 §2.1.2: each SAN matcher is registered under its metadata name', async () => {
    const cases: Array<[string, string, string]> = [
      ['--san-dns', 'svc.acme.example', 'tls_client_auth_san_dns'],
      ['--san-uri', 'spiffe://acme.example/svc', 'tls_client_auth_san_uri'],
      ['--san-ip', '192.0.2.7', 'tls_client_auth_san_ip'],
      ['--san-email', 'svc@acme.example', 'tls_client_auth_san_email'],
    ];
    for (const [i, [flag, value, member]] of cases.entries()) {
      const out = json(await run('client', 'add', `matcher-${i}`, '--partner', 'acme', flag, value, '--json'));
      assert.equal(out[member], value, flag);
      assert.equal(out['token_endpoint_auth_method'], 'tls_client_auth');
      assert.equal(Object.keys(out).filter((k) => k.startsWith('tls_client_auth_')).length, 1, flag);
    }
  });

  test('--issue-cert with tls_client_auth registers CN=<client>,O=<partner> and writes key.pem (0600), cert.pem, ca.pem from the partner CA', async () => {
    const out = json(await run('client', 'add', 'issued-1', '--partner', 'acme', '--issue-cert', 'issued-1', '--json'));
    assert.equal(out['tls_client_auth_subject_dn'], 'CN=issued-1,O=acme');
    const dir = join(home, 'issued-1');
    assert.deepEqual(out['files'], { cert: join('issued-1', 'cert.pem'), key: join('issued-1', 'key.pem'), ca: join('issued-1', 'ca.pem') });
    assert.equal(await mode(join(dir, 'key.pem')), 0o600);
    assert.deepEqual(await readFile(join(dir, 'ca.pem')), await readFile(join(data, 'ca.pem')), 'ca.pem is the platform CA');
    const cert = new X509Certificate(await readFile(join(dir, 'cert.pem')));
    assert.ok(cert.checkPrivateKey(createPrivateKey(await readFile(join(dir, 'key.pem')))));
    const subject = await openssl(['x509', '-in', 'cert.pem', '-noout', '-subject', '-nameopt', 'RFC2253'], dir);
    assert.equal(subject.stdout.trim(), 'subject=CN=issued-1,O=acme');
    // The chain: leaf ← acme's issuing CA (held in the store, not written out) ← platform root.
    const partnerCa = await withStore(async (store) => (await store.getAuthority('partner:acme'))!.certPem);
    await writeFile(join(dir, 'partner-ca.pem'), partnerCa);
    const v = await openssl(['verify', '-purpose', 'sslclient', '-CAfile', 'ca.pem', '-untrusted', 'partner-ca.pem', 'cert.pem'], dir);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /cert\.pem: OK/);
    const alone = await openssl(['verify', '-CAfile', 'ca.pem', 'cert.pem'], dir);
    assert.notEqual(alone.code, 0, 'the platform CA does not issue client certificates directly');
  });

  test('--issue-cert with --san-dns puts that name in the issued certificate; the text output lists the files', async () => {
    const r = await run('client', 'add', 'issued-san', '--partner', 'acme', '--san-dns', 'issued-san.acme.example', '--issue-cert', 'issued-san');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Client 'issued-san' registered for partner 'acme' \(tls_client_auth\)/);
    assert.match(r.stdout, /expected subject +san_dns issued-san\.acme\.example/);
    for (const file of ['cert.pem', 'key.pem', 'ca.pem']) assert.ok(r.stdout.includes(join('issued-san', file)), file);
    const cert = new X509Certificate(await readFile(join(home, 'issued-san', 'cert.pem')));
    assert.equal(cert.checkHost('issued-san.acme.example'), 'issued-san.acme.example');
  });

  test('RFC 8705 §2.2: a self_signed_tls_client_auth client registers the certificate given with --cert (file or PEM)', async () => {
    const dir = await mkdtemp(join(home, 'self-'));
    for (const name of ['one', 'two']) {
      const made = await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-subj', `/CN=${name}`, '-days', '2'], dir);
      assert.equal(made.code, 0, made.stderr);
    }
    const one = await readFile(join(dir, 'one.pem'), 'utf8');
    const two = await readFile(join(dir, 'two.pem'), 'utf8');
    const a = json(await run('client', 'add', 'self-file', '--partner', 'acme', '--auth', 'self_signed_tls_client_auth', '--cert', join(dir, 'one.pem'), '--json'));
    assert.equal(a['token_endpoint_auth_method'], 'self_signed_tls_client_auth');
    assert.equal(Object.keys(a).some((k) => k.startsWith('tls_client_auth_') || k === 'client_secret'), false);
    json(await run('client', 'add', 'self-inline', '--partner', 'acme', '--auth', 'self_signed_tls_client_auth', '--cert', two, '--json'));
    const certs = await withStore((store) => store.listClientCertificates());
    const thumbprint = (pem: string) => sha256(new X509Certificate(pem).raw).toString('base64url');
    assert.deepEqual(certs.filter((c) => c.clientId === 'self-file').map((c) => c.thumbprint), [thumbprint(one)]);
    assert.deepEqual(certs.filter((c) => c.clientId === 'self-inline').map((c) => c.thumbprint), [thumbprint(two)]);
  });

  test('RFC 8705 §2.2: self_signed_tls_client_auth with --issue-cert writes a self-signed certificate and its key', async () => {
    json(await run('client', 'add', 'self-issued', '--partner', 'acme', '--auth', 'self_signed_tls_client_auth', '--issue-cert', 'self-issued', '--json'));
    const dir = join(home, 'self-issued');
    assert.equal(await mode(join(dir, 'key.pem')), 0o600);
    const v = await openssl(['verify', '-CAfile', 'cert.pem', 'cert.pem'], dir);
    assert.equal(v.code, 0, v.stderr);
  });

  test('self_signed_tls_client_auth without --cert or --issue-cert, or with an unreadable certificate, exits 1', async () => {
    refused(await run('client', 'add', 'self-none', '--partner', 'acme', '--auth', 'self_signed_tls_client_auth'), 1, /needs --cert.*invalid_client_metadata/);
    refused(
      await run('client', 'add', 'self-bad', '--partner', 'acme', '--auth', 'self_signed_tls_client_auth', '--cert', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'),
      1,
      /not a valid PEM X\.509 certificate/,
    );
  });

  test('client_secret_basic: the secret is printed once, and the database holds only its SHA-256', async () => {
    const r = await run('client', 'add', 'basic-1', '--partner', 'acme', '--auth', 'client_secret_basic', '--scope', 'orders:read');
    assert.equal(r.code, 0, r.stderr);
    const secret = /client_secret +(\S+)/.exec(r.stdout)?.[1];
    assert.ok(secret && secret.length >= 32, 'a long random secret');
    assert.equal(r.stdout.split(secret).length - 1, 1, 'shown exactly once');
    assert.match(r.stdout, /not shown again/);
    const client = await withStore((store) => store.getClient('basic-1'));
    assert.deepEqual(Buffer.from(client!.secretHash!), sha256(secret));
    for (const file of await filesUnder(data)) {
      assert.equal((await readFile(file)).indexOf(secret), -1, `${file} does not hold the secret`);
    }
  });

  test('client_secret_post: --json carries client_secret; its hash is what is stored', async () => {
    const out = json(await run('client', 'add', 'post-1', '--partner', 'acme', '--auth', 'client_secret_post', '--no-bound-tokens', '--json'));
    assert.equal(out['token_endpoint_auth_method'], 'client_secret_post');
    assert.equal(out['tls_client_certificate_bound_access_tokens'], false);
    const secret = String(out['client_secret']);
    assert.match(secret, /^[A-Za-z0-9_-]{32,}$/);
    const client = await withStore((store) => store.getClient('post-1'));
    assert.deepEqual(Buffer.from(client!.secretHash!), sha256(secret));
  });

  test('--token-ttl and --introspects are registered', async () => {
    const out = json(await run('client', 'add', 'rs-2', '--partner', 'acme', '--san-dns', 'rs-2.acme.example', '--token-ttl', '3600', '--introspects', API.acmeOrders, '--json'));
    assert.equal(out['token_ttl'], 3600);
    assert.deepEqual(out['introspects'], [API.acmeOrders]);
  });

  test('no squatting: client add --resource of an unknown API registers nothing and names the command to run; its real owner then registers it', async () => {
    const uri = 'https://new.globex.example/api';
    // acme names globex's future API first: before the fix acme owned it, and globex's resource add was refused.
    refused(
      await run('client', 'add', 'res-1', '--partner', 'acme', '--san-dns', 'res-1.acme.example', '--resource', uri),
      1,
      /resource 'https:\/\/new\.globex\.example\/api' is not registered: its owner registers it first with certbound resource add 'https:\/\/new\.globex\.example\/api' --owner acme/,
    );
    refused(await run('client', 'add', 'res-2', '--partner', 'acme', '--san-dns', 'res-2.acme.example', '--introspects', uri), 1, /is not registered/);
    assert.equal(await withStore((store) => store.getResource(uri)), null, 'nothing registered');
    assert.equal(await withStore((store) => store.getClient('res-1')), null, 'no client either');
    const owned = json(await run('resource', 'add', uri, '--owner', 'globex', '--json'));
    assert.equal(owned['owner'], 'globex');
    json(await run('client', 'add', 'res-g', '--partner', 'globex', '--san-dns', 'res-g.globex.example', '--resource', uri, '--json'));
    refused(await run('client', 'add', 'res-1', '--partner', 'acme', '--san-dns', 'res-1.acme.example', '--resource', uri), 1, /belongs to another partner/);
  });

  test('a resource of another partner exits 1, writes no files and registers nothing', async () => {
    refused(
      await run('client', 'add', 'globex-x', '--partner', 'globex', '--resource', API.acmeOrders, '--issue-cert', 'globex-x'),
      1,
      /belongs to another partner/,
    );
    refused(await run('client', 'add', 'globex-y', '--partner', 'globex', '--san-dns', 'y.globex.example', '--introspects', API.acmeBilling), 1, /belongs to another partner/);
    assert.equal(existsSync(join(home, 'globex-x')), false);
    const r = await run('client', 'add', 'globex-x', '--partner', 'globex', '--resource', API.globex, '--issue-cert', 'globex-x', '--json');
    assert.deepEqual(json(r)['resources'], [API.globex], 'the id is still free');
  });

  test('RFC 8705 §2.1.2: two subject matchers exit 2', async () => {
    refused(
      await run('client', 'add', 'two-m', '--partner', 'acme', '--subject-dn', 'CN=a', '--san-dns', 'a.example'),
      2,
      /at most one of --subject-dn, --san-dns, --san-uri, --san-ip, --san-email/,
    );
    refused(await run('client', 'add', 'two-m', '--partner', 'acme', '--san-ip', '192.0.2.1', '--san-email', 'a@b.example'), 2, /at most one/);
  });

  test('RFC 8705 §2.1.2: tls_client_auth without a subject matcher or --issue-cert exits 1 and says why', async () => {
    refused(await run('client', 'add', 'no-m', '--partner', 'acme'), 1, /RFC 8705 §2\.1\.2.*\(invalid_client_metadata\)/);
  });

  test('a subject matcher or --cert with another method exits 1', async () => {
    refused(await run('client', 'add', 'mix-1', '--partner', 'acme', '--auth', 'client_secret_basic', '--san-dns', 'a.example'), 1, /only to tls_client_auth/);
    refused(await run('client', 'add', 'mix-2', '--partner', 'acme', '--cert', 'x.pem'), 1, /--cert applies only to self_signed_tls_client_auth/);
  });

  test('an unknown --auth method exits 1 with invalid_client_metadata', async () => {
    refused(await run('client', 'add', 'jwt-1', '--partner', 'acme', '--auth', 'private_key_jwt'), 1, /unknown authentication method 'private_key_jwt': use one of tls_client_auth, .* \(invalid_client_metadata\)/);
  });

  test('an unknown partner exits 1 and says how to add it', async () => {
    refused(await run('client', 'add', 'orphan', '--partner', 'nope', '--issue-cert', 'orphan'), 1, /partner 'nope' does not exist: add it with certbound partner add nope/);
    assert.equal(existsSync(join(home, 'orphan')), false);
  });

  test('a client id is unique across the service: reusing one, also under another partner, exits 1', async () => {
    refused(await run('client', 'add', 'acme-a', '--partner', 'acme', '--issue-cert', 'dup-1'), 1, /client 'acme-a' already exists/);
    refused(await run('client', 'add', 'acme-a', '--partner', 'globex', '--issue-cert', 'dup-2'), 1, /client 'acme-a' already exists/);
    assert.equal(existsSync(join(home, 'dup-1')), false);
    assert.equal(existsSync(join(home, 'dup-2')), false);
    assert.equal((await withStore((store) => store.getClient('acme-a')))?.partnerId, 'acme');
  });

  test('an invalid client id exits 1', async () => {
    refused(await run('client', 'add', 'bad id', '--partner', 'acme', '--issue-cert', 'bad'), 1, /invalid client id/);
  });

  test('an invalid --token-ttl exits 2', async () => {
    // Refused before the data directory is opened, so these may run side by side.
    const ttls = ['abc', '0', '86401', '1.5', '-5', '1e3', ''];
    const runs = await Promise.all(ttls.map((ttl) => run('client', 'add', 'ttl-x', '--partner', 'acme', '--issue-cert', 'ttl-x', `--token-ttl=${ttl}`)));
    for (const r of runs) refused(r, 2, /--token-ttl must be a whole number from 1 to 86400/);
    assert.equal(existsSync(join(home, 'ttl-x')), false);
  });

  test('an invalid DN, SAN value, scope or resource exits 1 with invalid_client_metadata or invalid_scope', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--subject-dn', 'not a dn'], /not a valid RFC 4514 distinguished name \(invalid_client_metadata\)/],
      [['--subject-dn', 'CN=a,,O=b'], /invalid_client_metadata/],
      [['--san-dns', '*.acme.example'], /tls_client_auth_san_dns .*\(invalid_client_metadata\)/],
      [['--san-ip', '300.1.2.3'], /invalid_client_metadata/],
      [['--san-dns', 'ok.example', '--resource', 'not a uri'], /absolute URI without a fragment \(RFC 8707\) \(invalid_client_metadata\)/],
      [['--san-dns', 'ok.example', '--resource', 'https://x.example/#frag'], /invalid_client_metadata/],
      [['--san-dns', 'ok.example', '--scope', 'a "b"'], /\(invalid_scope\)/],
    ];
    for (const [extra, message] of cases) {
      refused(await run('client', 'add', 'bad-meta', '--partner', 'acme', ...extra), 1, message);
    }
    assert.equal(await withStore((store) => store.getClient('bad-meta')), null);
  });
});

describe('certbound cert server', () => {
  test('writes cert.pem, key.pem (0600) and ca.pem; openssl verifies the certificate against ca.pem, with the SANs asked for', async () => {
    const r = await run('cert', 'server', 'orders-api', '--san', 'dns:orders.acme.example', '--san', 'ip:127.0.0.1', '--san', 'ip:::1', '--out', 'orders-api');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Server certificate 'orders-api' issued/);
    assert.match(r.stdout, /TLS 1\.2 with ECDHE and AEAD ciphers only \(RFC 9325\): TLS_POLICY from certbound\/resource/);
    const dir = join(home, 'orders-api');
    assert.equal(await mode(join(dir, 'key.pem')), 0o600);
    assert.deepEqual(await readFile(join(dir, 'ca.pem')), await readFile(join(data, 'ca.pem')));
    const v = await openssl(['verify', '-purpose', 'sslserver', '-CAfile', 'ca.pem', 'cert.pem'], dir);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /cert\.pem: OK/);
    const cert = new X509Certificate(await readFile(join(dir, 'cert.pem')));
    assert.ok(cert.checkPrivateKey(createPrivateKey(await readFile(join(dir, 'key.pem')))));
    assert.equal(cert.checkHost('orders.acme.example'), 'orders.acme.example');
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkIP('::1'), '::1');
    assert.equal(cert.checkHost('localhost'), undefined, 'only the names asked for');
    const text = await openssl(['x509', '-in', 'cert.pem', '-noout', '-ext', 'subjectAltName', '-subject', '-nameopt', 'RFC2253'], dir);
    assert.match(text.stdout, /subject=CN=orders-api/);
  });

  test('--json prints the serial, the x5t#S256 thumbprint, the expiry and the files', async () => {
    const out = json(await run('cert', 'server', 'billing-api', '--san', 'dns:billing.acme.example', '--out', join(home, 'billing-api'), '--json'));
    const certPem = await readFile(join(home, 'billing-api', 'cert.pem'), 'utf8');
    const cert = new X509Certificate(certPem);
    assert.deepEqual(out, {
      serial: out['serial'],
      thumbprint: sha256(cert.raw).toString('base64url'),
      not_after: cert.validToDate.toISOString(),
      files: { cert: join(home, 'billing-api', 'cert.pem'), key: join(home, 'billing-api', 'key.pem'), ca: join(home, 'billing-api', 'ca.pem') },
    });
    assert.equal(BigInt(`0x${cert.serialNumber}`), BigInt(`0x${String(out['serial']).replace(/^0x/i, '')}`));
    const issued = await withStore((store) => store.listIssuedCertificates());
    assert.ok(issued.some((c) => c.thumbprint === out['thumbprint'] && c.issuerId === 'platform' && c.clientId === null));
  });

  test('an invalid --san or name exits 1; a missing --san or --out exits 2', async () => {
    for (const san of ['dns:', 'orders.example', 'ip:1.2.3', 'email:a@b.example']) {
      refused(await run('cert', 'server', 'x', '--san', san, '--out', 'x'), 1, /invalid --san/);
    }
    refused(await run('cert', 'server', '-bad', '--san', 'dns:a.example', '--out', 'x'), 2, /unknown option|ambiguous/);
    refused(await run('cert', 'server', 'bad/name', '--san', 'dns:a.example', '--out', 'x'), 1, /invalid name/);
    refused(await run('cert', 'server', 'x', '--out', 'x'), 2, /at least one --san/);
    refused(await run('cert', 'server', 'x', '--san', 'dns:a.example'), 2, /--out is required/);
    assert.equal(existsSync(join(home, 'x')), false);
  });
});

