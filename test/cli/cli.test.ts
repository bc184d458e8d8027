import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openStore } from '../../src/storage/open.ts';
import { certbound, certboundProcess, hasStackTrace, openssl } from './run.ts';

const root = await mkdtemp(join(tmpdir(), 'certbound-cli-'));
after(() => rm(root, { recursive: true, force: true }));

/** A fresh, empty working directory. */
async function cwd(name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

const COMMANDS: Record<string, readonly string[]> = {
  init: ['--dir', '--san', '--json'],
  serve: ['--host', '--port', '--issuer', '--tls-cert', '--tls-key', '--seed-demo', '--audit-retention', '--dir'],
  partner: ['add', '<partner-id>', '--dir', '--json'],
  client: [
    'add', '<client-id>', '--partner', '--auth', 'tls_client_auth', 'self_signed_tls_client_auth', 'client_secret_basic',
    'client_secret_post', '--scope', '--resource', '--subject-dn', '--san-dns', '--san-uri', '--san-ip', '--san-email',
    '--cert', '--issue-cert', '--token-ttl', '--no-bound-tokens', '--introspects', '--dir', '--json',
  ],
  cert: ['server', '<name>', '--san', '--out', '--dir', '--json'],
};

// Nothing here opens a database, so the cases run side by side. Most run in this process through
// main(); the first two are smoke tests of a real process: its exit status, stdout and stderr.
describe('certbound usage', { concurrency: true }, () => {
  let dir: string;
  before(async () => {
    dir = await cwd('usage');
  });

  test('without arguments it prints the usage and exits 2 (a real process)', async () => {
    const r = await certboundProcess([], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stdout, /^Usage: certbound <command>/);
    for (const name of Object.keys(COMMANDS)) assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'), name);
  });

  test('--help, -h and help print the usage and exit 0', async () => {
    const runs = await Promise.all(['--help', '-h', 'help'].map(async (arg) => [arg, await certbound([arg], { cwd: dir })] as const));
    for (const [arg, r] of runs) {
      assert.equal(r.code, 0, arg);
      assert.match(r.stdout, /^Usage: certbound <command>/, arg);
      assert.equal(r.stderr, '');
    }
  });

  for (const [name, options] of Object.entries(COMMANDS)) {
    test(`certbound ${name} --help exits 0 and names its options`, async () => {
      const flags = name === 'init' ? ['--help', '-h'] : ['--help'];
      const runs = await Promise.all(flags.map(async (flag) => [flag, await certbound([name, flag], { cwd: dir })] as const));
      for (const [flag, r] of runs) {
        assert.equal(r.code, 0);
        assert.match(r.stdout, new RegExp(`^Usage: certbound ${name}\\b`));
        for (const option of options) assert.ok(r.stdout.includes(option), `${name} ${flag} mentions ${option}`);
        assert.equal(r.stderr, '');
      }
    });
  }

  test('--help after other arguments still only prints help and touches no data directory', async () => {
    const r = await certbound(['partner', 'add', 'acme', '--help'], { cwd: dir });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: certbound partner/);
    assert.equal(existsSync(join(dir, '.certbound')), false);
  });

  test('an unknown command exits 2 naming it, pointing to --help, with no stack trace (a real process)', async () => {
    const r = await certboundProcess(['frobnicate', '--x'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command 'frobnicate'/);
    assert.match(r.stderr, /Run 'certbound --help' for the list of commands\./);
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
  });

  test('an unknown option exits 2 naming it, pointing to the command\'s --help, with no stack trace', async () => {
    const cases = [['init', '--bogus'], ['partner', 'add', 'x', '--frob'], ['client', 'add', 'c', '--partner', 'p', '--secret', 's'], ['serve', '--tls', 'x'], ['cert', 'server', 'n', '-z']];
    const runs = await Promise.all(cases.map(async (args) => [args, await certbound(args, { cwd: dir })] as const));
    for (const [args, r] of runs) {
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /unknown option '-{1,2}(bogus|frob|secret|tls|z)'/, args.join(' '));
      assert.match(r.stderr, new RegExp(`Run 'certbound ${args[0]} --help' for its usage\\.`));
      assert.ok(!hasStackTrace(r.stderr), r.stderr);
    }
  });

  test('a missing or extra argument exits 2 naming the mistake and the command\'s --help', async () => {
    const cases = [
      ['partner'],
      ['partner', 'add'],
      ['partner', 'remove', 'x'],
      ['partner', 'add', 'a', 'b'],
      ['client', 'add', 'c'],
      ['cert', 'server', 'n', '--out', 'o'],
      ['cert', 'server', 'n', '--san', 'dns:a.example'],
      ['cert', 'client', 'n', '--san', 'dns:a.example', '--out', 'o'],
      ['serve', '--port', '70000'],
      ['serve', '--tls-cert', 'c.pem'],
      ['serve', '--issuer', 'http://localhost:8443'],
      ['serve', '--issuer', 'not a url'],
      ['serve', '--audit-retention', '90 days'],
      ['serve', '--audit-retention', 'forever'],
      ['init', 'extra'],
      ['serve', 'extra'],
    ];
    const runs = await Promise.all(cases.map(async (args) => [args, await certbound(args, { cwd: dir })] as const));
    for (const [args, r] of runs) {
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^certbound ${args[0]}: .+\\nRun 'certbound ${args[0]} --help' for its usage\\.`), args.join(' '));
      assert.ok(!hasStackTrace(r.stderr), r.stderr);
    }
    assert.equal(existsSync(join(dir, '.certbound')), false, 'a refused command creates no data directory');
  });
});

describe('certbound init', () => {
  let home: string;
  let data: string;
  let first: Awaited<ReturnType<typeof certbound>>;
  before(async () => {
    home = await cwd('init');
    data = join(home, '.certbound');
    first = await certbound(['init', '--san', 'dns:foo.example'], { cwd: home });
  });

  test('creates ./.certbound by default with the database, ca.pem, tls-cert.pem and tls-key.pem (mode 0600)', async () => {
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Initialised .*\.certbound: created platform root CA, token service TLS certificate, ES256 signing key\./);
    for (const file of ['ca.pem', 'tls-cert.pem', 'tls-key.pem']) {
      assert.ok(first.stdout.includes(join(data, file)), `names ${file}`);
      assert.ok((await stat(join(data, file))).isFile(), file);
    }
    assert.equal((await stat(join(data, 'tls-key.pem'))).mode & 0o777, 0o600);
    assert.equal((await stat(data)).mode & 0o077, 0, 'the data directory, which holds every private key, is private');
    assert.match(await readFile(join(data, 'tls-key.pem'), 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
  });

  test('the platform root CA is a self-signed ECDSA P-256 CA that openssl verifies', async () => {
    const ca = new X509Certificate(await readFile(join(data, 'ca.pem')));
    assert.equal(ca.ca, true);
    assert.equal(ca.publicKey.asymmetricKeyType, 'ec');
    assert.equal(ca.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.ok(ca.checkIssued(ca));
    const r = await openssl(['verify', '-CAfile', 'ca.pem', 'ca.pem'], data);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ca\.pem: OK/);
  });

  test('tls-cert.pem is a server certificate from the platform CA that openssl verifies, matching tls-key.pem', async () => {
    const r = await openssl(['verify', '-purpose', 'sslserver', '-CAfile', 'ca.pem', 'tls-cert.pem'], data);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /tls-cert\.pem: OK/);
    const cert = new X509Certificate(await readFile(join(data, 'tls-cert.pem')));
    assert.ok(cert.checkPrivateKey(createPrivateKey(await readFile(join(data, 'tls-key.pem')))));
  });

  test('the TLS certificate names localhost, 127.0.0.1, ::1 and each --san', async () => {
    const cert = new X509Certificate(await readFile(join(data, 'tls-cert.pem')));
    assert.equal(cert.checkHost('localhost'), 'localhost');
    assert.equal(cert.checkHost('foo.example'), 'foo.example');
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkIP('::1'), '::1');
    assert.equal(cert.checkHost('bar.example'), undefined);
    const text = await openssl(['x509', '-in', 'tls-cert.pem', '-noout', '-ext', 'subjectAltName'], data);
    const sans = text.stdout.split('\n')[1]?.trim().split(/, /).sort();
    assert.deepEqual(sans, ['DNS:foo.example', 'DNS:localhost', 'IP Address:0:0:0:0:0:0:0:1', 'IP Address:127.0.0.1']);
  });

  test('RFC 7638: the signing key kid is the JWK thumbprint of its public key', async () => {
    const store = await openStore(data);
    try {
      const keys = await store.listSigningKeys();
      assert.equal(keys.length, 1);
      const key = keys[0]!;
      assert.equal(key.alg, 'ES256');
      const jwk = createPublicKey(createPrivateKey({ key: Buffer.from(key.keyPkcs8), format: 'der', type: 'pkcs8' })).export({ format: 'jwk' });
      assert.equal(jwk.crv, 'P-256');
      // RFC 7638 §3.2: the required members in lexicographic order, no whitespace, then SHA-256.
      const canonical = `{"crv":"${jwk.crv}","kty":"${jwk.kty}","x":"${jwk.x}","y":"${jwk.y}"}`;
      assert.equal(key.kid, createHash('sha256').update(canonical).digest('base64url'));
    } finally {
      await store.close();
    }
  });

  test('is idempotent: a second run, found through $CERTBOUND_DIR, reports it is already initialised and changes nothing', async () => {
    const before = { ca: await readFile(join(data, 'ca.pem')), tls: await readFile(join(data, 'tls-cert.pem')) };
    const r = await certbound(['init'], { cwd: await cwd('elsewhere'), env: { CERTBOUND_DIR: data } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /already initialised/);
    assert.ok(r.stdout.includes(data));
    assert.deepEqual(await readFile(join(data, 'ca.pem')), before.ca);
    assert.deepEqual(await readFile(join(data, 'tls-cert.pem')), before.tls);
    assert.equal((await stat(join(data, 'tls-key.pem'))).mode & 0o777, 0o600);
    assert.equal(existsSync(join(root, 'elsewhere', '.certbound')), false);
  });

  test('--json reports the directory, what was created (nothing, on a second run) and the files', async () => {
    const r = await certbound(['init', '--json', '--dir', data], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      dir: data,
      created: [],
      files: { caCert: join(data, 'ca.pem'), tlsCert: join(data, 'tls-cert.pem'), tlsKey: join(data, 'tls-key.pem') },
    });
  });

  test('a new --san re-issues only the TLS certificate, keeping the names it had; the CA is unchanged', async () => {
    const ca = await readFile(join(data, 'ca.pem'));
    const r = await certbound(['init', '--json', '--san', 'ip:10.1.2.3'], { cwd: home });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { created: string[] }).created, ['token service TLS certificate']);
    assert.deepEqual(await readFile(join(data, 'ca.pem')), ca);
    const cert = new X509Certificate(await readFile(join(data, 'tls-cert.pem')));
    assert.equal(cert.checkIP('10.1.2.3'), '10.1.2.3');
    assert.equal(cert.checkHost('foo.example'), 'foo.example');
    assert.equal(cert.checkHost('localhost'), 'localhost');
    assert.equal(cert.checkIP('::1'), '::1');
    assert.ok(cert.checkPrivateKey(createPrivateKey(await readFile(join(data, 'tls-key.pem')))));
    assert.equal((await openssl(['verify', '-CAfile', 'ca.pem', 'tls-cert.pem'], data)).code, 0);
  });

  test('an invalid --san exits 1 naming it, before creating anything', async () => {
    const dir = await cwd('bad-san');
    const sans = ['foo.example', 'dns:', 'dns:bad_name!', 'ip:300.1.1.1', 'uri:https://x.example'];
    const runs = await Promise.all(sans.map(async (san) => [san, await certbound(['init', '--san', san], { cwd: dir })] as const));
    for (const [san, r] of runs) {
      assert.equal(r.code, 1, san);
      assert.match(r.stderr, /invalid --san/, san);
      assert.ok(r.stderr.includes(san), san);
    }
    assert.equal(existsSync(join(dir, '.certbound')), false);
  });
});
