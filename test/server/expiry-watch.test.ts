// Expiry watch (issue 12): seconds-to-expiry gauges for every certificate certbound depends on
// or hands out, and a warning log line at 30, 7 and 1 days (and at expiry), once per threshold.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { addAdminCertificate } from '../../src/admin/admins.ts';
import { TOKEN_SERVICE_TLS } from '../../src/admin/init.ts';
import { crossedThreshold } from '../../src/server/expiry-watch.ts';
import { capturedLogger } from '../helpers/log.ts';
import { startWorld, type Harness } from '../helpers/world.ts';

const DAY = 86_400_000;

describe('expiry thresholds', () => {
  test('30, 7 and 1 days before expiry are crossed in turn; expired is 0; further off is none', () => {
    assert.equal(crossedThreshold(31 * DAY), null);
    assert.equal(crossedThreshold(30 * DAY), 30);
    assert.equal(crossedThreshold(7 * DAY + 1), 30);
    assert.equal(crossedThreshold(7 * DAY), 7);
    assert.equal(crossedThreshold(DAY), 1);
    assert.equal(crossedThreshold(1), 1);
    assert.equal(crossedThreshold(0), 0);
    assert.equal(crossedThreshold(-5), 0);
  });
});

describe('certificate expiry watch on the token service', () => {
  let h: Harness;
  let clock = Date.now();
  const log = capturedLogger();
  let tlsNotAfter: number;

  before(async () => {
    h = await startWorld({ now: () => new Date(clock), expiryCheckMs: 0, logger: log.logger });
    await addAdminCertificate(h.store, 'ops-expiry');
    tlsNotAfter = Date.parse(new X509Certificate((await h.store.getTlsCredential(TOKEN_SERVICE_TLS))!.certPem).validTo);
  });
  after(() => h.close());

  /** The gauge's samples, by kind and name. */
  async function gauge(): Promise<Map<string, number>> {
    const metric = await h.service.metrics.certificateExpiry.get();
    return new Map(metric.values.map((v) => [`${String(v.labels['kind'])}/${String(v.labels['name'])}`, v.value]));
  }
  const tlsWarnings = () => log.lines().filter((l) => l['kind'] === 'tls' && l['level'] === 40);

  test('certbound_certificate_expiry_seconds{kind,name}: the service TLS certificate, the platform and partner CAs, administrator and client certificates', async () => {
    clock = Date.now();
    await h.service.checkExpiry();
    const samples = await gauge();
    assert.equal(samples.get('tls/token-service'), Math.round((tlsNotAfter - clock) / 1000));
    assert.ok(samples.has('platform_ca/platform'), [...samples.keys()].join(' '));
    assert.ok(samples.has('partner_ca/partner:acme'), [...samples.keys()].join(' '));
    assert.ok(samples.has('admin/ops-expiry'), [...samples.keys()].join(' '));
    assert.ok([...samples.keys()].some((k) => k.startsWith('client/')), [...samples.keys()].join(' '));
    const text = await h.service.metrics.registry.getSingleMetricAsString('certbound_certificate_expiry_seconds');
    assert.match(text, /certbound_certificate_expiry_seconds\{kind="tls",name="token-service"\} \d+/);
    assert.ok(!/BEGIN|PRIVATE/.test(text));
  });

  test('a warning at 30, 7 and 1 days and at expiry, each once, naming the certificate but never its PEM', async () => {
    const before = tlsWarnings().length;
    clock = tlsNotAfter - 29 * DAY;
    await h.service.checkExpiry();
    await h.service.checkExpiry();
    clock = tlsNotAfter - 20 * DAY;
    await h.service.checkExpiry();
    clock = tlsNotAfter - 6 * DAY;
    await h.service.checkExpiry();
    clock = tlsNotAfter - DAY / 2;
    await h.service.checkExpiry();
    clock = tlsNotAfter + 1_000;
    await h.service.checkExpiry();
    await h.service.checkExpiry();
    const warnings = tlsWarnings().slice(before);
    assert.deepEqual(warnings.map((w) => [w['threshold_days'], w['msg']]), [
      [30, 'certificate expires within 30 days'],
      [7, 'certificate expires within 7 days'],
      [1, 'certificate expires within 1 day'],
      [0, 'certificate has expired'],
    ]);
    assert.equal(warnings[0]!['name'], 'token-service');
    assert.equal(warnings[0]!['not_after'], new Date(tlsNotAfter).toISOString());
    assert.ok((await gauge()).get('tls/token-service')! < 0, 'negative once expired');
    assert.ok(!/BEGIN|PRIVATE/.test(log.text()));
    clock = Date.now();
  });
});
