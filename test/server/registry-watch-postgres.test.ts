// Several token-service instances on one real PostgreSQL database behave as one service: a
// change made through any of them is pushed to the others with LISTEN/NOTIFY (polling is off
// here, so nothing else could deliver it), a subscription lost is re-made and caught up, and a
// bulk revocation's cut-off is the database's clock. Deadlines are generous: the
// distribution is measured by bench/propagation.ts, not asserted here.
import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import pg from 'pg';
import { operation } from '../../src/admin/operations.ts';
import { runOperation } from '../../src/admin/run.ts';
import { startTokenService, type TokenService } from '../../src/server/service.ts';
import { LISTEN_APPLICATION_NAME } from '../../src/storage/postgres/listener.ts';
import { REGISTRY_CHANNEL } from '../../src/storage/registry-version.ts';
import type { Store } from '../../src/storage/store.ts';
import { send, type Response } from '../helpers/https.ts';
import { buildPostgresWorld, type ClientCert, type PostgresWorld } from '../helpers/pg-world.ts';
import { startTestPostgres } from '../helpers/postgres.ts';
import { until } from '../helpers/until.ts';

const server = await startTestPostgres();
after(() => server.stop());

const ISSUER = 'https://certbound.example';

/** Polls until `check` holds (each poll is a real request): another instance's reload offers nothing to await here. */
function eventually(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  return until(`honoured: ${what}`, check, { timeoutMs: ms });
}

const tokenRequest = (service: TokenService, id: ClientCert): Promise<Response> =>
  send(`https://localhost:${service.port}/token`, { ca: id.ca, identity: id, form: { grant_type: 'client_credentials', client_id: 'acme-a' } });

const post = (service: TokenService, id: ClientCert, path: string, form: Record<string, string>): Promise<Response> =>
  send(`https://localhost:${service.port}${path}`, { ca: id.ca, identity: id, form: { client_id: 'acme-a', ...form } });

function assertRefused(res: Response): void {
  assert.equal(res.status, 401, res.text);
  assert.equal(res.json?.['error'], 'invalid_client');
}

async function tokenFrom(service: TokenService, id: ClientCert): Promise<string> {
  const res = await tokenRequest(service, id);
  assert.equal(res.status, 200, res.text);
  return String(res.json?.['access_token']);
}

describe('instances on one PostgreSQL apply each other\'s changes by LISTEN/NOTIFY', () => {
  let w: PostgresWorld;
  const stores: Store[] = [];
  let one: TokenService;
  let two: TokenService;
  const start = async (): Promise<TokenService> => {
    const store = await w.openStore();
    stores.push(store);
    // Polling off: only a notification (or the catch-up after a reconnection) can deliver a change.
    return startTokenService({ store, issuer: ISSUER, port: 0, logger: false, registryPollMs: 0 });
  };
  /** A change made through `service`'s store, as its admin API makes it (then reloads itself). */
  const change = async (service: TokenService, id: string, input: Record<string, unknown>): Promise<void> => {
    await runOperation({ store: stores[[one, two].indexOf(service)]!, actor: 'test' }, operation(id), input);
    await service.reload();
  };

  before(async () => {
    w = await buildPostgresWorld(await server.createDatabase());
    one = await start();
    two = await start();
  });
  after(async () => {
    await one.close();
    await two.close();
    for (const s of stores) await s.close();
    await w.cleanup();
  });

  test('a certificate revoked through instance 1 is refused by instance 2 (pushed: polling is off)', async () => {
    const id = await w.newCert();
    assert.equal((await tokenRequest(two, id)).status, 200, 'before');
    await change(one, 'revokeCertificate', { thumbprint: id.thumbprint });
    await eventually('revocation through 1 seen by 2', async () => (await tokenRequest(two, id)).status === 401);
    assertRefused(await tokenRequest(two, id));
  });

  test('and the other way: a certificate revoked through instance 2 is refused by instance 1', async () => {
    const id = await w.newCert();
    assert.equal((await tokenRequest(one, id)).status, 200, 'before');
    await change(two, 'revokeCertificate', { thumbprint: id.thumbprint });
    await eventually('revocation through 2 seen by 1', async () => (await tokenRequest(one, id)).status === 401);
    assertRefused(await tokenRequest(one, id));
  });

  test('RFC 7009 / RFC 7662: a token revoked at instance 1 introspects {"active":false} at instance 2 at once (no waiting)', async () => {
    const id = await w.newCert();
    const token = await tokenFrom(one, id);
    assert.equal((await post(two, id, '/introspect', { token })).json?.['active'], true, 'issued by 1, active at 2');
    const revoked = await post(one, id, '/revoke', { token });
    assert.equal(revoked.status, 200, revoked.text);
    const after = await post(two, id, '/introspect', { token });
    assert.equal(after.status, 200, after.text);
    assert.equal(after.text, '{"active":false}');
  });

  test('a change committed while an instance\'s LISTEN connection is down is honoured after it reconnects (catch-up reload)', async () => {
    const id = await w.newCert();
    assert.equal((await tokenRequest(two, id)).status, 200, 'before');
    // Another process's change, committed right after every listening connection is terminated:
    // its NOTIFY goes out while nobody listens (reconnection waits at least 100 ms).
    const admin = new pg.Client({ connectionString: w.url });
    await admin.connect();
    try {
      await admin.query('BEGIN');
      const { rows } = await admin.query<{ terminated: boolean }>(
        'SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()',
        [LISTEN_APPLICATION_NAME],
      );
      assert.equal(rows.length, 2, 'one listening connection per instance');
      await admin.query("INSERT INTO revoked_certificates (thumbprint, reason) VALUES ($1, 'keyCompromise')", [id.thumbprint]);
      await admin.query("UPDATE settings SET value = gen_random_uuid()::text WHERE key = 'registry_version'");
      await admin.query('SELECT pg_notify($1, $2)', [REGISTRY_CHANNEL, 'while-disconnected']);
      await admin.query('COMMIT');
    } finally {
      await admin.end();
    }
    // Each instance reconnects on its own backoff: wait for both.
    await eventually('change made while disconnected seen after reconnecting', async () => (await tokenRequest(two, id)).status === 401);
    await eventually('… by the other instance too', async () => (await tokenRequest(one, id)).status === 401);
    assertRefused(await tokenRequest(two, id));
    assertRefused(await tokenRequest(one, id));
    // And the new subscription carries later changes as before.
    const next = await w.newCert();
    await change(two, 'revokeCertificate', { thumbprint: next.thumbprint });
    await eventually('a later change, on the new subscription', async () => (await tokenRequest(one, next)).status === 401);
  });

  test('an instance restarted on the database subscribes again: a change made afterwards reaches it', async () => {
    await two.close();
    two = await start();
    const id = await w.newCert();
    assert.equal((await tokenRequest(two, id)).status, 200, 'before');
    await change(one, 'revokeCertificate', { thumbprint: id.thumbprint });
    await eventually('revocation reaches the restarted instance', async () => (await tokenRequest(two, id)).status === 401);
    assertRefused(await tokenRequest(two, id));
  });

  test('a bulk revocation\'s cut-off is the database\'s clock: an admin host an hour behind cannot let a live token escape it', async () => {
    const id = await w.newCert();
    const token = await tokenFrom(two, id);
    assert.equal((await post(two, id, '/introspect', { token })).json?.['active'], true, 'before');
    // The admin host's clock is an hour behind while it makes the change.
    mock.timers.enable({ apis: ['Date'], now: Date.now() - 3_600_000 });
    let result: unknown;
    try {
      result = await runOperation({ store: stores[0]!, actor: 'test' }, operation('revokeClientTokens'), { client: 'acme-a' });
    } finally {
      mock.timers.reset();
    }
    const before = Date.parse(String((result as Record<string, unknown>)['revoked_before']));
    assert.ok(before > Date.now() - 60_000, `the cut-off is the database's now, not the skewed host's (${new Date(before).toISOString()})`);
    await eventually('bulk revocation reaches instance 2', async () => (await post(two, id, '/introspect', { token })).text === '{"active":false}');
  });
});
