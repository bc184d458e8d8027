// examples/node-api-behind-nginx.ts behind a real nginx run with examples/nginx.conf as shipped
// (only its ports and scratch paths changed): the documented proxy set-up works as written.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { serverCredentials } from '../helpers/api.ts';
import { send, type Response } from '../helpers/https.ts';
import { API, authority, credentials, startWorld, type Credentials, type Harness } from '../helpers/world.ts';
import { childEnv, freePort, NODE } from '../cli/run.ts';
import { accepts, NGINX } from '../helpers/nginx.ts';
import { until } from '../helpers/until.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/node-api-behind-nginx.ts', import.meta.url));
const CONF = fileURLToPath(new URL('../../examples/nginx.conf', import.meta.url));

function assertInvalidToken(res: Response): void {
  assert.equal(res.status, 401, res.text);
  assert.equal(res.json?.['error'], 'invalid_token');
  assert.match(String(res.headers['www-authenticate']), /^Bearer .*error="invalid_token"/);
}

describe('examples/node-api-behind-nginx.ts with examples/nginx.conf', () => {
  let h: Harness;
  let a: Credentials;
  let g: Credentials;
  let token: string;
  let prefix: string;
  let platformCa: string;
  let front: string;
  let api: ChildProcess;
  let nginx: ChildProcess;
  let nginxErr = '';

  before(async () => {
    h = await startWorld();
    [a, g] = await Promise.all([credentials('acme-a'), credentials('globex-g')]);
    platformCa = (await authority('platform')).certPem;
    const res = await send(`${h.issuer}/token`, { ca: a.ca, identity: a, form: { grant_type: 'client_credentials', client_id: 'acme-a' } });
    assert.equal(res.status, 200, res.text);
    token = String(res.json?.['access_token']);

    // The repository layout the conf expects: examples/nginx.conf, orders-api/, partner-cas.pem.
    prefix = await mkdtemp(join(tmpdir(), 'certbound-example-nginx-'));
    await mkdir(join(prefix, 'examples'));
    await mkdir(join(prefix, 'orders-api'));
    const tls = await serverCredentials();
    await writeFile(join(prefix, 'orders-api', 'cert.pem'), tls.cert);
    await writeFile(join(prefix, 'orders-api', 'key.pem'), tls.key, { mode: 0o600 });
    // As docs/proxies.md says: the platform root alone covers every certbound-held partner CA.
    await writeFile(join(prefix, 'partner-cas.pem'), platformCa);
    await writeFile(join(prefix, 'ca.pem'), platformCa);
    const [frontPort, backPort] = [await freePort(), await freePort()];
    const conf = (await readFile(CONF, 'utf8'))
      .replaceAll('127.0.0.1:9443', `127.0.0.1:${frontPort}`)
      .replaceAll('127.0.0.1:8080', `127.0.0.1:${backPort}`)
      .replaceAll('/tmp/certbound-example-nginx', join(prefix, 'nginx'));
    await writeFile(join(prefix, 'examples', 'nginx.conf'), conf);
    front = `https://localhost:${frontPort}`;

    api = spawn(NODE, [EXAMPLE], {
      cwd: prefix,
      env: childEnv({ ISSUER: h.issuer, AUDIENCE: API.acmeOrders, PORT: String(backPort), CA_FILE: join(prefix, 'ca.pem') }),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(api.stdout!, 'data')) as [Buffer];
    assert.match(line.toString(), /orders API behind nginx/);

    // master_process off: one process, ours, that stops with SIGTERM.
    nginx = spawn(NGINX, ['-p', prefix, '-c', join(prefix, 'examples', 'nginx.conf'), '-g', 'daemon off; master_process off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
    nginx.stderr!.on('data', (c: Buffer) => (nginxErr += c.toString()));
    // Readiness of another process: polled (the one bounded poll), no assertion depends on how long it takes.
    await until('nginx listens', async () => {
      if (nginx!.exitCode !== null) throw new Error(`nginx exited: ${nginxErr}`);
      return accepts(frontPort);
    });
  });

  after(async () => {
    if (nginx && nginx.exitCode === null) {
      nginx.kill('SIGTERM');
      await once(nginx, 'exit');
    }
    api?.kill();
    await h?.close();
    if (prefix) await rm(prefix, { recursive: true, force: true });
  });

  // A client presents the cert.pem certbound issued it: the leaf, then its partner CA (as curl --cert does).
  const via = (identity: Credentials | null, headers: Record<string, string> = {}) =>
    send(`${front}/orders`, { ca: platformCa, ...(identity ? { identity: { cert: identity.chain ?? identity.cert, key: identity.key } } : {}), headers: { authorization: `Bearer ${token}`, ...headers } });

  test('RFC 8705 §3: the bound token with its own certificate, through nginx, is 200', async () => {
    const res = await via(a);
    assert.equal(res.status, 200, `${res.text}\n${nginxErr}`);
    assert.deepEqual(res.json, { orders: [], for: 'acme-a' });
  });

  test("RFC 8705 §3: the token with another partner's certificate, and a forged ssl-client-cert naming the right one, is 401 invalid_token", async () => {
    assertInvalidToken(await via(g, { 'ssl-client-cert': encodeURIComponent(a.cert) }));
  });

  test('RFC 6750 §3.1: without a client certificate (ssl_verify_client optional), the guard answers 401 invalid_token, not nginx a 400', async () => {
    assertInvalidToken(await via(null, { 'ssl-client-verify': 'SUCCESS' }));
  });
});
