// Interop with the command-line tools every operator has: curl as an mTLS OAuth client, and
// openssl as an independent implementation of the thumbprint, the handshake and path validation.
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { jwtPayload } from '../helpers/https.ts';
import { run, runOk } from '../helpers/run.ts';
import { credentials, derOf, startWorld, world, type Credentials, type Harness } from '../helpers/world.ts';

let h: Harness;
let a: Credentials;
before(async () => {
  h = await startWorld();
  a = await credentials('acme-a');
});
after(() => h.close());

interface CurlResponse {
  readonly status: number;
  /** Header names lower-cased; the last value wins. */
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Splits `curl -i` output into status, headers and body. */
function parseCurl(stdout: string): CurlResponse {
  const end = stdout.indexOf('\r\n\r\n');
  assert.notEqual(end, -1, `curl printed no HTTP head: ${stdout}`);
  const [statusLine = '', ...lines] = stdout.slice(0, end).split('\r\n');
  const status = /^HTTP\/[\d.]+ (\d{3})/.exec(statusLine)?.[1];
  assert.ok(status, `not an HTTP status line: ${statusLine}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(status), headers, body: stdout.slice(end + 4) };
}

/** POSTs a form to the token endpoint with the real curl, pinning localhost to the loopback listener. */
async function curlToken(form: readonly string[], tls: readonly string[]): Promise<CurlResponse> {
  const args = [
    '--silent',
    '--show-error',
    '--include',
    '--max-time', '15',
    '--resolve', `localhost:${h.service.port}:127.0.0.1`,
    '--cacert', a.files.ca,
    ...tls,
    ...form.flatMap((field) => ['--data', field]),
    `${h.issuer}/token`,
  ];
  const result = await run('curl', args);
  // curl exits 0 for any HTTP answer: a non-zero exit here means TLS or the connection failed.
  assert.equal(result.code, 0, `curl failed below HTTP: ${result.stderr}`);
  return parseCurl(result.stdout);
}

/** `x5t#S256` as the openssl command line computes it from a PEM file (path passed as $1, never interpolated). */
async function opensslThumbprint(certFile: string): Promise<string> {
  const pipeline = `openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=\\n'`;
  const { stdout } = await runOk('sh', ['-c', pipeline, 'sh', certFile]);
  // sh has no pipefail: a failed stage shows up as a value that is not 43 base64url characters.
  assert.match(stdout, /^[A-Za-z0-9_-]{43}$/, `openssl pipeline output: ${JSON.stringify(stdout)}`);
  return stdout;
}

/** The subject of a PEM certificate file, in openssl's own default one-line format. */
async function opensslSubject(certFile: string): Promise<string> {
  const { stdout } = await runOk('openssl', ['x509', '-in', certFile, '-noout', '-subject']);
  return stdout.trim().replace(/^subject=\s*/, '');
}

const INVALID_CLIENT = { error: 'invalid_client', error_description: 'client authentication failed' };

describe('curl as an RFC 8705 client', () => {
  test('interop: curl --cert gets a token whose cnf equals openssl\'s thumbprint', async () => {
    const res = await curlToken(['grant_type=client_credentials', 'client_id=acme-a'], ['--cert', a.files.cert, '--key', a.files.key]);
    assert.equal(res.status, 200, res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
    const body = JSON.parse(res.body) as Record<string, unknown>;
    assert.equal(body['token_type'], 'Bearer');
    assert.equal(body['expires_in'], 600);
    const claims = jwtPayload(String(body['access_token']));
    const fromOpenssl = await opensslThumbprint(a.files.cert);
    assert.deepEqual(claims['cnf'], { 'x5t#S256': fromOpenssl });
    // Three implementations (openssl, node:crypto, certbound) agree on the same certificate file.
    assert.equal(fromOpenssl, createHash('sha256').update(derOf(a.cert)).digest('base64url'));
    assert.equal(claims['iss'], h.issuer);
    assert.equal(claims['client_id'], 'acme-a');
  });

  test('interop: curl without a certificate gets 401 invalid_client with a Basic challenge, over a completed handshake', async () => {
    const res = await curlToken(['grant_type=client_credentials', 'client_id=acme-a'], []);
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], `Basic realm="${h.issuer}"`);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.match(res.headers['content-type'] ?? '', /^application\/json\b/);
    assert.deepEqual(JSON.parse(res.body), INVALID_CLIENT);
  });

  test('interop: curl with another partner\'s certificate gets the same 401 body as with none', async () => {
    const g = await credentials('globex-g');
    const res = await curlToken(['grant_type=client_credentials', 'client_id=acme-a'], ['--cert', g.files.cert, '--key', g.files.key]);
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], `Basic realm="${h.issuer}"`);
    assert.deepEqual(JSON.parse(res.body), INVALID_CLIENT);
  });
});

describe('openssl against the token service listener', () => {
  const sClient = (extra: readonly string[], input?: string) =>
    run(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${h.service.port}`, '-servername', 'localhost', '-CAfile', a.files.ca, ...extra],
      { timeoutMs: 15_000, ...(input === undefined ? {} : { input }) },
    );

  test('interop: openssl s_client is asked for a client certificate from the platform and partner CAs', async () => {
    const res = await sClient([]);
    assert.equal(res.code, 0, res.stderr);
    const section = /Acceptable client certificate CA names\n((?:.+\n)+?)(?:Requested Signature Algorithms|Client Certificate Types|---)/.exec(res.stdout);
    assert.ok(section?.[1], `the server sent no certificate_authorities list:\n${res.stdout}`);
    const w = await world();
    const expected = await Promise.all(
      [w.platformCa, ...Object.values(w.partnerCas)].map((dir) => opensslSubject(join(dir, 'cert.pem'))),
    );
    assert.deepEqual(section[1].trim().split('\n').sort(), expected.sort());
    assert.match(res.stdout, /Verify return code: 0 \(ok\)/);
    // openssl reports a received alert on stderr (e.g. "tlsv13 alert certificate required"); stdout holds base64.
    assert.doesNotMatch(res.stderr, /alert/i);
  });

  test('interop: openssl s_client without a client certificate completes the handshake and gets an OAuth error, not a TLS alert', async () => {
    const body = 'grant_type=client_credentials&client_id=acme-a';
    const request = [
      'POST /token HTTP/1.1',
      'Host: localhost',
      'Content-Type: application/x-www-form-urlencoded',
      `Content-Length: ${body.length}`,
      'Connection: close',
      '',
      body,
    ].join('\r\n');
    const res = await sClient(['-brief', '-ign_eof'], request);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /CONNECTION ESTABLISHED/);
    assert.match(res.stderr, /Verification: OK/);
    assert.doesNotMatch(res.stderr, /alert/i);
    const http = parseCurl(res.stdout);
    assert.equal(http.status, 401);
    assert.equal(http.headers['www-authenticate'], `Basic realm="${h.issuer}"`);
    assert.deepEqual(JSON.parse(http.body), INVALID_CLIENT);
  });

  test('interop: openssl verify accepts <dir>/tls-cert.pem under the platform CA for localhost, and it is the certificate the listener presents', async () => {
    const certFile = join(h.dir, 'tls-cert.pem');
    const caFile = join(h.dir, 'ca.pem');
    const res = await run('openssl', ['verify', '-CAfile', caFile, '-purpose', 'sslserver', '-verify_hostname', 'localhost', '-verify_ip', '127.0.0.1', certFile]);
    assert.equal(res.stdout, `${certFile}: OK\n`, res.stderr);
    assert.equal(res.code, 0);
    // The data directory's CA is the one handed to clients with their certificates.
    assert.equal(new X509Certificate(await readFile(caFile, 'utf8')).fingerprint256, new X509Certificate(a.ca).fingerprint256);
    const shown = await sClient([]);
    const presented = /Server certificate\n(-----BEGIN CERTIFICATE-----\n[\s\S]+?-----END CERTIFICATE-----)/.exec(shown.stdout)?.[1];
    assert.ok(presented, shown.stdout);
    assert.equal(new X509Certificate(presented).fingerprint256, new X509Certificate(await readFile(certFile, 'utf8')).fingerprint256);
  });
});
