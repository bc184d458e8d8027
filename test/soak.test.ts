// `npm run soak`, bounded for CI: a real token service and guarded API under many certificate-bound
// clients and an attacker at once. The soak itself checks every answer; this test runs it as a
// subprocess and holds it to its summary. How long: CERTBOUND_SOAK_SECONDS, else 10 s (the full
// soak, REL-05, is `npm run soak`). The token service's keep-alive is 2 s here, so that the guards'
// idle connections close, and the file descriptors settle, 2 s after the load rather than 30.
// No timing assertion: throughput and latency are reported, never judged here.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { run } from './helpers/run.ts';

const seconds = Number(process.env['CERTBOUND_SOAK_SECONDS'] ?? 10);

interface Kind {
  readonly side: 'legit' | 'attack';
  readonly requests: number;
  readonly unexpected: number;
}

interface Summary {
  readonly ok: boolean;
  readonly failures: readonly string[];
  readonly unexercised: readonly string[];
  readonly totals: { readonly legit: { requests: number; unexpected: number }; readonly attack: { requests: number; unexpected: number } };
  readonly kinds: Readonly<Record<string, Kind>>;
  readonly server: { readonly fdGrowthOutsideData: number | null };
}

test(`soak (${seconds}s): every legitimate request succeeds, every attacker request is refused exactly as expected, and file descriptors come back`, { timeout: (seconds + 420) * 1000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'certbound-soak-test-'));
  try {
    const json = join(dir, 'summary.json');
    const script = fileURLToPath(new URL('../bench/soak.ts', import.meta.url));
    const res = await run(process.execPath, [script, '--duration', `${seconds}s`, '--clients', '12', '--keep-alive', '2', '--json', json], { timeoutMs: (seconds + 400) * 1000 });
    assert.equal(res.code, 0, `soak exited ${res.code ?? res.signal}:\n${res.stdout}\n${res.stderr}`);
    const summary = JSON.parse(await readFile(json, 'utf8')) as Summary;
    assert.equal(summary.ok, true);
    assert.deepEqual(summary.failures, []);
    assert.ok(summary.totals.legit.requests > 0, 'legitimate requests were made');
    assert.ok(summary.totals.attack.requests > 0, 'attacker requests were made');
    assert.equal(summary.totals.legit.unexpected, 0);
    assert.equal(summary.totals.attack.unexpected, 0);
    // Each kind (legit and attack) was exercised, and got exactly its expected answer every time.
    assert.deepEqual(summary.unexercised, []);
    for (const [kind, k] of Object.entries(summary.kinds)) {
      assert.ok(k.requests > 0, `${kind} was exercised`);
      assert.equal(k.unexpected, 0, `${kind}: every answer as expected`);
    }
    assert.ok(Object.values(summary.kinds).some((k) => k.side === 'attack' && k.requests > 0));
    // Sockets, pipes and other files the server process holds (its database's files aside) settled back.
    assert.ok(summary.server.fdGrowthOutsideData === null || summary.server.fdGrowthOutsideData <= 16, `fds grew by ${summary.server.fdGrowthOutsideData}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
