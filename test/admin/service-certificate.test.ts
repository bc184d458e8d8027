// The token service's own certificate (issue 12): renewal picked up by a running service without
// a restart, and the list of certificates about to expire.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { TOKEN_SERVICE_TLS } from '../../src/admin/init.ts';
import { operation } from '../../src/admin/operations.ts';
import { runOperation } from '../../src/admin/run.ts';
import { expiringCertificates } from '../../src/admin/service-certificate.ts';
import { send } from '../helpers/https.ts';
import { credentials, startWorld, type Credentials, type Harness } from '../helpers/world.ts';

/** The certificate the listener at `port` presents in a handshake now. */
function presented(port: number, ca: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.destroy();
      if (cert) resolve(cert);
      else reject(new Error('no certificate'));
    });
    socket.once('error', reject);
  });
}

describe('cert server --renew', () => {
  let h: Harness;
  let a: Credentials;
  const renewals: { cert: string; key: string }[] = [];

  before(async () => {
    h = await startWorld({ onTlsRenewed: async (tls) => void renewals.push(tls) });
    a = await credentials('acme-a');
  });
  after(() => h.close());

  test('a renewed certificate (new key, same names) is served from the next handshake on, without a restart', async () => {
    const old = await presented(h.service.port, a.ca);
    const r = (await runOperation({ store: h.store, actor: 'test' }, operation('renewServiceCertificate'), {})) as { serial: string; not_after: string; sans: string[] };
    await h.service.reload();
    const now = await presented(h.service.port, a.ca);
    assert.notEqual(now.fingerprint256, old.fingerprint256);
    assert.equal(now.serialNumber.toLowerCase(), r.serial.toLowerCase());
    assert.notEqual(now.publicKey.export({ format: 'jwk' }).x, old.publicKey.export({ format: 'jwk' }).x, 'a new key');
    assert.equal(now.subjectAltName, old.subjectAltName, 'the same names');
    assert.ok(now.checkIssued(new X509Certificate(a.ca)), 'issued by the platform CA clients trust');
    assert.equal(renewals.length, 1, 'serve is told, to rewrite its files');
    assert.equal(renewals[0]!.cert, (await h.store.getTlsCredential(TOKEN_SERVICE_TLS))!.certPem);
    assert.ok(!JSON.stringify(r).includes('PRIVATE KEY'), 'the answer carries no private key');
    const ready = await send(`${h.issuer}/readyz`, { ca: a.ca });
    assert.equal(ready.status, 200, ready.text);
    const events = await h.store.queryAudit({});
    assert.ok(events.some((e) => e.event === 'admin.renewServiceCertificate' && e.outcome === 'success'));
  });
});

describe('cert expiring', () => {
  let h: Harness;

  before(async () => {
    h = await startWorld();
  });
  after(() => h.close());

  test('lists every watched certificate expiring within the period, soonest first, and nothing further off', async () => {
    const now = new Date();
    assert.deepEqual(await expiringCertificates(h.store, now, 0), [], 'nothing has expired');
    const all = await expiringCertificates(h.store, now, 3_650 * 86_400_000 * 10);
    const kinds = new Set(all.map((c) => c['kind']));
    for (const kind of ['tls', 'platform_ca', 'partner_ca', 'client']) assert.ok(kinds.has(kind), `${kind} in ${[...kinds].join(',')}`);
    const times = all.map((c) => Date.parse(String(c['not_after'])));
    assert.deepEqual(times, [...times].sort((x, y) => x - y));
    const tls = all.find((c) => c['kind'] === 'tls')!;
    const within = Number(tls['expires_in_seconds']);
    assert.ok(within > 0);
    const justBefore = await expiringCertificates(h.store, now, (within - 60) * 1000);
    assert.ok(!justBefore.some((c) => c['kind'] === 'tls'), 'not listed a minute before its window');
    assert.ok(!JSON.stringify(all).includes('BEGIN'), 'no PEM in the list');
  });
});
