// The listener itself: where a client certificate may come from, TLS versions and
// renegotiation, connection limits, and what the service writes to its log.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import pino from 'pino';
import { credentials, derOf, secret, startWorld, type Credentials, type Harness } from '../helpers/world.ts';
import { send, type Response } from '../helpers/https.ts';
import { capturedLogger } from '../helpers/log.ts';

const INVALID_CLIENT_BODY = '{"error":"invalid_client","error_description":"client authentication failed"}';

let h: Harness;
let a: Credentials;
/** Everything the service logged, in order; at debug, so the per-request access lines (off at info for the OAuth endpoints) are checked too. */
const serviceLog = capturedLogger('debug');
const logText = serviceLog.text;

before(async () => {
  h = await startWorld({ logger: serviceLog.logger });
  a = await credentials('acme-a');
});
after(() => h.close());

const tokenUrl = () => `${h.issuer}/token`;
const cc = (extra: Record<string, string> = {}) => ({ grant_type: 'client_credentials', ...extra });
const basic = (id: string, pass: string) => `Basic ${Buffer.from(`${id}:${pass}`).toString('base64')}`;

function assertInvalidClient(res: Response): void {
  assert.equal(res.status, 401, res.text);
  assert.equal(res.text, INVALID_CLIENT_BODY);
  assert.equal(res.headers['www-authenticate'], `Basic realm="${h.issuer}"`);
}

/**
 * The log written since `from` (a length of logText()), once it holds `count` request lines
 * (written after the response is sent, so they may trail the answer the client sees).
 */
function logSince(from: number, count: number): Promise<string> {
  return serviceLog.whenLogged(`${count} request log line(s)`, (text) => {
    const since = text.slice(from);
    return (since.match(/"msg":"request"/g) ?? []).length >= count ? since : undefined;
  });
}

/** Opens a TLS connection to the listener; resolves once the handshake is done. */
function tlsConnect(options: ConnectionOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: h.service.port, servername: 'localhost', ca: a.ca, ...options }, () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('IL-05 / RFC 6750 §5.3: no secret, token or PEM is ever logged', () => {
  test('IL-05: POST /token?client_secret=… is 400 invalid_request, and the log has the path but not the query or the secret', async () => {
    const from = logText().length;
    const res = await send(`${tokenUrl()}?client_secret=TOPSECRET123&client_id=x`, { ca: a.ca, form: cc() });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json?.['error'], 'invalid_request');
    assert.doesNotMatch(res.text, /TOPSECRET123/);
    const log = await logSince(from, 1);
    assert.match(log, /"path":"\/token"/);
    assert.match(log, /"status":400/);
    assert.doesNotMatch(log, /TOPSECRET123/);
    assert.doesNotMatch(log, /client_secret/);
  });

  test('IL-05: a token request logs client_id, jti and x5t#S256, never the access token or the client certificate', async () => {
    const from = logText().length;
    const res = await send(tokenUrl(), { ca: a.ca, identity: a, form: cc({ client_id: 'acme-a' }) });
    assert.equal(res.status, 200, res.text);
    const token = String(res.json?.['access_token']);
    const [, payload = '', signature = ''] = token.split('.');
    const log = await logSince(from, 1);
    // The token's one log line is its audit event.
    const issued = log.split('\n').find((line) => line.includes('"event":"token.issued"'));
    assert.ok(issued, log);
    const entry = (JSON.parse(issued) as { audit: Record<string, unknown> }).audit;
    assert.equal(entry['clientId'], 'acme-a');
    assert.equal(entry['thumbprint'], createHash('sha256').update(derOf(a.cert)).digest('base64url'));
    assert.equal(typeof (entry['detail'] as Record<string, unknown>)['jti'], 'string');
    assert.equal(log.split('\n').filter((line) => line.includes('"msg":"access token issued"')).length, 0, 'not logged twice');
    assert.ok(!log.includes(token), 'the access token');
    assert.ok(!log.includes(payload), 'the token payload');
    assert.ok(!log.includes(signature), 'the token signature');
    const certBase64 = derOf(a.cert).toString('base64');
    assert.ok(!log.includes(certBase64), 'the certificate DER');
    assert.ok(!log.includes(a.cert.split('\n')[1]!), 'a line of the certificate PEM');
    assert.doesNotMatch(log, /BEGIN CERTIFICATE|PRIVATE KEY/);
  });

  test('IL-05: client secrets, Authorization headers and introspected tokens never reach the log, on success or failure', async () => {
    const b = await credentials('acme-basic');
    const [basicSecret, postSecret] = await Promise.all([secret('acme-basic'), secret('acme-post')]);
    const from = logText().length;
    const issued = await send(tokenUrl(), { ca: a.ca, identity: b, headers: { authorization: basic('acme-basic', basicSecret) }, form: cc() });
    assert.equal(issued.status, 200, issued.text);
    const token = String(issued.json?.['access_token']);
    assertInvalidClient(await send(tokenUrl(), { ca: a.ca, identity: b, headers: { authorization: basic('acme-basic', 'WRONGSECRET999') }, form: cc() }));
    assert.equal((await send(tokenUrl(), { ca: a.ca, form: cc({ client_id: 'acme-post', client_secret: postSecret }) })).status, 200);
    assertInvalidClient(await send(tokenUrl(), { ca: a.ca, form: cc({ client_id: 'acme-post', client_secret: 'WRONGSECRET999' }) }));
    const ix = await send(`${h.issuer}/introspect`, { ca: a.ca, identity: b, headers: { authorization: basic('acme-basic', basicSecret) }, form: { token } });
    assert.equal(ix.json?.['active'], true, ix.text);
    const log = await logSince(from, 5);
    assert.match(log, /"event":"token.denied"/);
    for (const leak of [basicSecret, postSecret, 'WRONGSECRET999', token, Buffer.from(`acme-basic:${basicSecret}`).toString('base64')]) {
      assert.ok(!log.includes(leak), `leaked into the log: ${leak.slice(0, 12)}…`);
    }
    assert.doesNotMatch(log, /authorization|Basic /i);
  });
});

test('at info, a token request writes one log line, its audit event, and a refused one at most the first of its interval', async () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const quiet = await startWorld({ logger: pino({ level: 'info' }, stream) });
  try {
    const from = lines.length;
    const issued = await send(`${quiet.issuer}/token`, { ca: a.ca, identity: a, form: cc({ client_id: 'acme-a' }) });
    assert.equal(issued.status, 200, issued.text);
    for (let i = 0; i < 2; i++) assert.equal((await send(`${quiet.issuer}/token`, { ca: a.ca, form: cc() })).status, 401);
    // Both are logged before the answer is sent.
    const written = lines.slice(from).map((line) => JSON.parse(line) as { msg: string; audit?: { event: string } });
    assert.deepEqual(written.map((l) => `${l.msg}:${l.audit?.event ?? ''}`), ['audit:token.issued', 'audit:token.denied']);
  } finally {
    await quiet.close();
  }
});

describe('RFC 8705 §7.3 / checklist rows 1 and 50 (RS-B-07): a certificate is taken from the TLS handshake only', () => {
  const headersCarrying = (pem: string): Record<string, string> => {
    const der = derOf(pem);
    const escaped = encodeURIComponent(pem);
    return {
      'client-cert': `:${der.toString('base64')}:`, // RFC 9440
      'x-ssl-client-cert': escaped, // nginx $ssl_client_escaped_cert
      'ssl-client-cert': escaped,
      'x-forwarded-client-cert': `Hash=${createHash('sha256').update(der).digest('hex')};Cert="${escaped}";Subject="CN=acme-a,O=acme"`, // Envoy
      'x-amzn-mtls-clientcert': escaped, // AWS ALB
    };
  };

  test('RS-B-07: acme-a\'s certificate in Client-Cert, X-SSL-Client-Cert and x-forwarded-client-cert, with no TLS certificate, is 401 invalid_client', async () => {
    const all = headersCarrying(a.cert);
    assertInvalidClient(await send(tokenUrl(), { ca: a.ca, headers: all, form: cc({ client_id: 'acme-a' }) }));
    for (const [name, value] of Object.entries(all)) {
      assertInvalidClient(await send(tokenUrl(), { ca: a.ca, headers: { [name]: value }, form: cc({ client_id: 'acme-a' }) }));
    }
  });

  test('RS-B-07: certificate headers naming acme-a do not override the certificate of the handshake (globex-g\'s)', async () => {
    const g = await credentials('globex-g');
    assertInvalidClient(await send(tokenUrl(), { ca: a.ca, identity: g, headers: headersCarrying(a.cert), form: cc({ client_id: 'acme-a' }) }));
  });
});

describe('RFC 8705 §7.3 / BCP 195 (checklist rows 58 and 61): TLS versions and renegotiation', () => {
  test('row 58: a client offering at most TLS 1.1 is refused in the handshake with a protocol_version alert', async () => {
    // SECLEVEL=0 lets the client offer TLS 1.1 at all, so the refusal is the listener's, not the client's.
    const err = await tlsConnect({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }).then(
      (socket) => {
        socket.destroy();
        return assert.fail(`negotiated ${socket.getProtocol()}`);
      },
      (e: unknown) => e as NodeJS.ErrnoException,
    );
    assert.equal(err.code, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', err.message);
  });

  test('row 61: a default client negotiates TLS 1.3', async () => {
    const socket = await tlsConnect({ cert: a.cert, key: a.key });
    try {
      assert.equal(socket.getProtocol(), 'TLSv1.3');
    } finally {
      socket.destroy();
    }
  });

  test('row 58: a TLS 1.2 client asking to renegotiate loses the connection, and no second handshake completes', async () => {
    const socket = await tlsConnect({ maxVersion: 'TLSv1.2', cert: a.cert, key: a.key });
    assert.equal(socket.getProtocol(), 'TLSv1.2');
    socket.on('error', () => {}); // the listener's reset, if the platform reports it as one
    const outcome = await new Promise<string>((resolve) => {
      socket.once('close', () => resolve('closed'));
      const started = socket.renegotiate({ rejectUnauthorized: false }, (err) => resolve(err ? 'refused' : 'renegotiated'));
      if (!started) resolve('refused');
    });
    assert.notEqual(outcome, 'renegotiated');
    await new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
    assert.equal(socket.destroyed, true, 'the connection is gone: nothing more can be sent on it');
    // The listener is unharmed: a fresh connection still gets a token.
    assert.equal((await send(tokenUrl(), { ca: a.ca, identity: a, form: cc({ client_id: 'acme-a' }) })).status, 200);
  });
});

describe('EX-01..03: the listener bounds what a slow or idle peer can hold', () => {
  test('EX-01: headersTimeout is at most 10 s', () => {
    const { headersTimeout } = h.service.app.server;
    assert.ok(headersTimeout > 0 && headersTimeout <= 10_000, String(headersTimeout));
  });

  test('EX-02: requestTimeout is at most 30 s', () => {
    const { requestTimeout } = h.service.app.server;
    assert.ok(requestTimeout > 0 && requestTimeout <= 30_000, String(requestTimeout));
  });

  test('EX-04: maxConnections is set', () => {
    const { maxConnections } = h.service.app.server;
    assert.ok(Number.isSafeInteger(maxConnections) && maxConnections > 0, String(maxConnections));
  });

  test('EX-03: the TLS handshake timeout is at most 10 s (Node\'s default is 120 s)', () => {
    // node:tls keeps the handshakeTimeout option under an internal symbol; no public getter exists.
    const server = h.service.app.server as unknown as Record<symbol, unknown>;
    const key = Object.getOwnPropertySymbols(server).find((s) => s.description === 'handshake-timeout');
    assert.ok(key, 'node:tls no longer stores the handshake timeout where this test looks for it');
    const timeout = server[key];
    assert.equal(typeof timeout, 'number');
    assert.ok((timeout as number) > 0 && (timeout as number) <= 10_000, String(timeout));
  });
});
