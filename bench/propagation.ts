// How long a change made through one instance takes to be honoured by another on the same
// PostgreSQL database: `node bench/propagation.ts [changes]` (default 50; a throwaway cluster,
// or CERTBOUND_TEST_DATABASE_URL). Two token services on separate stores (separate pools and
// LISTEN connections) in this process. Each change revokes a fresh client certificate through
// instance 1 (saved, announced and applied there, as its admin API does); the clock starts when
// that change is acknowledged and stops at the first token request instance 2 refuses (new TLS
// connection per request, so the figure includes up to one request's time). Measured twice, the
// same way: with LISTEN/NOTIFY (and the 2 s poll as safety net), and with the 2 s poll alone
// (the behaviour before LISTEN/NOTIFY) as the baseline. Changes are made at random moments
// (0-2 s apart), out of step with the poll. About 4 minutes for 50 changes.
import { operation } from '../src/admin/operations.ts';
import { runOperation } from '../src/admin/run.ts';
import { startTokenService, type TokenService } from '../src/server/service.ts';
import type { Store } from '../src/storage/store.ts';
import { send } from '../test/helpers/https.ts';
import { buildPostgresWorld, type ClientCert, type PostgresWorld } from '../test/helpers/pg-world.ts';
import { startTestPostgres } from '../test/helpers/postgres.ts';

const CHANGES = Number(process.argv[2] ?? 50);
const ISSUER = 'https://certbound.example';

const tokenStatus = async (service: TokenService, id: ClientCert): Promise<number> =>
  (await send(`https://localhost:${service.port}/token`, { ca: id.ca, identity: id, form: { grant_type: 'client_credentials', client_id: 'acme-a' } })).status;

/** The nearest-rank percentile of sorted samples. */
const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function measure(w: PostgresWorld, notify: boolean): Promise<number[]> {
  const stores: Store[] = [await w.openStore(), await w.openStore()];
  const start = (store: Store) => startTokenService({ store, issuer: ISSUER, port: 0, logger: false, registryNotify: notify });
  const one = await start(stores[0]!);
  const two = await start(stores[1]!);
  const samples: number[] = [];
  try {
    for (let i = 0; i < CHANGES; i++) {
      const id = await w.newCert();
      // Until instance 2 knows the certificate's client (it may still be applying the last change).
      while ((await tokenStatus(two, id)) !== 200) await new Promise((r) => setTimeout(r, 10));
      // A random pause, so that changes do not fall in step with the poll (right after a tick, the worst case).
      await new Promise((r) => setTimeout(r, Math.random() * 2_000));
      await runOperation({ store: stores[0]!, actor: 'bench' }, operation('revokeCertificate'), { thumbprint: id.thumbprint });
      await one.reload();
      const acknowledged = performance.now();
      const deadline = acknowledged + 10_000;
      while ((await tokenStatus(two, id)) !== 401) {
        if (performance.now() > deadline) throw new Error('a change was not honoured within 10 s');
      }
      samples.push(performance.now() - acknowledged);
    }
  } finally {
    await one.close();
    await two.close();
    for (const s of stores) await s.close();
  }
  return samples.sort((a, b) => a - b);
}

const server = await startTestPostgres();
try {
  const w = await buildPostgresWorld(await server.createDatabase());
  try {
    console.log(`propagation: a certificate revoked through instance 1, until instance 2 refuses it (${CHANGES} changes each, ${server.origin}, node ${process.version})`);
    for (const [name, notify] of [['LISTEN/NOTIFY + 2 s poll', true], ['2 s poll alone (before)', false]] as const) {
      const s = await measure(w, notify);
      const fmt = (ms: number) => `${ms.toFixed(0).padStart(5)} ms`;
      console.log(`${name.padEnd(26)} p50 ${fmt(percentile(s, 50))}   p90 ${fmt(percentile(s, 90))}   p99 ${fmt(percentile(s, 99))}   min ${fmt(s[0]!)}   max ${fmt(s.at(-1)!)}`);
    }
  } finally {
    await w.cleanup();
  }
} finally {
  await server.stop();
}
