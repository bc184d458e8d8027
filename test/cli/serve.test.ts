// `certbound serve` as a user runs it: a child process on a data directory in its working
// directory, the banner it prints, the curl command in it, the lock it holds while it runs.
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { jwtPayload, send } from '../helpers/https.ts';
import { certbound, freePort, hasStackTrace, shell, startCertbound, type CliProcess } from './run.ts';

const BANNER_END = /Stop with Ctrl-C\.\n/;

let home: string;
let data: string;
let ca: string;
let port: number;
let serve: CliProcess;
let banner: string;

// One data directory for the file: the first serve creates it (and the demo), the others reuse it.
before(async () => {
  home = await mkdtemp(join(tmpdir(), 'certbound-cli-serve-'));
  data = join(home, '.certbound');
  port = await freePort();
  serve = startCertbound(['serve', '--seed-demo', '--port', String(port)], { cwd: home });
  await serve.waitFor(BANNER_END);
  banner = serve.stdout();
  ca = await readFile(join(data, 'ca.pem'), 'utf8');
});
after(async () => {
  await serve.stop('SIGKILL');
  await rm(home, { recursive: true, force: true });
});

/** The curl command of a banner, as printed (a continued line included). */
function curlCommand(text: string): string {
  const match = /^ *(curl [^\n]*\\\n[^\n]*\/token)$/m.exec(text);
  assert.ok(match, `a curl command in:\n${text}`);
  return match[1]!;
}

describe('certbound serve --seed-demo', () => {
  test('initialises the empty directory and prints the issuer, the listening address and the platform CA', () => {
    assert.match(banner, new RegExp(`^  issuer +https://localhost:${port}$`, 'm'));
    assert.match(banner, new RegExp(`^  listening +https://127\\.0\\.0\\.1:${port}$`, 'm'));
    assert.ok(banner.includes(join(data, 'ca.pem')));
    for (const file of ['ca.pem', 'tls-cert.pem', 'tls-key.pem', 'demo-client/cert.pem', 'demo-client/key.pem', 'demo-client/ca.pem']) {
      assert.ok(existsSync(join(data, file)), file);
    }
  });

  test('RFC 8705 §3.1: the printed curl command, run as is, gets a token bound to the demo client certificate', async () => {
    const r = await shell(curlCommand(banner), home);
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(body['token_type'], 'Bearer');
    assert.equal(body['scope'], 'orders:read orders:write');
    const token = String(body['access_token']);
    const der = new X509Certificate(await readFile(join(data, 'demo-client', 'cert.pem'))).raw;
    assert.deepEqual(jwtPayload(token)['cnf'], { 'x5t#S256': createHash('sha256').update(der).digest('base64url') });
    const jwks = (await send(`https://localhost:${port}/jwks`, { ca })).json as unknown as JSONWebKeySet;
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: `https://localhost:${port}`, typ: 'at+jwt' });
    assert.equal(payload['client_id'], 'demo-client');
  });

  test('RFC 7638: every key in the served JWKS has its JWK thumbprint as kid', async () => {
    const res = await send(`https://localhost:${port}/jwks`, { ca });
    assert.equal(res.status, 200);
    const { keys } = res.json as unknown as JSONWebKeySet;
    assert.ok(keys.length >= 1);
    for (const key of keys) {
      assert.equal(key.kty, 'EC');
      assert.equal(key.crv, 'P-256');
      assert.equal(key.kid, await calculateJwkThumbprint(key, 'sha256'));
      assert.equal('d' in key, false, 'no private member');
    }
  });

  test('while it runs, partner and client commands go through its admin API instead of refusing', async () => {
    const lock = JSON.parse(await readFile(join(data, 'serve.lock'), 'utf8')) as Record<string, unknown>;
    assert.match(banner, new RegExp(`^  admin API +${String(lock['adminUrl']).replaceAll('.', '\\.')}( \\(8444 was in use\\))?$`, 'm'));
    for (const args of [['partner', 'add', 'x'], ['client', 'add', 'c', '--partner', 'demo', '--san-dns', 'c.example']]) {
      const r = await certbound(args, { cwd: home });
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    const again = await certbound(['partner', 'add', 'x'], { cwd: home });
    assert.equal(again.code, 1);
    assert.equal(again.stderr, "certbound partner: partner 'x' already exists\n");
  });

  test('while it runs, init refuses and says serve is running', async () => {
    const r = await certbound(['init'], { cwd: home });
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`certbound serve \\(pid ${serve.child.pid}, https://localhost:${port}\\) is running on ${data.replaceAll('.', '\\.')}`));
    assert.match(r.stderr, /Stop it first/);
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
  });

  test('a second serve on the same directory refuses', async () => {
    const r = await certbound(['serve', '--port', String(await freePort())], { cwd: home });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is running on/);
  });

  test('SIGTERM stops it with exit status 0 and releases the directory', async () => {
    assert.equal(await serve.stop('SIGTERM'), 0);
    assert.equal(existsSync(join(data, 'serve.lock')), false);
    const r = await certbound(['partner', 'add', 'y'], { cwd: home });
    assert.equal(r.code, 0, r.stderr);
  });

  test('on a directory that already has partners --seed-demo adds nothing and the demo keeps working', async () => {
    const cert = await readFile(join(data, 'demo-client', 'cert.pem'));
    const again = startCertbound(['serve', '--seed-demo', '--port', String(await freePort())], { cwd: home });
    try {
      await again.waitFor(BANNER_END);
      assert.deepEqual(await readFile(join(data, 'demo-client', 'cert.pem')), cert);
      const r = await shell(curlCommand(again.stdout()), home);
      assert.ok(JSON.parse(r.stdout).access_token, r.stdout);
    } finally {
      assert.equal(await again.stop('SIGINT'), 0);
    }
  });
});

describe('certbound serve at a terminal', () => {
  test('the first serve says it is initialising, prints the banner in one piece, and Ctrl-C (SIGINT) prints one line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'certbound-cli-first-'));
    try {
      const s = startCertbound(['serve', '--port', '0', '--admin-port', '0'], { cwd: dir });
      await s.waitFor(BANNER_END);
      assert.match(s.stdout(), /^Initialising .*\.certbound: a platform CA, the token service's TLS certificate, a signing key…\ncertbound token service is running\./);
      const before = s.stdout();
      assert.equal(await s.stop('SIGINT'), 0, s.stderr());
      assert.equal(s.stdout().slice(before.length), 'Stopped: the audit log is written and the database closed.\n');
      assert.doesNotMatch(s.stderr(), /shutting down/, 'no log line either');
      // A later start has nothing to initialise, and without --seed-demo no demo curl.
      const again = startCertbound(['serve', '--port', '0', '--admin-port', '0'], { cwd: dir });
      await again.waitFor(BANNER_END);
      assert.match(again.stdout(), /^certbound token service is running\./);
      assert.equal(await again.stop('SIGINT'), 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a serve without --seed-demo on a directory holding the demo client does not print its curl', async () => {
    const s = startCertbound(['serve', '--port', String(await freePort()), '--admin-port', '0'], { cwd: home });
    try {
      await s.waitFor(BANNER_END);
      assert.doesNotMatch(s.stdout(), /demo-client/);
      assert.match(s.stdout(), /Register a partner and a client/);
    } finally {
      assert.equal(await s.stop('SIGINT'), 0);
    }
  });
});

describe('certbound serve options', () => {
  test('RFC 8414 §2: --issuer https://127.0.0.1:PORT is exactly the issuer of the metadata and the tokens', async () => {
    const p = await freePort();
    const issuer = `https://127.0.0.1:${p}`;
    const s = startCertbound(['serve', '--seed-demo', '--port', String(p), '--issuer', issuer], { cwd: home });
    try {
      await s.waitFor(BANNER_END);
      assert.match(s.stdout(), new RegExp(`^  issuer +${issuer.replaceAll('.', '\\.')}$`, 'm'));
      const res = await send(`https://localhost:${p}/.well-known/oauth-authorization-server`, { ca });
      assert.equal(res.status, 200);
      assert.equal(res.json?.['issuer'], issuer);
      assert.equal(res.json?.['token_endpoint'], `${issuer}/token`);
      assert.equal(res.json?.['jwks_uri'], `${issuer}/jwks`);
      const curl = curlCommand(s.stdout());
      assert.ok(curl.endsWith(`${issuer}/token`), curl);
      const r = await shell(curl, home);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(jwtPayload(String(JSON.parse(r.stdout).access_token))['iss'], issuer);
    } finally {
      assert.equal(await s.stop(), 0);
    }
  });

  test('--tls-cert/--tls-key serve a certificate made by certbound cert server', async () => {
    const made = await certbound(['cert', 'server', 'auth', '--san', 'dns:auth.example', '--san', 'ip:127.0.0.1', '--out', 'auth-tls'], { cwd: home });
    assert.equal(made.code, 0, made.stderr);
    const certPem = await readFile(join(home, 'auth-tls', 'cert.pem'), 'utf8');
    const p = await freePort();
    const s = startCertbound(['serve', '--port', String(p), '--tls-cert', 'auth-tls/cert.pem', '--tls-key', 'auth-tls/key.pem'], { cwd: home });
    try {
      await s.waitFor(BANNER_END);
      const presented = await new Promise<Buffer>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: p, servername: 'auth.example', ca }, () => {
          const peer = socket.getPeerX509Certificate();
          socket.end();
          if (!peer) reject(new Error('no certificate presented'));
          else resolve(peer.raw);
        });
        socket.once('error', reject);
      });
      assert.deepEqual(presented, new X509Certificate(certPem).raw);
    } finally {
      assert.equal(await s.stop(), 0);
    }
  });

  test('--admin-host 0.0.0.0 shows the real bound address and a warning; --metrics-port serves /metrics on loopback, not the token port', async () => {
    const p = await freePort();
    const m = await freePort();
    const s = startCertbound(['serve', '--port', String(p), '--admin-host', '0.0.0.0', '--admin-port', '0', '--metrics-port', String(m)], { cwd: home });
    try {
      await s.waitFor(BANNER_END);
      const out = s.stdout();
      assert.match(out, /^  admin API +https:\/\/127\.0\.0\.1:\d+ \(bound to 0\.0\.0\.0\)$/m);
      assert.match(out, /^WARNING: the admin API listens on 0\.0\.0\.0, beyond this host/m);
      assert.match(out, new RegExp(`^  metrics +http://127\\.0\\.0\\.1:${m}/metrics$`, 'm'));
      const scraped = await fetch(`http://127.0.0.1:${m}/metrics`);
      assert.equal(scraped.status, 200);
      assert.match(await scraped.text(), /^# TYPE certbound_tokens_issued_total counter$/m);
      const onTokenPort = await send(`https://localhost:${p}/metrics`, { ca });
      assert.equal(onTokenPort.status, 404);
      assert.equal(onTokenPort.json?.['error'], 'not_found');
    } finally {
      assert.equal(await s.stop(), 0);
    }
  });

  test('a missing --tls-cert file exits 1 without a stack trace and leaves no lock behind', async () => {
    const r = await certbound(['serve', '--port', String(await freePort()), '--tls-cert', 'nope.pem', '--tls-key', 'nope.pem'], { cwd: home });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /nope\.pem/);
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
    assert.equal(existsSync(join(data, 'serve.lock')), false);
  });
});
