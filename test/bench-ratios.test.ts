// The arithmetic of the comparison's verdicts (bench/compare/ratios.ts): the serial limits and
// each §3 target met, missed, or not measured — never a verdict on a figure that is missing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { limits, serialLimit, targets } from '../bench/compare/ratios.ts';
import type { Measurement, ServerResult } from '../bench/compare/results.ts';

const MB = 1024 * 1024;

function m(rps: number): Measurement {
  return { rps, rounds: [rps], p50Ms: 1, p99Ms: 2, cpuUsPerRequest: 100, ok: 1000, failed: 0 };
}

function server(id: string, ka: number, nc: number, rssIdleMb = 50, rssLoadMb = 60): ServerResult {
  return { id, label: id, keepAlive: m(ka), newConnection: m(nc), rssIdleBytes: rssIdleMb * MB, rssLoadBytes: rssLoadMb * MB, verified: { ok: true, status: 200 } };
}

const crypto = { es256Sign: 10_000, es256Verify: 5_000, ed25519Sign: 20_000, ed25519Verify: 8_000 };

test('bench: the limit of two costs paid one after the other is 1/(1/a + 1/b)', () => {
  assert.equal(serialLimit(10_000, 10_000), 5_000);
  assert.equal(Math.round(serialLimit(16_000, 10_000)), 6_154);
  assert.equal(serialLimit(0, 10_000), 0);
  const lim = limits(10_000, crypto);
  assert.equal(lim.floorPlusSign, 5_000);
  assert.equal(Math.round(lim.floorPlusVerify), 3_333);
});

test('bench: issue 11 §3 targets are met or missed on the measured ratios, bounds included', () => {
  const servers = [
    server('floor', 10_000, 300),
    server('certbound', 4_000, 270, 80, 100),
    server('oidc-cached', 1_000, 300, 90, 200),
    server('guard-warm', 9_000, 290),
    server('guard-cold', 2_000, 280),
  ];
  const cli = [
    { command: 'certbound serve --help', wallMs: 150, maxRssBytes: 40 * MB },
    { command: 'certbound partner list --dir <path>', wallMs: 301, maxRssBytes: 60 * MB },
  ];
  const byId = Object.fromEntries(targets(servers, limits(10_000, crypto), cli).map((t) => [t.id, t]));
  assert.equal(byId['token-ka-vs-oidc']!.value, 4);
  assert.equal(byId['token-ka-vs-oidc']!.met, true);
  assert.equal(byId['token-ka-vs-oidc-cpu']!.value, 1);
  assert.equal(byId['token-ka-vs-sign-limit']!.value, 0.8);
  assert.equal(byId['token-ka-vs-sign-limit']!.met, true);
  assert.equal(byId['token-nc-vs-oidc']!.met, false);
  assert.equal(byId['token-nc-vs-floor']!.value, 0.9);
  assert.equal(byId['token-nc-vs-floor']!.met, true);
  assert.equal(byId['guard-warm-vs-floor']!.met, true);
  assert.equal(byId['guard-cold-vs-verify-limit']!.value?.toFixed(3), '0.600');
  assert.equal(byId['guard-cold-vs-verify-limit']!.met, false);
  assert.equal(byId['rss-load-vs-oidc']!.value, 0.5);
  assert.equal(byId['rss-load-vs-oidc']!.met, true);
  assert.equal(byId['rss-idle']!.met, true);
  assert.equal(byId['cli-wall']!.value, 301);
  assert.equal(byId['cli-wall']!.met, false);
  assert.equal(byId['cli-rss']!.value, 60);
  assert.equal(byId['cli-help-wall']!.met, true);
});

test('bench: a target whose figures are missing is reported not measured, neither met nor missed', () => {
  const byId = Object.fromEntries(targets([server('floor', 10_000, 300)], limits(10_000, crypto), [{ command: 'certbound serve --help', wallMs: 90, maxRssBytes: null }]).map((t) => [t.id, t]));
  for (const id of ['token-ka-vs-oidc', 'token-nc-vs-floor', 'rss-idle', 'cli-wall', 'cli-rss', 'flat-clients']) {
    assert.equal(byId[id]!.value, null, id);
    assert.equal(byId[id]!.met, null, id);
  }
  assert.match(byId['flat-clients']!.note ?? '', /bench\/flat\.ts/);
});
