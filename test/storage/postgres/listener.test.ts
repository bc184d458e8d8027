// The LISTEN side of registry propagation, against a real PostgreSQL server: a change is
// announced on commit only, a lost listening connection is re-made (and the listener told to
// catch up), and close() ends it for good.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { KeyEncryptionKey } from '../../../src/core/key-wrap.ts';
import { openStore } from '../../../src/storage/open.ts';
import { LISTEN_APPLICATION_NAME, listenOn } from '../../../src/storage/postgres/listener.ts';
import type { RegistryListener, Store } from '../../../src/storage/store.ts';
import { freePort, startTestPostgres } from '../../helpers/postgres.ts';
import { until, within } from '../../helpers/until.ts';

const server = await startTestPostgres();
after(() => server.stop());

/** What a listener heard, in order; `heard(event)` resolves once it has heard `event` (the listener is the event to wait for). */
function recorder(): RegistryListener & { readonly events: string[]; heard(event: string): Promise<void> } {
  const events: string[] = [];
  const waiting = new Map<string, (() => void)[]>();
  const push = (event: string) => {
    events.push(event);
    for (const resolve of waiting.get(event) ?? []) resolve();
    waiting.delete(event);
  };
  return {
    events,
    onChange: (version) => push(`change ${version}`),
    onSubscribed: (reconnected) => push(reconnected ? 'resubscribed' : 'subscribed'),
    onLost: () => push('lost'),
    heard: (event) =>
      events.includes(event) ? Promise.resolve() : new Promise((resolve) => waiting.set(event, [...(waiting.get(event) ?? []), resolve])),
  };
}

describe('PostgreSQL LISTEN for registry changes', () => {
  let url: string;
  let store: Store;
  let admin: pg.Client;
  const listening = async (): Promise<number> =>
    (await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()', [LISTEN_APPLICATION_NAME])).rows[0].n as number;

  before(async () => {
    url = await server.createDatabase();
    store = await openStore(join(tmpdir(), `certbound-unused-${randomBytes(4).toString('hex')}`), { databaseUrl: url, kek: KeyEncryptionKey.generate().kek });
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });
  after(async () => {
    await admin.end();
    await store.close();
  });

  test('a change is announced on commit only, with its version: one rolled back is never heard', async () => {
    const heard = recorder();
    const subscription = (await store.listenRegistryChanges(heard))!;
    try {
      assert.deepEqual(heard.events, ['subscribed']);
      await assert.rejects(store.transaction(async (tx) => {
        await tx.announceRegistryChange('rolled-back');
        throw new Error('roll back');
      }));
      await store.announceRegistryChange('committed');
      await within('change committed', heard.heard('change committed'));
      assert.deepEqual(heard.events, ['subscribed', 'change committed']);
    } finally {
      await subscription.close();
    }
  });

  test('a terminated listening connection is re-made: the listener is told to catch up, and later changes are heard again', async () => {
    const heard = recorder();
    const subscription = (await store.listenRegistryChanges(heard))!;
    try {
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()', [LISTEN_APPLICATION_NAME]);
      await within('resubscribed', heard.heard('resubscribed'));
      assert.deepEqual(heard.events.slice(0, 3), ['subscribed', 'lost', 'resubscribed']);
      await store.announceRegistryChange('after-reconnect');
      await within('change after-reconnect', heard.heard('change after-reconnect'));
    } finally {
      await subscription.close();
    }
  });

  test('close() ends the listening connection and no reconnection follows', async () => {
    const subscription = (await store.listenRegistryChanges(recorder()))!;
    assert.equal(await listening(), 1);
    await subscription.close();
    // The server drops the ended backend from pg_stat_activity in its own time: nothing to await but a poll.
    await until('no listening connection left', async () => (await listening()) === 0, { timeoutMs: 10_000 });
  });

  test('a server that cannot be reached is not fatal: the attempt is retried with backoff until close()', async () => {
    const heard = recorder();
    const waits: number[] = [];
    let fourth: () => void = () => {};
    const fourAttempts = new Promise<void>((resolve) => (fourth = resolve));
    const onLost = (_err: unknown, wait: number) => {
      if (waits.push(wait) === 4) fourth();
    };
    const unreachable = `postgres://certbound:x@127.0.0.1:${await freePort()}/none`;
    const subscription = await listenOn(unreachable, 'certbound_registry', { ...heard, onLost }, { minBackoffMs: 10, maxBackoffMs: 40 });
    try {
      await within('four attempts', fourAttempts);
      assert.deepEqual(waits.slice(0, 4), [10, 20, 40, 40]);
      assert.deepEqual(heard.events, []);
    } finally {
      await subscription.close();
    }
  });
});
