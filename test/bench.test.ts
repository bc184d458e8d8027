// `npm run bench`'s comparison (bench/compare.ts), run for a moment as a subprocess: every server
// starts on the shared certificates, passes its check before timing (a token bound to the client
// certificate, or a 200 through the guard), answers both loads without a failure, and the table
// and bench/results JSON carry every figure and every target of issue 11 §3. No timing assertion:
// the figures are reported, never judged here.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from '../bench/compare/results.ts';
import { run } from './helpers/run.ts';

const SERVERS = ['floor', 'certbound', 'oidc-plain', 'oidc-cached', 'guard-warm', 'guard-cold'];
const TOKEN_SERVERS = new Set(['certbound', 'oidc-plain', 'oidc-cached']);
const TARGETS = [
  'token-ka-vs-oidc',
  'token-ka-vs-oidc-cpu',
  'token-ka-vs-sign-limit',
  'token-nc-vs-oidc',
  'token-nc-vs-floor',
  'guard-warm-vs-floor',
  'guard-cold-vs-verify-limit',
  'rss-load-vs-oidc',
  'rss-idle',
  'cli-wall',
  'cli-rss',
  'cli-help-wall',
  'flat-clients',
];

test('npm run bench: every server answers both loads with a valid bound token, and the table and JSON carry every figure and §3 target', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'certbound-bench-test-'));
  try {
    const json = join(dir, 'latest.json');
    const script = fileURLToPath(new URL('../bench/compare.ts', import.meta.url));
    // A second each, few connections, a short warm-up: enough for every server's first answers to
    // land inside the window even when the test runner loads both cores (a cold oidc-provider
    // could take longer than a quarter of a second to answer its first keep-alive requests).
    const env = { BENCH_SECONDS: '1', BENCH_ROUNDS: '1', BENCH_TOKEN_POOL: '40', BENCH_WARMUP: '0.5', BENCH_CONNECTIONS: '4', BENCH_NEW_CONNECTIONS: '4' };
    const res = await run('env', [...Object.entries(env).map(([k, v]) => `${k}=${v}`), process.execPath, script, '--json', json], { timeoutMs: 110_000 });
    assert.equal(res.code, 0, `bench exited ${res.code ?? res.signal}:\n${res.stdout}\n${res.stderr}`);
    const r = JSON.parse(await readFile(json, 'utf8')) as BenchResult;

    assert.equal(r.version, 1);
    assert.deepEqual(r.servers.map((s) => s.id), SERVERS);
    for (const s of r.servers) {
      assert.equal(s.verified.ok, true, `${s.id} passed its check`);
      assert.equal(s.verified.status, 200, s.id);
      if (TOKEN_SERVERS.has(s.id)) {
        // RFC 8705 §3.1: the token of every token server is bound to the client certificate.
        assert.equal(s.verified.alg, 'ES256', s.id);
        assert.equal(s.verified.cnfMatches, true, `${s.id}: cnf.x5t#S256 is the client certificate's thumbprint`);
      }
      for (const m of [s.keepAlive, s.newConnection]) {
        assert.ok(m, `${s.id} was measured under both loads`);
        assert.ok(m.ok > 0, `${s.id} answered`);
        assert.equal(m.failed, 0, `${s.id}: no failed request`);
        for (const n of [m.rps, m.p50Ms, m.p99Ms, m.cpuUsPerRequest]) assert.ok(Number.isFinite(n) && n >= 0, `${s.id}: ${n}`);
        assert.equal(m.rounds.length, 1);
      }
      assert.ok(s.rssIdleBytes > 0 && s.rssLoadBytes > 0, `${s.id}: memory read`);
    }
    for (const n of Object.values(r.crypto)) assert.ok(n > 0);
    assert.ok(r.limits.floorPlusSign > 0 && r.limits.floorPlusVerify > 0);
    assert.deepEqual(r.targets.map((t) => t.id), TARGETS);
    for (const t of r.targets) {
      assert.ok(t.met === null || typeof t.met === 'boolean', t.id);
      if (t.id !== 'flat-clients' && t.id !== 'cli-rss') assert.notEqual(t.value, null, `${t.id} was measured`);
    }
    assert.ok(r.cli.some((c) => c.command === 'certbound serve --help'));
    assert.ok(r.cli.some((c) => c.command.startsWith('certbound partner list')));
    for (const key of ['node', 'oidc-provider', 'autocannon', 'certbound']) assert.ok(r.versions[key], key);

    // The printed table: a row per server and load, the limits, every target with its verdict.
    assert.match(res.stdout, /^server \/ load +req\/s/m);
    for (const s of r.servers) for (const kind of ['keep-alive', 'new conn.']) assert.ok(res.stdout.includes(`${s.label}, ${kind}`), `${s.label}, ${kind}`);
    assert.match(res.stdout, /limits from this run: 1\/\(1\/floor \+ 1\/sign\) = [\d,]+\/s/);
    assert.match(res.stdout, /--workers 2 vs 1: (n\/a|keep-alive)/);
    const verdicts = res.stdout.split('Targets (issue 11 §3):\n')[1]?.split('\n').filter((l) => /^ {2}(met|MISSED|n\/a) /.test(l)) ?? [];
    assert.equal(verdicts.length, TARGETS.length);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
