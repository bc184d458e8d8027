// The soak's server process, forked by bench/soak.ts so that its memory and file descriptors are
// the servers' alone: a certbound token service on a fresh temporary data directory and a
// node:https API behind two resource guards (one checking the JWT and its certificate binding,
// one also introspecting every new token, so that revocations bite), both on 127.0.0.1 and free
// ports. It registers the partners and clients, reports what the driver needs over IPC, answers
// requests for its own resource use, and removes its data directory when told to stop.
import { createHash, X509Certificate } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { registerClient } from '../src/admin/clients.ts';
import { initDataDir, platformCa } from '../src/admin/init.ts';
import { addPartner } from '../src/admin/partners.ts';
import { addResource, grantResource } from '../src/admin/resources.ts';
import { issueCertificate } from '../src/pki/issue.ts';
import { pkcs8ToPem } from '../src/pki/keys.ts';
import { withGuard, type GuardedHandler } from '../src/resource/adapters/node.ts';
import { createGuard, type Guard } from '../src/resource/guard.ts';
import { startTokenService, type TokenService } from '../src/server/service.ts';
import { openStore } from '../src/storage/open.ts';
import type { Store } from '../src/storage/store.ts';
import type { FromServer, ProcessStats, SoakClient, ToServer } from './soak-protocol.ts';

/** The API's identifier, owned by the `shop` partner and granted to the client partners. */
const RESOURCE = 'https://api.shop.example/orders';
const SCOPE = 'orders:read';
const PARTNERS = ['alpha', 'bravo', 'charlie', 'delta'] as const;

const send = (message: FromServer) => process.send?.(message);

function firstPem(chain: string): string {
  return /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(chain)![0];
}

/** Registers `count` clients spread over the partners, each with a certificate from its partner's CA. */
async function registerWorld(store: Store, count: number): Promise<{ clients: SoakClient[]; rs: { chain: string; key: string } }> {
  await addPartner(store, 'shop');
  await addResource(store, RESOURCE, 'shop', SCOPE);
  for (const partner of PARTNERS) {
    await addPartner(store, partner);
    await grantResource(store, RESOURCE, partner);
  }
  const rs = await registerClient(store, { id: 'shop-rs', partnerId: 'shop', introspects: [RESOURCE], issueCert: true });
  const clients: SoakClient[] = [];
  for (let i = 0; i < count; i++) {
    const partnerId = PARTNERS[i % PARTNERS.length]!;
    const made = await registerClient(store, { id: `${partnerId}-${i}`, partnerId, issueCert: true });
    const chain = made.credentials!.certPem;
    clients.push({
      id: made.client.id,
      partnerId,
      subject: made.client.subject!.value,
      chain,
      key: made.credentials!.keyPem!,
      thumbprint: createHash('sha256').update(new X509Certificate(firstPem(chain)).raw).digest('base64url'),
    });
  }
  return { clients, rs: { chain: rs.credentials!.certPem, key: rs.credentials!.keyPem! } };
}

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

function stats(dir: string, collect: boolean, reset: boolean): ProcessStats {
  // Two passes: the first may only queue finalizers that free more.
  if (collect && globalThis.gc) {
    globalThis.gc();
    globalThis.gc();
  }
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  const eventLoopDelayMs = { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) };
  if (reset) loopDelay.reset();
  return {
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    ...openFds(dir),
    cpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100,
    eventLoopDelayMs,
    collected: collect && globalThis.gc !== undefined,
  };
}

/**
 * Entries of /proc/self/fd, by what they are: socket, pipe, anon_inode, data (a file of the data
 * directory: the embedded database keeps each table's files open once used), other files; null
 * where there is no /proc.
 */
function openFds(dir: string): { fds: number | null; fdKinds: Record<string, number> | null } {
  let entries: string[];
  try {
    entries = readdirSync('/proc/self/fd');
  } catch {
    return { fds: null, fdKinds: null };
  }
  const kinds: Record<string, number> = {};
  for (const entry of entries) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${entry}`);
    } catch {
      continue; // the directory's own descriptor, closed by now
    }
    const kind = /^(socket|pipe|anon_inode):/.exec(target)?.[1] ?? (target.startsWith(dir) ? 'data' : 'file');
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return { fds: entries.length, fdKinds: kinds };
}

async function main(count: number, keepAliveSeconds: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'certbound-soak-'));
  const store = await openStore(dir);
  let service: TokenService | undefined;
  let api: Server | undefined;
  const guards: Guard[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (api) {
        const server = api;
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      await Promise.allSettled(guards.map((g) => g.close()));
      await service?.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    })());
  // The driver gone (finished, or killed) leaves nothing behind.
  process.on('disconnect', () => void stop().finally(() => process.exit(0)));
  try {
    await initDataDir(store, dir);
    const { clients, rs } = await registerWorld(store, count);
    service = await startTokenService({ store, host: '127.0.0.1', port: 0, issuer: (port) => `https://127.0.0.1:${port}`, logger: false, limits: { keepAliveTimeoutMs: keepAliveSeconds * 1000 } });
    const root = await platformCa(store);
    const tls = await issueCertificate(
      { certPem: root.certPem, keyPkcs8: root.keyPkcs8! },
      { subject: 'CN=certbound soak api', sans: [{ type: 'ip', value: '127.0.0.1' }], usage: 'server' },
    );
    const reach = { issuer: service.issuer, ca: root.certPem, audience: RESOURCE };
    const plain = createGuard(reach);
    const strict = createGuard({ ...reach, introspection: { clientId: 'shop-rs', cert: rs.chain, key: rs.key } });
    guards.push(plain, strict);
    const answer: GuardedHandler = (_req, res, auth) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ client_id: auth.claims.client_id, orders: [] }));
    const routes = { '/orders': withGuard(plain, answer, { scopes: [SCOPE] }), '/strict': withGuard(strict, answer, { scopes: [SCOPE] }) };
    // Asks for a certificate, never requires one: the guard answers, not a TLS alert.
    api = createServer({ cert: tls.certPem, key: pkcs8ToPem(tls.keyPkcs8!), requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' }, (req, res) => {
      const route = routes[(req.url ?? '') as keyof typeof routes];
      if (route) void route(req, res);
      else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
    });
    const server = api;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    process.on('message', (message: ToServer) => {
      if (message.type === 'stats') send({ type: 'stats', id: message.id, stats: stats(dir, message.collect, message.reset) });
      else void stop().finally(() => process.exit(0));
    });
    send({ type: 'ready', world: { issuer: service.issuer, api: `https://127.0.0.1:${port}`, resource: RESOURCE, scope: SCOPE, ca: root.certPem, clients } });
  } catch (err) {
    send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
    await stop();
    process.exit(1);
  }
}

if (process.send) await main(Number(process.argv[2] ?? 32), Number(process.argv[3] ?? 30));
