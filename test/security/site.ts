// A token service on a copy of the test world whose store the test can fail or stall, and stop
// and start again on the same data directory: for the storage-fault and reliability rows.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTokenService, type TokenService, type TokenServiceOptions } from '../../src/server/service.ts';
import { openStore } from '../../src/storage/open.ts';
import type { Store } from '../../src/storage/store.ts';
import assert from 'node:assert/strict';
import { send, type Response } from '../helpers/https.ts';
import { credentials, world } from '../helpers/world.ts';

/** How the test wants the store to behave right now. */
export type StoreMode = 'up' | 'down' | 'hung';

/** A store whose token-state calls the test can fail or hang, as a database outage or a stalled query would. */
export function faultyStore(store: Store, mode: () => StoreMode): Store {
  const faulty = new Set<PropertyKey>(['isTokenRevoked', 'revokeToken', 'getSetting', 'appendAudit']);
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (!faulty.has(property)) return fn.bind(target);
      return (...args: unknown[]) => {
        const now = mode();
        if (now === 'down') return Promise.reject(new Error('connection refused (test outage)'));
        if (now === 'hung') return new Promise(() => undefined);
        return fn.apply(target, args);
      };
    },
  });
}

/** A data directory copied from the world, its store, and a service the test can stop and start again on it. */
export interface Site {
  readonly dir: string;
  store: Store;
  service: TokenService;
  mode: StoreMode;
  start(options?: Partial<Omit<TokenServiceOptions, 'store'>>): Promise<TokenService>;
  close(): Promise<void>;
}

export async function site(): Promise<Site> {
  const dir = await mkdtemp(join(tmpdir(), 'certbound-rel-'));
  await cp((await world()).template, dir, { recursive: true });
  const s: Site = {
    dir,
    store: await openStore(dir),
    service: undefined as unknown as TokenService,
    mode: 'up',
    async start(options = {}) {
      s.service = await startTokenService({ issuer: (port) => `https://localhost:${port}`, port: 0, logger: false, ...options, store: faultyStore(s.store, () => s.mode) });
      return s.service;
    },
    async close() {
      await s.service.close();
      await s.store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await s.start();
  return s;
}

/** POST /token at `service` as the world's client acme-a, with its certificate. */
export async function tokenAt(service: TokenService): Promise<Response> {
  const a = await credentials('acme-a');
  return send(`${service.issuer}/token`, { ca: a.ca, identity: a, form: { grant_type: 'client_credentials', client_id: 'acme-a' } });
}

/** An access token acme-a gets from `service`, which must issue one (200). */
export async function tokenFrom(service: TokenService): Promise<string> {
  const res = await tokenAt(service);
  assert.equal(res.status, 200, res.text);
  return String(res.json?.['access_token']);
}
