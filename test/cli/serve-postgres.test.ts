// Real `certbound serve --database` processes on one real PostgreSQL database are one service:
// one issuer stored in the database, and a change made through any instance's admin API is
// honoured by the others (pushed with LISTEN/NOTIFY), in both directions and after a restart.
// `init --database` prepares such a store. Deadlines are generous; bench/propagation.ts
// measures the distribution.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { storedIssuer } from '../../src/admin/issuer.ts';
import { buildPostgresWorld, type ClientCert, type PostgresWorld } from '../helpers/pg-world.ts';
import { startTestPostgres } from '../helpers/postgres.ts';
import { adminRequest, eventually, launchInstance, postAs, startInstance, tokenRequest, type Instance } from '../helpers/serve-process.ts';
import { certbound, hasStackTrace } from './run.ts';

const server = await startTestPostgres();
after(() => server.stop());

const ISSUER = 'https://certbound.example';

function assertRefused(res: { status: number; json: Record<string, unknown> | undefined; text: string }): void {
  assert.equal(res.status, 401, res.text);
  assert.equal(res.json?.['error'], 'invalid_client');
}

describe('init --database', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'certbound-init-pg-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  test('init --database postgres://… --issuer URL initialises the store on the server and binds the issuer; a different --issuer is refused with ERR_CERTBOUND_ISSUER_MISMATCH', async () => {
    const url = await server.createDatabase();
    const env = { CERTBOUND_KEK: 'A'.repeat(43) + '=' };
    const dir = join(root, 'data');
    const done = await certbound(['init', '--dir', dir, '--database', url, '--issuer', ISSUER, '--json'], { cwd: root, env });
    assert.equal(done.code, 0, done.stderr);
    const out = JSON.parse(done.stdout) as { created: string[]; issuer: string };
    assert.deepEqual(out.created, ['platform root CA', 'token service TLS certificate', 'ES256 signing key']);
    assert.equal(out.issuer, ISSUER);
    const again = await certbound(['init', '--dir', dir, '--database', url, '--issuer', ISSUER], { cwd: root, env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already initialised/);
    const other = await certbound(['init', '--dir', dir, '--database', url, '--issuer', 'https://other.example'], { cwd: root, env });
    assert.equal(other.code, 1);
    assert.match(other.stderr, /has the issuer https:\/\/certbound\.example, and this instance was given https:\/\/other\.example/);
    assert.ok(!hasStackTrace(other.stderr), other.stderr);
    assert.ok(!other.stderr.includes(new URL(url).password), 'the database password is never shown');
    const moved = await certbound(['init', '--dir', dir, '--database', url, '--issuer', 'https://other.example', '--replace-issuer'], { cwd: root, env });
    assert.equal(moved.code, 0, moved.stderr);
  });
});

describe('serve --database: several processes are one service', () => {
  let w: PostgresWorld;
  let one: Instance;
  let two: Instance;

  before(async () => {
    w = await buildPostgresWorld(await server.createDatabase());
    one = await startInstance(w, 'one', ['--issuer', ISSUER]);
    two = await startInstance(w, 'two');
  });
  after(async () => {
    await one?.stop();
    await two?.stop();
    await w.cleanup();
  });

  test('the first instance stores its issuer; an instance started without --issuer adopts it', async () => {
    const store = await w.openStore();
    try {
      assert.equal(await storedIssuer(store), ISSUER);
    } finally {
      await store.close();
    }
    assert.equal(two.issuer, ISSUER);
  });

  test('an instance started with a different --issuer refuses to start with ERR_CERTBOUND_ISSUER_MISMATCH, naming both', async () => {
    const p = launchInstance(w, 'stray', ['--issuer', 'https://localhost:9999']);
    const code = await new Promise<number | null>((resolve) => p.child.once('exit', resolve));
    assert.equal(code, 1);
    assert.match(p.stderr(), /certbound serve: this database's token service has the issuer https:\/\/certbound\.example, and this instance was given https:\/\/localhost:9999/);
    assert.ok(!hasStackTrace(p.stderr()), p.stderr());
  });

  const revokeThrough = async (i: Instance, id: ClientCert): Promise<void> => {
    const res = await adminRequest(i, 'POST', '/v1/certificates/revoke', { thumbprint: id.thumbprint });
    assert.equal(res.status, 200, res.text);
  };

  test('a certificate revoked through instance 1\'s admin API is refused by instance 2, and the other way round', async () => {
    const a = await w.newCert();
    assert.equal((await tokenRequest(two, a)).status, 200, 'before');
    await revokeThrough(one, a);
    assertRefused(await tokenRequest(one, a));
    await eventually('revocation through 1 honoured by 2', async () => (await tokenRequest(two, a)).status === 401);
    assertRefused(await tokenRequest(two, a));

    const b = await w.newCert();
    assert.equal((await tokenRequest(one, b)).status, 200, 'before');
    await revokeThrough(two, b);
    await eventually('revocation through 2 honoured by 1', async () => (await tokenRequest(one, b)).status === 401);
    assertRefused(await tokenRequest(one, b));
  });

  test('a token revoked at instance 2 introspects {"active":false} at instance 1 at once', async () => {
    const id = await w.newCert();
    const issued = await tokenRequest(one, id);
    assert.equal(issued.status, 200, issued.text);
    const token = String(issued.json?.['access_token']);
    assert.equal((await postAs(two, id, '/introspect', { token })).json?.['active'], true);
    assert.equal((await postAs(two, id, '/revoke', { token })).status, 200);
    assert.equal((await postAs(one, id, '/introspect', { token })).text, '{"active":false}');
  });

  test('after instance 2 restarts it subscribes again: a certificate revoked through instance 1 afterwards is refused by it', async () => {
    assert.equal(await two.stop(), 0);
    two = await startInstance(w, 'two');
    const id = await w.newCert();
    assert.equal((await tokenRequest(two, id)).status, 200, 'before');
    await revokeThrough(one, id);
    await eventually('revocation honoured by the restarted instance', async () => (await tokenRequest(two, id)).status === 401);
    assertRefused(await tokenRequest(two, id));
  });
});
