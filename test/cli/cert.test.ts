// `certbound cert expiring` and `certbound cert server --renew` as operators run them: on the
// data directory, and through the admin API of a running serve (renewal live without a restart).
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, describe, test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { freePort, startCertbound } from './run.ts';

const root = await mkdtemp(join(tmpdir(), 'certbound-cli-cert-'));
after(() => rm(root, { recursive: true, force: true }));

/** Runs the CLI in this process, capturing what it prints. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) });
  return { code, out, err };
}

type Expiring = { kind: string; name: string; serial: string | null; not_after: string; expires_in_seconds: number }[];

describe('certbound cert expiring', () => {
  test('--within 30d lists nothing on a fresh directory; --within 3650d lists the TLS certificate and the platform CA, soonest first, as JSON', async () => {
    const data = join(root, 'expiring');
    assert.equal((await cli(['init', '--dir', data])).code, 0);
    const none = await cli(['cert', 'expiring', '--within', '30d', '--dir', data]);
    assert.equal(none.code, 0, none.err);
    assert.match(none.out, /No certificate expires within 30d\./);
    const all = await cli(['cert', 'expiring', '--within', '3650d', '--dir', data, '--json']);
    assert.equal(all.code, 0, all.err);
    const list = JSON.parse(all.out) as Expiring;
    assert.deepEqual(list.map((c) => c.kind).sort(), ['platform_ca', 'tls']);
    assert.ok(list[0]!.expires_in_seconds <= list[1]!.expires_in_seconds);
  });

  test('a malformed --within is a usage error (exit 2); --within with another subcommand too', async () => {
    const data = join(root, 'expiring');
    const bad = await cli(['cert', 'expiring', '--within', 'soon', '--dir', data]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--within takes a duration/);
    const misplaced = await cli(['cert', 'list', '--within', '30d', '--dir', data]);
    assert.equal(misplaced.code, 2);
    assert.match(misplaced.err, /--within goes with cert expiring/);
  });
});

describe('certbound cert server --renew', () => {
  test('while serve runs: the token listener and the admin API present the new certificate at once, and the data directory files follow', async () => {
    const data = join(root, 'renew');
    const port = await freePort();
    const serve = startCertbound(['serve', '--dir', data, '--port', String(port), '--admin-port', '0'], { cwd: root });
    try {
      await serve.waitFor(/Stop with Ctrl-C/);
      const ca = await readFile(join(data, 'ca.pem'), 'utf8');
      const adminPort = Number(/admin API +https:\/\/127\.0\.0\.1:(\d+)/.exec(serve.stdout())?.[1]);
      const presented = async (at = port): Promise<X509Certificate> => {
        const socket = connect({ host: '127.0.0.1', port: at, servername: 'localhost', ca });
        await once(socket, 'secureConnect');
        const cert = socket.getPeerX509Certificate()!;
        socket.destroy();
        return cert;
      };
      const old = await presented();
      const r = await cli(['cert', 'server', '--renew', '--dir', data, '--json']);
      assert.equal(r.code, 0, r.err);
      const renewed = JSON.parse(r.out) as { serial: string; not_after: string };
      const now = await presented();
      assert.notEqual(now.fingerprint256, old.fingerprint256);
      assert.equal(now.serialNumber.toLowerCase(), renewed.serial.toLowerCase());
      assert.equal(new X509Certificate(await readFile(join(data, 'tls-cert.pem'), 'utf8')).fingerprint256, now.fingerprint256, 'tls-cert.pem rewritten');
      assert.equal((await presented(adminPort)).fingerprint256, now.fingerprint256, 'the admin API serves it too');
      const listed = await cli(['cert', 'expiring', '--within', '3650d', '--dir', data, '--json']);
      assert.equal(listed.code, 0, listed.err);
      const list = JSON.parse(listed.out) as Expiring;
      assert.equal(list.find((c) => c.kind === 'tls')?.serial, now.serialNumber.toLowerCase(), 'through the admin API too');
      // cert server <name> is the one cert command not routed through the admin API: its refusal gives the order of steps.
      const api = await cli(['cert', 'server', 'orders-api', '--san', 'dns:localhost', '--out', join(root, 'orders-api'), '--dir', data]);
      assert.equal(api.code, 1);
      assert.match(api.err, /certbound serve \(pid \d+, .*\) is running on .*cert server signs with the platform CA's key in the data directory and does not go through the admin API: stop serve, run it, start serve again — or make API certificates after certbound init, before the first serve\./);
      const misused = await cli(['cert', 'server', 'x', '--renew', '--dir', data]);
      assert.equal(misused.code, 2);
    } finally {
      assert.equal(await serve.stop('SIGTERM'), 0);
    }
  });
});
