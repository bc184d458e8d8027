// CRLs end to end on a running token service over real TLS: imported partner CAs whose CRLs
// come from a file and from an HTTP server (listed → 401, unlisted → 200, no valid CRL →
// 401: fail closed), and the CRL certbound publishes for each partner CA it holds.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { anchorView } from '../../src/admin/anchors.ts';
import { registerClient } from '../../src/admin/clients.ts';
import { certificateFingerprint, x5tS256 } from '../../src/core/thumbprint.ts';
import { createRootCa, type CertifiedKey } from '../../src/pki/ca.ts';
import { issueCertificate, type IssuedLeaf } from '../../src/pki/issue.ts';
import { derToPem, pkcs8ToPem } from '../../src/pki/keys.ts';
import { authority, startWorld, type Harness } from '../helpers/world.ts';
import { send, type Response } from '../helpers/https.ts';
import { signCrl, startCrlServer, type CrlServer } from '../helpers/crl.ts';
import { until } from '../helpers/until.ts';
import { opensslDir, type OpensslDir } from '../pki/openssl.ts';

const INVALID_CLIENT_BODY = '{"error":"invalid_client","error_description":"client authentication failed"}';
const NOT_FOUND_BODY = '{"error":"not_found","error_description":"no such endpoint"}';

let h: Harness;
let platformCa: string;
let crlServer: CrlServer;
let crlBase: string;
/** CRL requests the server holds without answering (the path `/never.crl`). */
const held: ServerResponse[] = [];
let onHeld: (() => void) | undefined;
/** What the CRL server answers for each path: the CRL bytes, or a status code. */
const served = new Map<string, Uint8Array | number>();

before(async () => {
  crlServer = await startCrlServer((req, res) => {
    if (req.url === '/never.crl') {
      held.push(res);
      onHeld?.();
      return;
    }
    const answer = served.get(req.url ?? '');
    if (answer === undefined) res.writeHead(404).end();
    else if (typeof answer === 'number') res.writeHead(answer).end();
    else res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(answer);
  });
  crlBase = crlServer.base;
  // A small fetch deadline, so that a source that never answers is given up on quickly here.
  h = await startWorld({ crlRefreshMs: 250, crlFetchTimeoutMs: 1_000, crlFetchCa: [crlServer.ca] });
  platformCa = (await authority('platform')).certPem;
});
after(async () => {
  await h.close();
  await crlServer.close();
});

/** A partner of its own CA, imported into certbound without its key, with a CRL source. */
interface ImportedPartner {
  readonly id: string;
  readonly ca: CertifiedKey;
  /** Issues a leaf under the partner's CA and registers a tls_client_auth client for its subject. */
  client(name: string): Promise<IssuedLeaf & { readonly clientId: string }>;
}

async function importPartner(id: string, crlSource: (ca: CertifiedKey) => Promise<string>): Promise<ImportedPartner> {
  const ca = await createRootCa({ commonName: `${id} own root CA` });
  const fingerprint = certificateFingerprint(new X509Certificate(ca.certPem).raw);
  await h.store.addPartner(id);
  await h.store.addAuthority({ id: `partner:${id}:${fingerprint}`, partnerId: id, certPem: ca.certPem, fingerprint, keyPkcs8: null, crlSource: await crlSource(ca) });
  return {
    id,
    ca,
    async client(name) {
      const subject = `CN=${name}, O=${id}`;
      const leaf = await issueCertificate(ca, { subject, usage: 'client' });
      await registerClient(h.store, { id: name, partnerId: id, subject: { kind: 'subject_dn', value: subject } });
      return { ...leaf, clientId: name };
    },
  };
}

function token(leaf: IssuedLeaf & { readonly clientId: string }): Promise<Response> {
  return send(`${h.issuer}/token`, {
    ca: platformCa,
    identity: { cert: leaf.certPem, key: pkcs8ToPem(leaf.keyPkcs8!) },
    form: { grant_type: 'client_credentials', client_id: leaf.clientId },
  });
}

function assertInvalidClient(res: Response): void {
  assert.equal(res.status, 401, res.text);
  assert.equal(res.text, INVALID_CLIENT_BODY);
  assert.equal(res.headers['www-authenticate'], `Basic realm="${h.issuer}"`);
}

/** A CRL response with its body as bytes (the JSON/text helper would mangle DER); no client certificate. */
function getCrl(path: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  const url = new URL(`${h.issuer}${path}`);
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', servername: url.hostname, port: url.port, path: url.pathname, ca: platformCa, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Where the CRL of a partner's certbound-held CA is published: by the CA's fingerprint, never the partner id. */
async function crlPathOf(partner: string): Promise<string> {
  return `/pki/crl/${certificateFingerprint(new X509Certificate((await authority(partner)).certPem).raw)}`;
}

/** Waits until `check` holds: the running service's CRL refresh timer (250 ms here) offers nothing to await. */
function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  return until(what, check, { timeoutMs: 10_000, intervalMs: 100 });
}

describe('RFC 5280 §6.3: CRLs of imported partner CAs', () => {
  test('a CRL file: a certificate it lists gets 401 invalid_client, one it does not list gets a token', async () => {
    let crlPath = '';
    const partner = await importPartner('initech', async () => (crlPath = join(h.dir, 'initech.crl')));
    const [listed, unlisted] = [await partner.client('initech-listed'), await partner.client('initech-ok')];
    await writeFile(crlPath, await signCrl(partner.ca, { serials: [listed.serial] }));
    await h.service.reload();
    await h.service.crlsFetched();
    assertInvalidClient(await token(listed));
    assert.equal((await token(unlisted)).status, 200);
  });

  test('a CRL over HTTPS (PEM): listed → 401, unlisted → 200; a newly published CRL takes effect on the next refresh', async () => {
    const partner = await importPartner('hooli', async () => `${crlBase}/hooli.crl`);
    const [listed, later] = [await partner.client('hooli-listed'), await partner.client('hooli-later')];
    served.set('/hooli.crl', new TextEncoder().encode(derToPem(await signCrl(partner.ca, { serials: [listed.serial] }), 'X509 CRL')));
    await h.service.reload();
    await h.service.crlsFetched();
    assertInvalidClient(await token(listed));
    assert.equal((await token(later)).status, 200);
    served.set('/hooli.crl', await signCrl(partner.ca, { serials: [listed.serial, later.serial], thisUpdate: new Date(Date.now() - 1000) }));
    await eventually(async () => (await token(later)).status === 401, 'the refreshed CRL refuses hooli-later');
    assertInvalidClient(await token(later));
  });

  test('fail closed: an unreachable source, an HTTP 404, a garbage file, an expired CRL, a CRL signed by another key — nothing valid at hand → 401 invalid_client', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const impostor = await createRootCa({ commonName: 'umbrella-5 own root CA' });
    const sources: Record<string, (ca: CertifiedKey) => Promise<string>> = {
      'umbrella-1': async () => `https://127.0.0.1:${deadPort}/crl`,
      'umbrella-2': async () => `${crlBase}/missing.crl`,
      'umbrella-3': async () => {
        const path = join(h.dir, 'garbage.crl');
        await writeFile(path, 'this is not a CRL');
        return path;
      },
      'umbrella-4': async (ca) => {
        const path = join(h.dir, 'expired.crl');
        await writeFile(path, await signCrl(ca, { thisUpdate: new Date(Date.now() - 2 * 86_400_000), nextUpdate: new Date(Date.now() - 86_400_000) }));
        return path;
      },
      'umbrella-5': async () => {
        const path = join(h.dir, 'impostor.crl');
        await writeFile(path, await signCrl(impostor));
        return path;
      },
    };
    const clients = [];
    for (const [id, source] of Object.entries(sources)) clients.push(await (await importPartner(id, source)).client(`${id}-client`));
    await h.service.reload();
    await h.service.crlsFetched();
    for (const client of clients) assertInvalidClient(await token(client));
  });

  test('recovery: once the source serves a valid CRL again, the refresh timer lets unlisted certificates in (a reload does not wait for a failing source)', async () => {
    const partner = await importPartner('cyberdyne', async () => `${crlBase}/cyberdyne.crl`);
    const client = await partner.client('cyberdyne-client');
    served.set('/cyberdyne.crl', 503);
    await h.service.reload();
    await h.service.crlsFetched();
    assertInvalidClient(await token(client));
    served.set('/cyberdyne.crl', await signCrl(partner.ca));
    // crlRefreshMs is 250 here: the timer's retry fetches it again well within the deadline.
    await eventually(async () => (await token(client)).status === 200, 'the refresh timer lets cyberdyne-client in');
  });
});

describe('a registry reload never waits for a CRL source', () => {
  test('an https CRL source that does not answer: the reload applies at once (another client registered with it authenticates), the CA fails closed until its CRL arrives', { timeout: 30_000 }, async () => {
    // A service of its own with a long fetch deadline: before the fix, reload() waited for the
    // fetch (here: 60 s, beyond this test's timeout).
    const slow = await startWorld({ crlFetchTimeoutMs: 60_000, crlFetchCa: [crlServer.ca] });
    try {
      const ca = await createRootCa({ commonName: 'soylent own root CA' });
      const fingerprint = certificateFingerprint(new X509Certificate(ca.certPem).raw);
      await slow.store.addPartner('soylent');
      await slow.store.addAuthority({ id: `partner:soylent:${fingerprint}`, partnerId: 'soylent', certPem: ca.certPem, fingerprint, keyPkcs8: null, crlSource: `${crlBase}/never.crl` });
      const leaf = await issueCertificate(ca, { subject: 'CN=soylent-client, O=soylent', usage: 'client' });
      await registerClient(slow.store, { id: 'soylent-client', partnerId: 'soylent', subject: { kind: 'subject_dn', value: 'CN=soylent-client, O=soylent' } });
      const { files } = await registerClient(slow.store, { id: 'initrode-new', partnerId: 'globex', issueCertTo: join(slow.dir, 'issued', 'initrode-new') });
      const requested = new Promise<void>((resolve) => (onHeld = resolve));
      await slow.service.reload();
      await requested;
      assert.equal(held.length, 1, 'the CRL request is held, unanswered');
      const tokenOn = async (clientId: string, identity: { cert: string; key: string }) =>
        send(`${slow.issuer}/token`, { ca: platformCa, identity, form: { grant_type: 'client_credentials', client_id: clientId } });
      const fresh = await tokenOn('initrode-new', { cert: await readFile(files!.cert, 'utf8'), key: await readFile(files!.key!, 'utf8') });
      assert.equal(fresh.status, 200, 'the reload applied while the CRL fetch is pending');
      const soylent = { cert: leaf.certPem, key: pkcs8ToPem(leaf.keyPkcs8!) };
      const refused = await tokenOn('soylent-client', soylent);
      assert.equal(refused.status, 401);
      assert.equal(refused.json?.['error'], 'invalid_client');
      // The CRL state catches up: once the source answers, the CA's clients get in.
      held.splice(0)[0]!.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(await signCrl(ca));
      await slow.service.crlsFetched();
      assert.equal((await tokenOn('soylent-client', soylent)).status, 200);
    } finally {
      onHeld = undefined;
      await slow.close();
    }
  });

  test('a source that never answers is given up at the fetch deadline (1 s here): crlsFetched settles and the CA stays closed', async () => {
    const partner = await importPartner('tyrell', async () => `${crlBase}/never.crl`);
    const client = await partner.client('tyrell-client');
    await h.service.reload();
    await h.service.crlsFetched();
    assertInvalidClient(await token(client));
    for (const res of held.splice(0)) res.destroy();
  });
});

describe('GET /pki/crl/<fingerprint>: the CRL of a partner CA certbound holds', () => {
  let ssl: OpensslDir;
  let acmeCa: { certPem: string };
  before(async () => {
    ssl = await opensslDir();
    acmeCa = await authority('acme');
    await ssl.write({ 'platform.pem': platformCa, 'acme-ca.pem': acmeCa.certPem });
  });
  after(() => ssl.remove());

  test('RFC 5280 §5 / RFC 2585 §4.2: DER application/pkix-crl, without a client certificate, cacheable no longer than its nextUpdate; cached, not re-signed per request', async () => {
    const shown = anchorView((await h.store.getAuthority('partner:acme'))!);
    assert.equal(shown.crl_path, await crlPathOf('acme'), 'partner show names the path, by fingerprint');
    const [first, second] = [await getCrl(await crlPathOf('acme')), await getCrl(await crlPathOf('acme'))];
    assert.equal(first.status, 200);
    assert.equal(first.headers['content-type'], 'application/pkix-crl');
    const maxAge = Number(/^max-age=(\d+)$/.exec(String(first.headers['cache-control']))?.[1]);
    assert.ok(maxAge > 0 && maxAge <= 300, String(first.headers['cache-control']));
    assert.ok(first.body.equals(second.body), 'the same signed CRL twice');
    await ssl.write({ 'acme.crl': first.body });
    const text = await ssl.openssl('crl', '-inform', 'DER', '-in', 'acme.crl', '-noout', '-text', '-CAfile', 'acme-ca.pem');
    assert.ok(text.ok, text.stderr);
    assert.match(text.stderr + text.stdout, /verify OK/);
    assert.match(text.stdout, /X509v3 CRL Number:/);
    assert.match(text.stdout, /X509v3 Authority Key Identifier:/);
    const dates = await ssl.openssl('crl', '-inform', 'DER', '-in', 'acme.crl', '-noout', '-lastupdate', '-nextupdate');
    const [, last = '', next = ''] = /lastUpdate=(.+)\nnextUpdate=(.+)/.exec(dates.stdout) ?? [];
    assert.equal(new Date(next).getTime() - new Date(last).getTime(), 86_400_000, 'nextUpdate is thisUpdate + 24 h');
  });

  test('a revoked certificate is listed after reload, with its reason, and openssl verify -crl_check refuses it', async () => {
    const { files } = await registerClient(h.store, { id: 'acme-crl', partnerId: 'acme', issueCertTo: join(h.dir, 'issued', 'acme-crl') });
    assert.ok(files);
    const pem = await readFile(files.cert, 'utf8');
    const leaf = new X509Certificate(pem);
    await ssl.write({ 'acme-crl.pem': pem });
    const verify = () =>
      ssl.openssl('verify', '-crl_check', '-CAfile', 'platform.pem', '-untrusted', 'acme-ca.pem', '-CRLfile', 'acme.crl.pem', 'acme-crl.pem');
    const before = await getCrl(await crlPathOf('acme'));
    await ssl.write({ 'acme.crl.pem': derToPem(before.body, 'X509 CRL') });
    const ok = await verify();
    assert.ok(ok.ok, ok.stderr);

    await h.store.revokeCertificate({
      thumbprint: x5tS256(leaf.raw),
      serial: leaf.serialNumber.toLowerCase(),
      issuerId: 'partner:acme',
      partnerId: 'acme',
      clientId: 'acme-crl',
      reason: 'keyCompromise',
    });
    await h.service.reload();
    const after = await getCrl(await crlPathOf('acme'));
    assert.equal(after.status, 200);
    await ssl.write({ 'acme.crl.pem': derToPem(after.body, 'X509 CRL') });
    const text = await ssl.openssl('crl', '-in', 'acme.crl.pem', '-noout', '-text');
    assert.match(text.stdout, new RegExp(`Serial Number: ${leaf.serialNumber}\\n\\s+Revocation Date: .+\\n\\s+CRL entry extensions:\\n\\s+X509v3 CRL Reason Code: *\\n\\s+Key Compromise`));
    const refused = await verify();
    assert.equal(refused.ok, false);
    assert.match(refused.stdout + refused.stderr, /certificate revoked/);
    const number = (out: string) => Number(/X509v3 CRL Number: *\n\s+(\d+)/.exec(out)?.[1]);
    await ssl.write({ 'before.crl': before.body });
    const beforeText = await ssl.openssl('crl', '-inform', 'DER', '-in', 'before.crl', '-noout', '-text');
    assert.ok(number(text.stdout) > number(beforeText.stdout), 'the cRLNumber grows');
  });

  test('404 not_found, the same body as any unknown path: an unknown fingerprint, an imported CA, a disabled partner\'s CA, and the former /pki/<partner>/crl for a real or made-up partner (partner ids cannot be enumerated)', async () => {
    const massive = await importPartner('massive', async () => `${crlBase}/massive.crl`);
    await h.store.setPartnerStatus('globex', 'disabled');
    await h.service.reload();
    const acmePath = await crlPathOf('acme');
    try {
      const paths = [
        `/pki/crl/${'0'.repeat(64)}`,
        `/pki/crl/${certificateFingerprint(new X509Certificate(massive.ca.certPem).raw)}`,
        await crlPathOf('globex'),
        acmePath.toUpperCase().replace('/PKI/CRL/', '/pki/crl/'),
        '/pki/crl/..',
        '/pki/acme/crl',
        '/pki/no-such-partner/crl',
        '/pki/%2e%2e/crl',
      ];
      for (const path of paths) {
        const res = await getCrl(path);
        assert.equal(res.status, 404, path);
        assert.equal(res.body.toString(), NOT_FOUND_BODY, path);
        assert.match(String(res.headers['content-type']), /^application\/json/);
      }
    } finally {
      await h.store.setPartnerStatus('globex', 'active');
      await h.service.reload();
    }
    assert.equal((await getCrl(await crlPathOf('globex'))).status, 200, 'enabled again');
    assert.equal((await getCrl(acmePath)).status, 200);
  });
});
