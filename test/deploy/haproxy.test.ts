// docs/deployment.md, proven with real processes on loopback: a PostgreSQL cluster with TLS on,
// the role and database of the guide, `certbound init`, two `certbound serve` instances started
// with the systemd unit's ExecStart arguments, and HAProxy (Debian's package) in TCP mode with
// the guide's configuration. Then a token load through HAProxy, revocations and admin changes
// while one instance is killed with SIGKILL, and the checks the guide promises. Deadlines are
// generous; nothing asserts timing, the figures are reported as diagnostics.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import pg from 'pg';
import { guideBlock, substitute } from '../helpers/deployment-doc.ts';
import { haproxyBinary, startHaproxy, type Haproxy } from '../helpers/haproxy.ts';
import { jwtPayload, send, type Response } from '../helpers/https.ts';
import { freePort, startControllablePostgres } from '../helpers/postgres.ts';
import { adminRequest, eventually, running, type Instance } from '../helpers/serve-process.ts';
import { startCertbound } from '../cli/run.ts';
import { changeSet, launchArgs, prepareDatabase, runInit, seedPartner, type ChangeSet, type Deployment } from '../helpers/deployment.ts';

const execFileAsync = promisify(execFile);
const pgServer = await startControllablePostgres();
after(() => pgServer.stop());

const LB_HOST = 'auth.example.com';
/** acme-a and the ten clients the test disables. */
const CLIENTS_AT_LEAST = 10;

describe('docs/deployment.md: two instances on PostgreSQL behind HAProxy in TCP mode', { timeout: 120_000 }, () => {
  let d: Deployment;
  let lbPort: number;
  let ports: [number, number];
  let one: Instance;
  let two: Instance;
  let haproxy: Haproxy;
  let changes: ChangeSet;

  const lb = (path: string) => `https://${LB_HOST}:${lbPort}${path}`;
  const direct = (i: Instance, path: string) => `https://${LB_HOST}:${i.port}${path}`;
  const start = async (n: 1 | 2): Promise<Instance> => {
    const dir = join(d.root, `instance-${n}`);
    const p = startCertbound(launchArgs(d, await guideBlock('ini', 'ExecStart='), dir, ports[n - 1]!, lbPort), { cwd: d.root, env: { PGPASSWORD: d.password } });
    return running(p, dir);
  };
  const backendUp = (names: readonly string[], state: 'UP' | 'DOWN') =>
    eventually(`HAProxy marks ${names.join(', ')} ${state}`, async () => {
      const status = await haproxy.serverStatus('certbound');
      return names.every((n) => status.get(n) === state);
    }, 20_000);

  before(async () => {
    // Missing HAProxy fails the test at once, with how to install it.
    haproxyBinary();
    d = await prepareDatabase(pgServer);
    lbPort = await freePort();
    ports = [await freePort(), await freePort()];
    await runInit(d, await guideBlock('sh', 'certbound init'), lbPort);
    await seedPartner(d);
    one = await start(1);
    two = await start(2);
    const socket = join(d.root, 'haproxy.sock');
    const cfg = substitute(await guideBlock('haproxy', 'backend certbound'), [
      ['bind :443', `bind 127.0.0.1:${lbPort}`],
      ['10.0.0.11:8443', `127.0.0.1:${ports[0]}`],
      ['10.0.0.12:8443', `127.0.0.1:${ports[1]}`],
      ['/etc/haproxy/certbound-ca.pem', join(d.initDir, 'ca.pem')],
    ]);
    // The guide appends to Debian's haproxy.cfg; its global section (chroot, user, daemon) is the test's business.
    const file = join(d.root, 'haproxy.cfg');
    await writeFile(file, `global\n    stats socket ${socket} mode 600 level admin\n\n${cfg}`);
    haproxy = startHaproxy(file, socket);
    await backendUp(['certbound-1', 'certbound-2'], 'UP');
    changes = await changeSet(d, lb('/token'));
  });
  after(async () => {
    await haproxy?.stop();
    await one?.stop();
    await two?.stop();
    await d?.cleanup();
  });

  test('a token requested through HAProxy is bound to the certificate the client presented (RFC 8705 §3) and verifies against /jwks', async () => {
    const res = await send(lb('/token'), { ca: d.ca, identity: changes.steady, form: { grant_type: 'client_credentials', client_id: 'acme-a' } });
    assert.equal(res.status, 200, res.text);
    const token = String(res.json?.['access_token']);
    const jwks = await send(lb('/jwks'), { ca: d.ca });
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks.json as never), { issuer: d.issuer, typ: 'at+jwt' });
    assert.deepEqual(payload['cnf'], { 'x5t#S256': changes.steady.thumbprint });
    const introspected = await send(lb('/introspect'), { ca: d.ca, identity: changes.steady, form: { client_id: 'acme-a', token } });
    assert.equal(introspected.json?.['active'], true, introspected.text);
  });

  test('curl, as the guide shows it, gets a certificate-bound token through HAProxy', async () => {
    const dir = join(d.root, 'curl');
    await mkdir(dir, { mode: 0o700 });
    await writeFile(join(dir, 'client.pem'), changes.steady.cert);
    await writeFile(join(dir, 'client-key.pem'), changes.steady.key, { mode: 0o600 });
    await writeFile(join(dir, 'ca.pem'), d.ca);
    // The guide's client resolves auth.example.com to the load balancer; here --resolve does.
    const line = substitute((await guideBlock('sh', 'curl --cert')).trim(), [
      ['https://auth.example.com/token', `--silent --resolve ${LB_HOST}:${lbPort}:127.0.0.1 https://${LB_HOST}:${lbPort}/token`],
    ]);
    const out = await execFileAsync('sh', ['-c', line], { cwd: dir });
    const body = JSON.parse(out.stdout) as { access_token: string; token_type: string };
    assert.equal(body.token_type, 'Bearer');
    assert.deepEqual(jwtPayload(body.access_token)['cnf'], { 'x5t#S256': changes.steady.thumbprint });
  });

  test('the database connections are TLS (sslmode=verify-full in the URL), and pg_hba.conf refuses the role without it', async () => {
    const plain = await d.superuserQuery("SELECT count(*)::int AS n FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.usename = 'certbound' AND NOT s.ssl");
    const tls = await d.superuserQuery("SELECT count(*)::int AS n FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.usename = 'certbound' AND s.ssl");
    assert.equal(plain, 0);
    assert.ok(tls >= 2, `TLS connections of the role certbound: ${tls}`);
    const withoutTls = new pg.Client({ connectionString: `postgres://certbound:${d.password}@${d.replace.database[1]}/certbound?sslmode=disable` });
    // 28000 invalid_authorization_specification: pg_hba.conf rejects the connection.
    await assert.rejects(withoutTls.connect(), { code: '28000' });
    await withoutTls.end().catch(() => {});
  });

  test('every instance serves the same TLS certificate: the one init issued, naming the load balancer', async () => {
    const fingerprints = await Promise.all([one, two].map((i) => peerCertificate(i.port)));
    assert.equal(fingerprints[0]!.fingerprint256, fingerprints[1]!.fingerprint256);
    assert.equal(new X509Certificate(await readFile(join(d.initDir, 'tls-cert.pem'))).fingerprint256, fingerprints[0]!.fingerprint256);
    assert.equal(fingerprints[0]!.checkHost(LB_HOST), LB_HOST);
  });

  test('kill -9 of one instance under load: every acknowledged change is in effect on the survivor, clients recover once HAProxy marks it down, and the restarted instance honours every change', async (t) => {
    // Each request's start and end: one started after HAProxy marked the instance down cannot be sent to it.
    const results: { start: number; at: number; ok: boolean }[] = [];
    let loading = true;
    const loader = async (): Promise<void> => {
      while (loading) {
        const start = Date.now();
        const res = await send(lb('/token'), { ca: d.ca, identity: changes.steady, form: { grant_type: 'client_credentials', client_id: 'acme-a' } }).catch(() => null);
        results.push({ start, at: Date.now(), ok: res?.status === 200 });
      }
    };
    const load = Promise.all([loader(), loader(), loader(), loader()]);

    const acknowledged: ((i: Instance) => Promise<boolean>)[] = [];
    const attempts = { failed: 0 };
    // A client retries what was not acknowledged (a reset connection, a 5xx); only what was acknowledged counts.
    const retrying = async (what: () => Promise<Response | null>): Promise<void> => {
      for (let n = 0; n < 20; n++) {
        const res = await what().catch(() => null);
        if (res?.status === 200) return;
        attempts.failed++;
      }
      assert.fail('a change was never acknowledged');
    };
    const round = async (k: number, admin: Instance): Promise<void> => {
      const cert = changes.revokedCerts[k]!;
      await retrying(() => adminRequest(admin, 'POST', '/v1/certificates/revoke', { thumbprint: cert.thumbprint }));
      acknowledged.push(async (i) => refused(await send(direct(i, '/token'), { ca: d.ca, identity: cert, form: { grant_type: 'client_credentials', client_id: 'acme-a' } })));
      const client = changes.disabledClients[k]!;
      await retrying(() => adminRequest(admin, 'POST', `/v1/clients/${client.id}/disable`));
      acknowledged.push(async (i) => refused(await send(direct(i, '/token'), { ca: d.ca, identity: client.cert, form: { grant_type: 'client_credentials', client_id: client.id } })));
      const token = changes.tokens[k]!;
      await retrying(() => send(lb('/revoke'), { ca: d.ca, identity: changes.steady, form: { client_id: 'acme-a', token } }));
      acknowledged.push(async (i) => (await send(direct(i, '/introspect'), { ca: d.ca, identity: changes.steady, form: { client_id: 'acme-a', token } })).text === '{"active":false}');
    };
    const inEffect = async (i: Instance): Promise<number> => (await Promise.all(acknowledged.map((c) => c(i)))).filter(Boolean).length;

    const half = changes.tokens.length / 2;
    for (let k = 0; k < half; k++) await round(k, k % 2 === 0 ? one : two);
    const killedAt = Date.now();
    one.process.child.kill('SIGKILL');
    for (let k = half; k < 2 * half; k++) await round(k, two);
    await backendUp(['certbound-1'], 'DOWN');
    const markedDownAt = Date.now();
    const afterDown = () => results.filter((r) => r.start > markedDownAt).length;
    await eventually('200 requests through HAProxy after certbound-1 was marked down', async () => afterDown() >= 200, 30_000);
    loading = false;
    await load;

    const failedBefore = results.filter((r) => r.at < killedAt && !r.ok).length;
    const sentAfterDown = results.filter((r) => r.start > markedDownAt);
    const failures = results.filter((r) => r.at >= killedAt && !r.ok);
    const windowMs = failures.length === 0 ? 0 : failures.at(-1)!.at - killedAt;
    const startedAfterKill = failures.filter((r) => r.start > killedAt).length;
    t.diagnostic(`load: ${results.length} token requests through HAProxy; ${failures.length} failed after the kill (${startedAfterKill} of them sent after it), the last ${windowMs} ms after it; HAProxy marked the instance down after ${markedDownAt - killedAt} ms`);
    t.diagnostic(`changes: ${acknowledged.length} acknowledged (${attempts.failed} attempts not acknowledged, retried)`);
    assert.equal(failedBefore, 0, 'no failure before the kill');
    assert.deepEqual(sentAfterDown.filter((r) => !r.ok), [], 'every request sent after the instance was marked down succeeds');

    let onSurvivor = 0;
    await eventually('every acknowledged change in effect on the survivor', async () => (onSurvivor = await inEffect(two)) === acknowledged.length);
    const restartedAt = Date.now();
    one = await start(1);
    const onRestarted = await inEffect(one);
    t.diagnostic(`found: ${onSurvivor}/${acknowledged.length} on the survivor, ${onRestarted}/${acknowledged.length} on the restarted instance at its first request`);
    assert.equal(onRestarted, acknowledged.length, 'the restarted instance honours every change, including those made while it was down');
    await backendUp(['certbound-1'], 'UP');
    t.diagnostic(`restart: HAProxy marked it up ${Date.now() - restartedAt} ms after it was started`);
    const res = await send(lb('/token'), { ca: d.ca, identity: changes.steady, form: { grant_type: 'client_credentials', client_id: 'acme-a' } });
    assert.equal(res.status, 200, res.text);
  });

  test('backups: pg_dump with the guide\'s URL writes a dump that the guide\'s pg_restore restores into an empty database, every client included', async () => {
    const line = substitute((await guideBlock('sh', 'pg_dump')).trim(), [d.replace.etc, d.replace.database]);
    const file = join(d.root, 'backup');
    await mkdir(file, { mode: 0o700 });
    const out = await execFileAsync('sh', ['-c', line], { cwd: file, env: { ...process.env, PATH: d.path, PGPASSWORD: d.password } });
    assert.equal(out.stderr, '');
    const dump = join(file, `certbound-${new Date().toISOString().slice(0, 10)}.dump`);
    assert.ok((await stat(dump)).size > 0);
    await d.superuserQuery('CREATE DATABASE certbound_restored OWNER certbound');
    const restore = substitute((await guideBlock('sh', 'pg_restore')).trim(), [
      d.replace.etc, ['db.internal:5432/certbound?', `${d.replace.database[1]}/certbound_restored?`], ['certbound-YYYY-MM-DD.dump', dump],
    ]);
    const restored = await execFileAsync('sh', ['-c', restore], { cwd: file, env: { ...process.env, PATH: d.path, PGPASSWORD: d.password } });
    assert.equal(restored.stderr, '');
    const clients = await d.superuserQuery('SELECT count(*)::int AS n FROM clients', 'certbound');
    assert.ok(clients > CLIENTS_AT_LEAST, `clients: ${clients}`);
    assert.equal(await d.superuserQuery('SELECT count(*)::int AS n FROM clients', 'certbound_restored'), clients);
  });
});

/** The certificate an instance presents to a client that asks for auth.example.com (verified against the platform CA by the caller's checks). */
function peerCertificate(port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: LB_HOST, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.destroy();
      if (cert) resolve(cert);
      else reject(new Error('no certificate'));
    });
    socket.once('error', reject);
  });
}

function refused(res: Response): boolean {
  return res.status === 401 && res.json?.['error'] === 'invalid_client';
}
