// Bad conditions, with the real server stopped and started under a real `certbound serve`
// process (a PostgreSQL cluster of this file's own, so no other test is disturbed): down at
// start, serve says why and keeps trying; down while serving, /token keeps issuing from memory
// while /introspect, /revoke and admin changes answer 503 temporarily_unavailable with
// Retry-After, never 500; back again, everything works without a restart.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Response } from '../helpers/https.ts';
import { buildPostgresWorld, type ClientCert, type PostgresWorld } from '../helpers/pg-world.ts';
import { startControllablePostgres } from '../helpers/postgres.ts';
import { adminRequest, eventually, launchInstance, postAs, running, tokenRequest, type Instance } from '../helpers/serve-process.ts';
import { hasStackTrace } from './run.ts';

const server = await startControllablePostgres();
after(() => server.stop());

function assertUnavailable(res: Response, what: string): void {
  assert.equal(res.status, 503, `${what}: ${res.text}`);
  assert.equal(res.json?.['error'], 'temporarily_unavailable', what);
  assert.equal(res.headers['retry-after'], '5', `${what}: Retry-After`);
}

describe('PostgreSQL goes away and comes back under a running serve', () => {
  let w: PostgresWorld;
  let instance: Instance | undefined;
  let id: ClientCert;

  before(async () => {
    w = await buildPostgresWorld(await server.createDatabase());
    id = await w.newCert();
  });
  after(async () => {
    await instance?.stop();
    await w.cleanup();
  });

  test('down at start: serve reports the unreachable database (password redacted, no stack) and retries until it answers, then serves', async () => {
    await server.stopServer();
    const p = launchInstance(w, 'one', ['--issuer', 'https://certbound.example']);
    await eventually('a retry message', async () => /retrying in \d+ s/.test(p.stderr()));
    assert.match(p.stderr(), /certbound serve: cannot connect to PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/certbound_test_[0-9a-f]+: .+; retrying in 1 s \(Ctrl-C to stop\)/);
    assert.ok(!p.stderr().includes(new URL(w.url).password), 'the password is never shown');
    assert.ok(!hasStackTrace(p.stderr()), p.stderr());
    assert.equal(p.child.exitCode, null, 'still running, still trying');
    await server.startServer();
    instance = await running(p, join(w.root, 'one'));
    assert.equal((await tokenRequest(instance, id)).status, 200);
  });

  test('down while serving: /token still issues from memory; /introspect, /revoke and an admin change are 503 temporarily_unavailable with Retry-After, never 500', async () => {
    const i = instance!;
    const issued = await tokenRequest(i, id);
    assert.equal(issued.status, 200, issued.text);
    const token = String(issued.json?.['access_token']);
    await server.stopServer();

    const again = await tokenRequest(i, id);
    assert.equal(again.status, 200, `/token from memory: ${again.text}`);
    assertUnavailable(await postAs(i, id, '/introspect', { token }), '/introspect');
    assertUnavailable(await postAs(i, id, '/revoke', { token }), '/revoke');
    assertUnavailable(await adminRequest(i, 'POST', '/v1/certificates/revoke', { thumbprint: id.thumbprint }), 'admin change');
    assert.equal((await tokenRequest(i, id)).status, 200, 'the refused admin change changed nothing');
  });

  test('back again: introspection, revocation and admin changes work without restarting serve', async () => {
    const i = instance!;
    await server.startServer();
    const issued = await tokenRequest(i, id);
    assert.equal(issued.status, 200, issued.text);
    const token = String(issued.json?.['access_token']);
    await eventually('introspection answers again', async () => (await postAs(i, id, '/introspect', { token })).status === 200);
    assert.equal((await postAs(i, id, '/introspect', { token })).json?.['active'], true);
    assert.equal((await postAs(i, id, '/revoke', { token })).status, 200);
    assert.equal((await postAs(i, id, '/introspect', { token })).text, '{"active":false}');
    const revoked = await adminRequest(i, 'POST', '/v1/certificates/revoke', { thumbprint: id.thumbprint });
    assert.equal(revoked.status, 200, revoked.text);
    const refused = await tokenRequest(i, id);
    assert.equal(refused.status, 401, refused.text);
    assert.equal(refused.json?.['error'], 'invalid_client');
    assert.equal(i.process.child.exitCode, null, 'the same process throughout');
    assert.ok(!hasStackTrace(i.process.stderr()), `no stack trace in its log:\n${i.process.stderr()}`);
    assert.ok(!i.process.stderr().includes(new URL(w.url).password), 'no password in its log');
  });
});
