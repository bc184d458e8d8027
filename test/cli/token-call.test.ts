// `certbound token` and `certbound call` as a user runs them: a child process talking over
// loopback to the world's token service and to guarded APIs started by this test.
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { withGuard } from '../../src/resource/adapters/node.ts';
import { createGuard, type Guard } from '../../src/resource/guard.ts';
import { startApi, type Api } from '../helpers/api.ts';
import { jwtPayload } from '../helpers/https.ts';
import { API, credentials, startWorld, type Credentials, type Harness } from '../helpers/world.ts';
import { certbound, freePort, hasStackTrace, type CliResult } from './run.ts';

let h: Harness;
let a: Credentials;
let cwd: string;
let guard: Guard;
let otherGuard: Guard;
/** Accepts acme-a's tokens for the orders API and echoes the request. */
let api: Api;
/** Guarded for another audience: every token of acme-a is refused with 401 invalid_token. */
let elsewhere: Api;

const thumbprintOf = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url');

/** The identity options of acme-a (files), the world's issuer, then `extra`. */
const as = (extra: string[] = [], clientId = 'acme-a') => [
  '--cert', a.files.cert, '--key', a.files.key, '--ca', a.files.ca, '--client-id', clientId, '--issuer', h.issuer, ...extra,
];
const run = (args: string[]): Promise<CliResult> => certbound(args, { cwd });

before(async () => {
  [h, a] = await Promise.all([startWorld(), credentials('acme-a')]);
  cwd = await mkdtemp(join(tmpdir(), 'certbound-cli-'));
  guard = createGuard({ issuer: h.issuer, ca: a.ca, audience: API.acmeOrders });
  otherGuard = createGuard({ issuer: h.issuer, ca: a.ca, audience: API.globex });
  api = await startApi(
    withGuard(guard, async (req, res, auth) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ client: auth.claims.client_id, method: req.method, type: req.headers['content-type'] ?? null, body: Buffer.concat(chunks).toString('utf8'), trace: req.headers['x-trace'] ?? null }),
      );
    }),
  );
  elsewhere = await startApi(withGuard(otherGuard, (_req, res) => res.end('unreachable')));
});
after(async () => {
  await Promise.all([api.close(), elsewhere.close()]);
  await Promise.all([guard.close(), otherGuard.close()]);
  await h.close();
  await rm(cwd, { recursive: true, force: true });
});

describe('certbound token', () => {
  test('prints the access token: a JWT bound to the client certificate, and nothing else', async () => {
    const { code, stdout, stderr } = await run(['token', ...as()]);
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
    const token = stdout.trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(stdout, `${token}\n`);
    const claims = jwtPayload(token);
    assert.equal(claims['client_id'], 'acme-a');
    assert.equal(claims['iss'], h.issuer);
    assert.deepEqual(claims['cnf'], { 'x5t#S256': thumbprintOf(a.cert) });
  });

  test('--json prints the whole token response; --scope and --resource reach the token request', async () => {
    const { code, stdout, stderr } = await run(['token', ...as(['--json', '--scope', 'orders:read', '--resource', API.acmeBilling])]);
    assert.equal(code, 0, stderr);
    const response = JSON.parse(stdout) as Record<string, unknown>;
    assert.equal(response['token_type'], 'Bearer');
    assert.equal(response['expires_in'], 600);
    assert.equal(response['scope'], 'orders:read');
    const claims = jwtPayload(String(response['access_token']));
    assert.equal(claims['aud'], API.acmeBilling);
    assert.equal(claims['scope'], 'orders:read');
  });

  test('an unknown client: exit 1, invalid_client on stderr, no stack trace, nothing on stdout', async () => {
    const { code, stdout, stderr } = await run(['token', ...as([], 'nobody')]);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /^certbound token: .*\(invalid_client\)$/m);
    assert.ok(!hasStackTrace(stderr), stderr);
  });

  test('a resource not granted: exit 1 with invalid_target', async () => {
    const { code, stderr } = await run(['token', ...as(['--resource', API.globex])]);
    assert.equal(code, 1);
    assert.match(stderr, /\(invalid_target\)/);
    assert.ok(!hasStackTrace(stderr), stderr);
  });

  test('a token service that is not there: exit 1 with temporarily_unavailable and the cause (ECONNREFUSED), no stack trace', async () => {
    const port = await freePort();
    const args = as().map((v) => (v === h.issuer ? `https://localhost:${port}` : v));
    const { code, stderr } = await run(['token', ...args]);
    assert.equal(code, 1);
    assert.match(stderr, /\(temporarily_unavailable\) — ECONNREFUSED: nothing listens there/);
    assert.ok(!hasStackTrace(stderr), stderr);
  });

  test('a key that is not the certificate\'s, and a --ca that did not issue the service\'s certificate, each name their cause', async () => {
    const other = await credentials('globex-g');
    const wrongKey = await run(['token', ...as().map((v) => (v === a.files.key ? other.files.key : v))]);
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /ERR_OSSL_X509_KEY_VALUES_MISMATCH: the key does not belong to the certificate \(--key and --cert do not match\)/);
    const wrongCa = await run(['token', ...as().map((v) => (v === a.files.ca ? other.files.cert : v))]);
    assert.equal(wrongCa.code, 1);
    assert.match(wrongCa.stderr, /the server's certificate is (not from the CA given|self-signed and not the CA given) \(--ca\)/);
    for (const r of [wrongKey, wrongCa]) assert.ok(!hasStackTrace(r.stderr), r.stderr);
  });

  test('a certificate file that does not exist: exit 1 naming the file, no stack trace', async () => {
    const missing = join(cwd, 'missing.pem');
    const args = as().map((v) => (v === a.files.cert ? missing : v));
    const { code, stderr } = await run(['token', ...args]);
    assert.equal(code, 1);
    assert.match(stderr, /missing\.pem/);
    assert.ok(!hasStackTrace(stderr), stderr);
  });

  test('usage errors exit 2 pointing to --help: missing --cert, --key, --ca or --client-id, or an extra argument', async () => {
    for (const name of ['--cert', '--key', '--ca', '--client-id']) {
      const args = as();
      args.splice(args.indexOf(name), 2);
      const { code, stdout, stderr } = await run(['token', ...args]);
      assert.equal(code, 2, name);
      assert.equal(stdout, '');
      assert.match(stderr, new RegExp(`${name} is required`));
      assert.match(stderr, /Run 'certbound token --help' for its usage\./);
    }
    const extra = await run(['token', 'surplus', ...as()]);
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /unexpected argument 'surplus'/);
  });
});

describe('certbound call', () => {
  test('calls a guarded API with a bound token over the same identity: prints 200 OK and the body, exit 0', async () => {
    const { code, stdout, stderr } = await run(['call', `${api.url}/orders`, ...as()]);
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
    const [status, body, ...rest] = stdout.split('\n');
    assert.equal(status, '200 OK');
    assert.deepEqual(JSON.parse(body!), { client: 'acme-a', method: 'GET', type: null, body: '', trace: null });
    assert.deepEqual(rest, ['']);
  });

  test('-d sends a form body with POST, as curl -d does; -H content-type makes it JSON; -X picks the method, -H adds headers', async () => {
    const form = await run(['call', `${api.url}/orders`, ...as(['-d', 'sku=a-1'])]);
    assert.equal(form.code, 0, form.stderr);
    assert.deepEqual(JSON.parse(form.stdout.split('\n')[1]!), { client: 'acme-a', method: 'POST', type: 'application/x-www-form-urlencoded', body: 'sku=a-1', trace: null });
    const posted = await run(['call', `${api.url}/orders`, ...as(['-d', '{"sku":"a-1"}', '-H', 'content-type: application/json', '-H', 'X-Trace: t-1'])]);
    assert.equal(posted.code, 0, posted.stderr);
    const [status, body] = posted.stdout.split('\n');
    assert.equal(status, '200 OK');
    assert.deepEqual(JSON.parse(body!), { client: 'acme-a', method: 'POST', type: 'application/json', body: '{"sku":"a-1"}', trace: 't-1' });

    const put = await run(['call', `${api.url}/orders/1`, ...as(['-X', 'PUT', '-d', 'qty=2', '-H', 'content-type: text/plain'])]);
    assert.equal(put.code, 0, put.stderr);
    assert.deepEqual(JSON.parse(put.stdout.split('\n')[1]!), { client: 'acme-a', method: 'PUT', type: 'text/plain', body: 'qty=2', trace: null });
  });

  test('an API that refuses the token: exit 1, the 401 status line and the error body are printed', async () => {
    const { code, stdout, stderr } = await run(['call', `${elsewhere.url}/`, ...as()]);
    assert.equal(code, 1);
    const [status, body] = stdout.split('\n');
    assert.equal(status, '401 Unauthorized');
    assert.equal(JSON.parse(body!)['error'], 'invalid_token');
    assert.equal(stderr, '');
  });

  test('a token request that fails stops before the API: exit 1 with the OAuth error', async () => {
    const { code, stdout, stderr } = await run(['call', `${api.url}/orders`, ...as([], 'nobody')]);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /^certbound call: .*\(invalid_client\)$/m);
    assert.ok(!hasStackTrace(stderr), stderr);
  });

  test('usage errors exit 2: no URL, a URL that does not parse, a header that is not "Name: value", a missing --cert', async () => {
    const cases: [string[], RegExp][] = [
      [['call', ...as()], /expected: certbound call <url>/],
      [['call', 'not a url', ...as()], /'not a url' is not a URL/],
      [['call', `${api.url}/`, ...as(['-H', 'novalue'])], /an -H value is not 'Name: value'/],
      [['call', `${api.url}/`, ...as().slice(2)], /--cert is required/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await run(args);
      assert.equal(code, 2, args.join(' '));
      assert.match(stderr, message);
    }
    // A mistyped header may hold a credential: it is never echoed.
    const { stderr } = await run(['call', `${api.url}/`, ...as(['-H', 'Authorization Bearer s3cr3t'])]);
    assert.ok(!stderr.includes('s3cr3t'), stderr);
  });
});
