// `certbound demo` as a user runs it: a child process that sets everything up in a temporary
// directory, narrates six RFC 8705 steps, and leaves nothing behind. Two demo runs in all
// (each creates an embedded database, which costs seconds), side by side.
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { certbound, hasStackTrace, shell, startCertbound } from './run.ts';

const home = await mkdtemp(join(tmpdir(), 'certbound-cli-demo-'));
after(() => rm(home, { recursive: true, force: true }));

const THUMBPRINT = '([A-Za-z0-9_-]{43})';
const STEP_TITLES = [
  /^1\. Server A \(acme-orders\) authenticates with its certificate/m,
  /^2\. Server A calls the orders API with the token/m,
  /^3\. The token is stolen: globex's server \(globex-billing\) presents it with its own certificate/m,
  /^4\. The thief presents the token without any certificate/m,
  /^5\. A plain bearer token, of secret client acme-legacy \(registered with --no-bound-tokens\)/m,
  /^6\. Server A asks for a token for an API it was not granted/m,
];

/** The temporary data directory the demo announces. */
function dataDirOf(out: string): string {
  const match = /^Setting up in a temporary data directory: (.+)$/m.exec(out);
  assert.ok(match, `the data directory in:\n${out}`);
  return match[1]!;
}

/** The narration of step `n`: from its title to the next blank line. */
function stepText(out: string, n: number): string {
  const match = new RegExp(`^${n}\\. [^\\n]*\\n(?:   [^\\n]*\\n?)+`, 'm').exec(out);
  assert.ok(match, `step ${n} in:\n${out}`);
  return match[0];
}

/** The thumbprints step 1 prints: the certificate's and the token's cnf. */
function stepOneThumbprints(out: string): { certificate: string; cnf: string } {
  const certificate = new RegExp(`^   certificate of acme-orders +x5t#S256 = ${THUMBPRINT}$`, 'm').exec(out)?.[1];
  const cnf = new RegExp(`^   cnf in the token +x5t#S256 = ${THUMBPRINT}$`, 'm').exec(out)?.[1];
  assert.ok(certificate && cnf, `both thumbprints in step 1:\n${out}`);
  return { certificate, cnf };
}

/** Whether something still listens on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The ports of the token service and the orders API the demo announces. */
function portsOf(out: string): number[] {
  const service = /^  token service +https:\/\/localhost:(\d+)/m.exec(out)?.[1];
  const api = /^  orders API +https:\/\/localhost:(\d+)\/orders/m.exec(out)?.[1];
  assert.ok(service && api, out);
  return [Number(service), Number(api)];
}

describe('certbound demo', { concurrency: true }, () => {
  test('--help exits 0 and names --keep; a stray argument or --dir exits 2 with the usage', async () => {
    const help = await certbound(['demo', '--help'], { cwd: home });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: certbound demo\b/);
    assert.ok(help.stdout.includes('--keep'));
    assert.equal(help.stderr, '');
    for (const args of [['demo', 'extra'], ['demo', '--dir', 'x'], ['demo', '--bogus']]) {
      const r = await certbound(args, { cwd: home });
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /^certbound demo: .+\nRun 'certbound demo --help' for its usage\./, args.join(' '));
      assert.ok(!hasStackTrace(r.stderr), r.stderr);
    }
    assert.equal(existsSync(join(home, 'x')), false);
  });

  test('RFC 8705: all six steps behave as stated, with the thumbprints shown; exit 0, nothing left behind', async () => {
    const r = await certbound(['demo'], { cwd: home });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(r.stderr, '');
    const out = r.stdout;

    for (const [i, title] of STEP_TITLES.entries()) {
      assert.match(out, title);
      assert.match(stepText(out, i + 1), /\n   ✔ [^\n]+\n?$/, `step ${i + 1} ends with ✔`);
    }
    assert.equal(out.includes('✘'), false);

    // §3.1: the token's cnf is the thumbprint of the certificate Server A authenticated with.
    const { certificate, cnf } = stepOneThumbprints(out);
    assert.equal(cnf, certificate);
    assert.match(stepText(out, 2), /→ 200: 2 orders for acme-orders/);
    const thief = new RegExp(`^   certificate of globex-billing +x5t#S256 = ${THUMBPRINT}`, 'm').exec(stepText(out, 3))?.[1];
    assert.ok(thief, 'the thief\'s thumbprint in step 3');
    assert.notEqual(thief, cnf);
    assert.match(stepText(out, 3), /→ 401 invalid_token: the access token is bound to another certificate/);
    assert.match(stepText(out, 4), /→ 401 invalid_token: .*no client certificate/);
    assert.match(stepText(out, 5), /cnf \(none\)/);
    assert.match(stepText(out, 5), /→ 401 invalid_token: the access token is not certificate-bound/);
    assert.match(stepText(out, 6), /→ 400 invalid_target/);
    assert.match(out, /^6\/6 steps behaved as RFC 8705 says$/m);

    const dir = dataDirOf(out);
    assert.match(out, new RegExp(`^Stopped the services and removed ${dir.replaceAll('.', '\\.')}\\.$`, 'm'));
    assert.equal(existsSync(dir), false, `${dir} was removed`);
    for (const port of portsOf(out)) assert.equal(await listening(port), false, `nothing listens on ${port} any more`);
  });

  test('--keep: the printed curl commands work against the services left running; SIGINT stops them and removes the directory', async () => {
    const demo = startCertbound(['demo', '--keep'], { cwd: home });
    let dir = '';
    try {
      await demo.waitFor(/Stop with Ctrl-C[^\n]*\n/);
      const out = demo.stdout();
      assert.match(out, /^6\/6 steps behaved as RFC 8705 says$/m);
      dir = dataDirOf(out);
      assert.match(out, new RegExp(`^  data directory +${dir.replaceAll('.', '\\.')}$`, 'm'));

      // The thumbprint step 1 printed is the certificate file's, computed here independently.
      const der = new X509Certificate(await readFile(join(dir, 'acme-orders', 'cert.pem'))).raw;
      const own = createHash('sha256').update(der).digest('base64url');
      assert.deepEqual(stepOneThumbprints(out), { certificate: own, cnf: own });

      // The three commands, each as printed (continuation lines included).
      const block = out.slice(out.indexOf('Try it by hand'), out.indexOf('Stop with Ctrl-C'));
      const commands = block.split(/^ {2}# \d\. [^\n]*\n/m).slice(1).map((c) => c.replace(/^ {2}/gm, '').trim());
      assert.equal(commands.length, 3, block);
      const script = [commands[0], 'echo "token: $TOKEN"', 'echo "-- 2"', commands[1], 'echo "-- 3"', commands[2]].join('\n');
      const r = await shell(script, home);
      assert.equal(r.code, 0, r.stderr);
      const [first, second, third] = r.stdout.split(/^-- [23]\n/m);
      const token = /^token: (\S+)$/m.exec(first ?? '')?.[1];
      assert.ok(token, r.stdout);
      const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
      assert.deepEqual(payload['cnf'], { 'x5t#S256': own });
      assert.equal((JSON.parse(second!) as Record<string, unknown>)['client_id'], 'acme-orders');
      assert.match(third!, /^HTTP\/1\.1 401 /);
      assert.match(third!, /^www-authenticate: Bearer .*error="invalid_token"/im);

      const ports = portsOf(out);
      assert.equal(await demo.stop('SIGINT'), 0);
      assert.equal(existsSync(dir), false, `${dir} was removed`);
      for (const port of ports) assert.equal(await listening(port), false, `nothing listens on ${port} any more`);
      assert.ok(!hasStackTrace(demo.stderr()), demo.stderr());
    } finally {
      await demo.stop('SIGKILL');
      if (dir !== '') await rm(dir, { recursive: true, force: true });
    }
  });
});
