// `certbound gateway` and `certbound authz` as commands: complete --help, usage errors in
// process, and one real run of the gateway — a config file, a request through it, SIGHUP
// reloading its routes, SIGTERM stopping it.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AUTHZ_OPTIONS, authz } from '../../src/cli/authz.ts';
import { GATEWAY_OPTIONS, gateway } from '../../src/cli/gateway.ts';
import { main } from '../../src/cli/main.ts';
import { serverCredentials } from '../helpers/api.ts';
import { partnerCas, tokenFor } from '../helpers/gateway.ts';
import { send } from '../helpers/https.ts';
import { sendPlain } from '../helpers/http.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { API, authority, credentials, startWorld, type Credentials, type Harness } from '../helpers/world.ts';
import { freePort, startCertbound } from './run.ts';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

describe('certbound gateway / authz: usage', () => {
  test('--help names every option of each command', async () => {
    for (const [name, command, options] of [['gateway', gateway, GATEWAY_OPTIONS], ['authz', authz, AUTHZ_OPTIONS]] as const) {
      const r = await run([name, '--help']);
      assert.equal(r.code, 0);
      assert.equal(r.out.trim(), command.usage);
      for (const option of Object.keys(options)) assert.ok(command.usage.includes(`--${option}`), `${name} --help names --${option}`);
    }
    const top = await run(['--help']);
    assert.match(top.out, /^ {2}gateway /m);
    assert.match(top.out, /^ {2}authz /m);
  });

  test('a missing or contradictory option exits 2 with the usage, before listening', async () => {
    const cases: [string[], RegExp][] = [
      [['gateway', '--audience', 'x', '--upstream', 'http://127.0.0.1:1', '--tls-cert', 'a', '--tls-key', 'b'], /--tls-cert a: cannot be read|--issuer is required/],
      [['gateway', '--issuer', 'https://i', '--audience', 'x', '--upstream', 'http://127.0.0.1:1'], /--tls-cert and --tls-key are required/],
      [['gateway', '--issuer', 'https://i', '--audience', 'x', '--upstream', 'http://127.0.0.1:1', '--certificate-source', 'nginx'], /needs --trusted-proxy/],
      [['gateway', '--issuer', 'https://i', '--audience', 'x', '--upstream', 'http://127.0.0.1:1', '--certificate-source', 'nginx', '--trusted-proxy', '0.0.0.0/0'], /must not trust every address/],
      [['gateway', '--issuer', 'https://i', '--audience', 'x', '--upstream', 'http://127.0.0.1:1/api', '--certificate-source', 'nginx', '--trusted-proxy', '10.0.0.1'], /origin, without path/],
      [['gateway', '--issuer', 'https://i', '--audience', 'x', '--upstream', 'http://127.0.0.1:1', '--certificate-source', 'nginx', '--trusted-proxy', '10.0.0.1', '--route', 'GET /a'], /METHOD PATH=SCOPES/],
      [['authz', '--issuer', 'https://i', '--audience', 'x', '--certificate-source', 'tls'], /never sees the client's TLS/],
      [['authz', '--issuer', 'https://i', '--audience', 'x', '--form', 'haproxy', '--trusted-proxy', '10.0.0.1'], /--form is nginx, traefik or envoy/],
      [['authz', '--issuer', 'https://i', '--audience', 'x'], /needs --trusted-proxy/],
      [['authz', '--config', '/nonexistent/certbound.json'], /configuration file \/nonexistent\/certbound.json cannot be read/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
      assert.match(r.err, message, argv.join(' '));
    }
  });
});

describe('certbound gateway: a real run', () => {
  let h: Harness;
  let upstream: Upstream;
  let a: Credentials;
  let dir: string;
  let tokenA: string;
  let platformCa: string;
  before(async () => {
    h = await startWorld();
    upstream = await startUpstream();
    a = await credentials('acme-a');
    tokenA = await tokenFor(h, 'acme-a', a);
    platformCa = (await authority('platform')).certPem;
    dir = await mkdtemp(join(tmpdir(), 'certbound-gateway-cli-'));
    const tls = await serverCredentials();
    const cas = await partnerCas();
    await writeFile(join(dir, 'gw.pem'), tls.cert);
    await writeFile(join(dir, 'gw.key'), tls.key, { mode: 0o600 });
    await writeFile(join(dir, 'client-cas.pem'), cas.bundle);
    await writeFile(join(dir, 'issuer-ca.pem'), platformCa);
    await writeFile(join(dir, 'acme-ca.pem'), cas.map.get('acme')!);
  });
  after(async () => {
    await upstream?.close();
    await h?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const config = (routes: string[]) =>
    JSON.stringify({ issuer: h.issuer, 'issuer-ca': 'issuer-ca.pem', audience: [API.acmeOrders], upstream: upstream.url, 'tls-cert': 'gw.pem', 'tls-key': 'gw.key', 'client-ca': 'client-cas.pem', route: routes, partner: ['acme=acme-ca.pem'] });

  test('from a config file: forwards the holder\'s request, reloads routes on SIGHUP, stops on SIGTERM with status 0', async () => {
    await writeFile(join(dir, 'gateway.json'), config(['GET /orders=orders:read']));
    const [port, ops] = [await freePort(), await freePort()];
    const cli = startCertbound(['gateway', '--config', 'gateway.json', '--listen', `127.0.0.1:${port}`, '--admin-listen', `127.0.0.1:${ops}`], { cwd: dir });
    try {
      await cli.waitFor(/certbound gateway is running/);
      const call = (path: string) => send(`https://localhost:${port}${path}`, { ca: platformCa, identity: a, headers: { authorization: `Bearer ${tokenA}` } });
      const ok = await call('/orders');
      assert.equal(ok.status, 200, ok.text);
      assert.equal((ok.json?.['headers'] as Record<string, string>)['x-certbound-partner'], 'acme');
      assert.equal((await call('/reports')).status, 403);
      assert.equal((await sendPlain(`http://127.0.0.1:${ops}/readyz`)).status, 200);

      await writeFile(join(dir, 'gateway.json'), config(['GET /orders=orders:read', 'GET /reports=billing:read']));
      const reloaded = new Promise<void>((resolve) => {
        const check = () => cli.stderr().includes('gateway reloaded') && (cli.child.stderr!.off('data', check), resolve());
        cli.child.stderr!.on('data', check);
      });
      cli.child.kill('SIGHUP');
      await reloaded;
      assert.equal((await call('/reports')).status, 200);
      assert.match(cli.stderr(), /"client":"acme-a".*"status":200/);
      assert.doesNotMatch(cli.stderr(), new RegExp(tokenA.split('.')[2]!.slice(0, 20)));
    } finally {
      assert.equal(await cli.stop('SIGTERM'), 0, cli.stderr());
    }
  });
});
