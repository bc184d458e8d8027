// `certbound serve`'s operational side (issue 12) with a real serve child: graceful shutdown on
// SIGTERM with requests in flight, and the key rotation and drain options.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { collect, jwtPayload, type Response } from '../helpers/https.ts';
import { certbound, freePort, hasStackTrace, startCertbound, type CliProcess } from './run.ts';

const BANNER_END = /Stop with Ctrl-C\.\n/;
const root = await mkdtemp(join(tmpdir(), 'certbound-cli-serve-ops-'));
after(() => rm(root, { recursive: true, force: true }));

describe('certbound serve: graceful shutdown on SIGTERM', () => {
  /** A POST /token whose headers the service has read (100 Continue) and whose body is held back. */
  async function heldTokenRequest(at: number, dir: string): Promise<{ finish(): Promise<Response>; failed: Promise<Error> }> {
    const body = 'grant_type=client_credentials&client_id=demo-client';
    const req = httpsRequest({
      host: '127.0.0.1',
      servername: 'localhost',
      port: at,
      path: '/token',
      method: 'POST',
      headers: { host: `localhost:${at}`, 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length), expect: '100-continue' },
      ca: await readFile(join(dir, 'ca.pem'), 'utf8'),
      cert: await readFile(join(dir, 'demo-client', 'cert.pem'), 'utf8'),
      key: await readFile(join(dir, 'demo-client', 'key.pem'), 'utf8'),
      agent: false,
    });
    const answered = new Promise<Response>((resolve, reject) => {
      req.on('response', (res) => collect(res).then(resolve, reject));
    });
    const failed = new Promise<Error>((resolve) => req.on('error', resolve));
    const continued = once(req, 'continue');
    req.flushHeaders();
    await continued;
    return {
      finish: () => {
        req.end(body);
        return answered;
      },
      failed,
    };
  }

  /** Whether a new TCP connection to the port is refused. */
  const refused = (at: number) =>
    new Promise<boolean>((resolve) => {
      const socket = netConnect(at, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
    });

  test('SIGTERM with a request in flight: no new connections, the request completes with its token, the audit row is written, exit 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'certbound-drain-'));
    let child: CliProcess | undefined;
    try {
      const at = await freePort();
      child = startCertbound(['serve', '--dir', dir, '--seed-demo', '--port', String(at), '--admin-port', '0'], { cwd: dir });
      await child.waitFor(BANNER_END);
      const held = await heldTokenRequest(at, dir);
      const exited = once(child.child, 'exit');
      child.child.kill('SIGTERM');
      await child.waitFor(/Shutting down: no new connections/);
      assert.equal(await refused(at), true, 'the listener accepts no new connection while draining');
      const res = await held.finish();
      assert.equal(res.status, 200, res.text);
      const jti = String(jwtPayload(String(res.json?.['access_token']))['jti']);
      assert.deepEqual(await exited, [0, null], child.stderr());
      assert.match(child.stdout(), /Stopped: the audit log is written and the database closed\./);
      const audit = await certbound(['audit', '--dir', dir, '--json'], { cwd: dir });
      assert.equal(audit.code, 0, audit.stderr);
      const issued = (JSON.parse(audit.stdout) as { event: string; detail?: { jti?: string } | null }[]).filter((e) => e.event === 'token.issued');
      assert.ok(issued.some((e) => JSON.stringify(e).includes(jti)), 'the drained request was recorded before exit');
    } finally {
      await child?.stop('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the drain is bounded: a request that never completes is cut at --drain-timeout and serve still exits 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'certbound-drain-'));
    let child: CliProcess | undefined;
    try {
      const at = await freePort();
      child = startCertbound(['serve', '--dir', dir, '--seed-demo', '--port', String(at), '--admin-port', '0', '--drain-timeout', '1s'], { cwd: dir });
      await child.waitFor(BANNER_END);
      const held = await heldTokenRequest(at, dir);
      const exited = once(child.child, 'exit');
      child.child.kill('SIGTERM');
      assert.deepEqual(await exited, [0, null], child.stderr());
      assert.match((await held.failed).message, /socket hang up|ECONNRESET/);
      assert.match(child.stderr(), /requests still in flight at the drain deadline were cut/);
    } finally {
      await child?.stop('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('certbound serve: key rotation and drain options', () => {
  test('--key-lead-time without --key-rotation, a period not longer than the lead time, and a drain over 5 minutes are usage errors (exit 2)', async () => {
    for (const [args, message] of [
      [['--key-lead-time', '2h'], /--key-lead-time goes with --key-rotation/],
      [['--key-rotation', '2h', '--key-lead-time', '2h'], /--key-rotation must be longer than --key-lead-time/],
      [['--key-rotation', '30m'], /--key-rotation takes a duration from 1h to 3650d/],
      [['--drain-timeout', '10m'], /--drain-timeout takes a duration from 0 to 5m/],
    ] as const) {
      const r = await certbound(['serve', '--dir', join(root, 'never'), ...args], { cwd: root });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.ok(!hasStackTrace(r.stderr), r.stderr);
    }
  });
});
