// The client SDK against the world's token service and guarded APIs over real TLS: identity
// from PEM text or files, the token cache (per scope and resource, renewal, single flight),
// the one retry on 401 invalid_token, certificate rotation from disk, typed errors, and RFC 8414
// discovery with RFC 8705 §5 mtls_endpoint_aliases.
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { registerClient } from '../../src/admin/clients.ts';
import { createClient, type CertboundClient, type ClientOptions } from '../../src/client/index.ts';
import { OAuthError, TemporarilyUnavailable } from '../../src/core/errors.ts';
import { issueCertificate } from '../../src/pki/issue.ts';
import { pkcs8ToPem } from '../../src/pki/keys.ts';
import { withGuard } from '../../src/resource/adapters/node.ts';
import { createGuard, type Guard } from '../../src/resource/guard.ts';
import { freePort } from '../cli/run.ts';
import { serverCredentials, startApi, type Api } from '../helpers/api.ts';
import { jwtPayload, send } from '../helpers/https.ts';
import { API, authority, credentials, startWorld, type Credentials, type Harness } from '../helpers/world.ts';

let h: Harness;
let a: Credentials;
let guard: Guard;
/** A guarded API (audience: acme orders) answering with what the guard verified. */
let api: Api;
const closers: (() => Promise<unknown>)[] = [];

const thumbprintOf = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url');
const cnfOf = (token: string) => (jwtPayload(token)['cnf'] as Record<string, string> | undefined)?.['x5t#S256'];

/** Tokens the token service has issued so far, from its Prometheus counter. */
async function issued(): Promise<number> {
  const text = await h.service.metrics.registry.metrics();
  return Number(/^certbound_tokens_issued_total (\d+)/m.exec(text)?.[1] ?? 0);
}

/** A client of the world, closed after the file; PEM text unless options say otherwise. */
function client(options: Partial<ClientOptions> = {}): CertboundClient {
  const c = createClient({ issuer: h.issuer, clientId: 'acme-a', cert: a.cert, key: a.key, ca: a.ca, ...options });
  closers.push(() => c.close());
  return c;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'certbound-client-'));
  closers.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The body of a request, as text. */
async function text(req: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** An API with a handler of its own (not guarded), closed after the file. */
async function rawApi(handler: Parameters<typeof startApi>[0]): Promise<Api> {
  const started = await startApi(handler);
  closers.push(() => started.close());
  return started;
}

before(async () => {
  h = await startWorld();
  a = await credentials('acme-a');
  guard = createGuard({ issuer: h.issuer, ca: a.ca, audience: API.acmeOrders });
  api = await startApi(
    withGuard(guard, (req, res, auth) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ client: auth.claims.client_id, jti: auth.claims.jti, thumbprint: auth.thumbprint, method: req.method }));
    }),
  );
});
after(async () => {
  for (const close of closers.reverse()) await close();
  await api.close();
  await guard.close();
  await h.close();
});

describe('identity', () => {
  test('RFC 8705 §3: with PEM text or with file paths, the token is bound to the client certificate and the API accepts it over the same identity', async () => {
    for (const c of [client(), client({ cert: a.files.cert, key: a.files.key, ca: a.files.ca })]) {
      const token = await c.getToken({ resource: API.acmeOrders });
      assert.equal(cnfOf(token.accessToken), thumbprintOf(a.cert));
      assert.equal(token.response['token_type'], 'Bearer');
      const res = await c.fetch(`${api.url}/orders`, { resource: API.acmeOrders });
      assert.equal(res.status, 200);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(body['client'], 'acme-a');
      assert.equal(body['thumbprint'], thumbprintOf(a.cert));
      assert.equal(body['jti'], jwtPayload(token.accessToken)['jti'], 'fetch presents the cached token');
    }
  });
});

describe('token cache', () => {
  test('tokens are cached per (scope, resource): the same pair is one token request, each other pair its own', async () => {
    const c = client();
    const start = await issued();
    const read = await c.getToken({ scope: 'orders:read', resource: API.acmeOrders });
    assert.equal((await c.getToken({ scope: 'orders:read', resource: API.acmeOrders })).accessToken, read.accessToken);
    assert.equal(await issued(), start + 1);
    const write = await c.getToken({ scope: 'orders:write', resource: API.acmeOrders });
    const billing = await c.getToken({ scope: 'orders:read', resource: API.acmeBilling });
    assert.equal(await issued(), start + 3);
    assert.equal(new Set([read.accessToken, write.accessToken, billing.accessToken]).size, 3);
    assert.equal(jwtPayload(read.accessToken)['scope'], 'orders:read');
    assert.equal(jwtPayload(write.accessToken)['scope'], 'orders:write');
    assert.equal(jwtPayload(billing.accessToken)['aud'], API.acmeBilling);
    // The client's defaults are one more pair of its own, and options override them.
    const defaults = client({ scope: 'orders:write', resource: API.acmeOrders });
    assert.equal(jwtPayload((await defaults.getToken()).accessToken)['scope'], 'orders:write');
    assert.equal(jwtPayload((await defaults.getToken({ scope: 'orders:read' })).accessToken)['scope'], 'orders:read');
  });

  test('a token is renewed ahead of its expiry: a 6 s token is replaced after its renewal point while it is still valid', async (t) => {
    // One clock (Date) for the client, the token service and this test: moved to the renewal point, not waited for.
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const dir = await tempDir();
    await registerClient(h.store, { id: 'acme-short', partnerId: 'acme', scope: 'orders:read', resources: [API.acmeOrders], tokenTtl: 6, issueCertTo: dir });
    await h.service.reload();
    const c = client({ clientId: 'acme-short', cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), ca: join(dir, 'ca.pem') });
    const start = await issued();
    const first = await c.getToken();
    const exp = jwtPayload(first.accessToken)['exp'] as number;
    assert.equal(first.response['expires_in'], 6);
    // renewalTime keeps a margin of at least 5 s: the token is renewed while it has seconds left.
    assert.ok(exp * 1000 - first.renewAt >= 4000, 'the renewal point is well ahead of expiry');
    assert.equal((await c.getToken()).accessToken, first.accessToken, 'before the renewal point the cached token is used');
    t.mock.timers.tick(first.renewAt - Date.now() - 1);
    assert.equal((await c.getToken()).accessToken, first.accessToken, 'up to the renewal point the cached token is used');
    assert.equal(await issued(), start + 1);
    t.mock.timers.tick(1);
    const second = await c.getToken();
    assert.notEqual(second.accessToken, first.accessToken);
    assert.equal(await issued(), start + 2);
    assert.ok(exp * 1000 > Date.now(), 'the first token had not expired when it was replaced');
  });

  test('concurrent callers share one in-flight token request: 20 getToken() calls, one token issued', async () => {
    const c = client({ cert: a.files.cert, key: a.files.key, ca: a.files.ca });
    const start = await issued();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => c.getToken()));
    assert.equal(new Set(tokens.map((t) => t.accessToken)).size, 1);
    assert.equal(await issued(), start + 1);
    const calls = await Promise.all(Array.from({ length: 20 }, () => c.fetch(`${api.url}/orders`)));
    assert.deepEqual(calls.map((r) => r.status), Array(20).fill(200));
    await Promise.all(calls.map((r) => r.body?.cancel()));
    assert.equal(await issued(), start + 1, 'the API calls reuse the token');
  });

  test('after a failed token request the next call asks again (no failure is cached)', async () => {
    const c = client();
    await assert.rejects(c.getToken({ resource: API.globex }), { error: 'invalid_target' });
    const start = await issued();
    await assert.rejects(c.getToken({ resource: API.globex }), { error: 'invalid_target' });
    assert.ok((await c.getToken({ resource: API.acmeOrders })).accessToken);
    assert.equal(await issued(), start + 1);
  });
});

describe('retry on 401 invalid_token (RFC 6750 §3.1, RFC 8705 §6.3)', () => {
  test('a revoked token refused by an introspecting guard is dropped; the call is retried once with a new token and succeeds', async () => {
    const rs = await credentials('acme-rs');
    const introspecting = createGuard({
      issuer: h.issuer,
      ca: a.ca,
      audience: API.acmeOrders,
      introspection: { clientId: 'acme-rs', cert: rs.cert, key: rs.key, cacheSeconds: 0 },
    });
    closers.push(() => introspecting.close());
    const seen: string[] = [];
    const guarded = withGuard(introspecting, (_req, res, auth) => res.end(String(auth.claims.jti)));
    const revocable = await rawApi(async (req, res) => {
      seen.push(String(req.headers.authorization));
      await guarded(req, res);
    });
    const c = client({ resource: API.acmeOrders });
    const start = await issued();
    const first = await c.getToken();
    const revoked = await send(`${h.issuer}/revoke`, { ca: a.ca, identity: a, form: { client_id: 'acme-a', token: first.accessToken } });
    assert.equal(revoked.status, 200);

    const res = await c.fetch(`${revocable.url}/orders`);
    assert.equal(res.status, 200);
    const second = await c.getToken();
    assert.notEqual(second.accessToken, first.accessToken);
    assert.equal(await res.text(), jwtPayload(second.accessToken)['jti']);
    assert.deepEqual(seen, [`Bearer ${first.accessToken}`, `Bearer ${second.accessToken}`]);
    assert.equal(await issued(), start + 2);
  });

  test('no retry loop: an API that always answers 401 invalid_token gets exactly two attempts, and the 401 is returned', async () => {
    const seen: string[] = [];
    const bodies: string[] = [];
    // RFC 9110 §11.2: an auth-param value is a token or a quoted-string; both spellings are a refusal.
    let challenge = 'Bearer realm="orders", error="invalid_token", error_description="no"';
    const refusing = await rawApi(async (req, res) => {
      seen.push(String(req.headers.authorization));
      bodies.push(await text(req));
      res.writeHead(401, { 'www-authenticate': challenge }).end('{"error":"invalid_token"}');
    });
    const c = client();
    const start = await issued();
    const res = await c.fetch(`${refusing.url}/orders`, { method: 'PUT', body: 'same body twice' });
    assert.equal(res.status, 401);
    assert.equal(await res.text(), '{"error":"invalid_token"}');
    assert.equal(seen.length, 2);
    assert.notEqual(seen[0], seen[1], 'the retry carries a new token');
    assert.deepEqual(bodies, ['same body twice', 'same body twice']);
    assert.equal(await issued(), start + 2);

    challenge = 'Bearer error=invalid_token,realm="orders"';
    const unquoted = await c.fetch(`${refusing.url}/orders`);
    assert.equal(unquoted.status, 401);
    await unquoted.body?.cancel();
    assert.equal(seen.length, 4);
    assert.equal(await issued(), start + 3, 'the token the first call ended with was refused, and replaced once');
  });

  test('only invalid_token is retried: a bare 401 challenge, a 403 insufficient_scope and a 401 with a streamed body are returned as they are', async () => {
    let hits = 0;
    let answer: { status: number; challenge: string } = { status: 401, challenge: 'Bearer realm="orders"' };
    const other = await rawApi((req, res) => {
      hits++;
      req.resume();
      res.writeHead(answer.status, { 'www-authenticate': answer.challenge }).end();
    });
    const c = client();
    assert.equal((await c.fetch(`${other.url}/`)).status, 401);
    assert.equal(hits, 1);
    answer = { status: 403, challenge: 'Bearer realm="orders", error="insufficient_scope", scope="orders:write"' };
    assert.equal((await c.fetch(`${other.url}/`)).status, 403);
    assert.equal(hits, 2);
    // A stream cannot be sent twice: the refusal is the caller's to handle.
    answer = { status: 401, challenge: 'Bearer realm="orders", error="invalid_token"' };
    const body = new ReadableStream({ start: (ctl) => (ctl.enqueue(new TextEncoder().encode('once')), ctl.close()) });
    assert.equal((await c.fetch(`${other.url}/`, { method: 'POST', body, duplex: 'half' })).status, 401);
    assert.equal(hits, 3);
  });
});

describe('certificate rotation (RFC 8705 §6.3, checklist 53)', () => {
  test('new certificate files on disk are used without a restart: a new token bound to the new certificate, accepted by the API', async (t) => {
    // The files are checked at most once a second by the client's clock (Date): advanced here, not waited for.
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const dir = await tempDir();
    const files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), ca: join(dir, 'ca.pem') };
    await Promise.all([copyFile(a.files.cert, files.cert), copyFile(a.files.key, files.key), copyFile(a.files.ca, files.ca)]);
    const c = client(files);
    const old = await c.getToken();
    assert.equal(cnfOf(old.accessToken), thumbprintOf(a.cert));
    const previous = await c.fetch(`${api.url}/orders`);
    assert.equal(((await previous.json()) as Record<string, unknown>)['thumbprint'], thumbprintOf(a.cert));

    const renewed = await issueCertificate(await authority('acme'), { subject: 'CN=acme-a,O=acme', usage: 'client' });
    await writeFile(files.cert, renewed.certPem);
    await writeFile(files.key, pkcs8ToPem(renewed.keyPkcs8!));
    t.mock.timers.tick(1_000);

    const fresh = await c.getToken();
    assert.notEqual(fresh.accessToken, old.accessToken);
    assert.equal(cnfOf(fresh.accessToken), thumbprintOf(renewed.certPem));
    assert.notEqual(thumbprintOf(renewed.certPem), thumbprintOf(a.cert));
    const res = await c.fetch(`${api.url}/orders`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body['thumbprint'], thumbprintOf(renewed.certPem), 'the API sees the new certificate (a new connection)');
    assert.equal(body['jti'], jwtPayload(fresh.accessToken)['jti']);
  });
});

describe('typed errors', () => {
  const rejectsWith = async (promise: Promise<unknown>, error: string, status: number, type: new (...args: never[]) => OAuthError = OAuthError) => {
    const err = await promise.then(
      () => assert.fail(`expected ${error}`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof type, `got ${String(err)}`);
    assert.equal(err.error, error);
    assert.equal(err.status, status);
    assert.doesNotMatch(err.message, /BEGIN|PRIVATE/, 'no PEM in the message');
  };

  test('RFC 6749 §5.2: an unknown client is OAuthError invalid_client, status 401', async () => {
    await rejectsWith(client({ clientId: 'nobody' }).getToken(), 'invalid_client', 401);
  });

  test('another partner\'s certificate for this client is invalid_client, status 401', async () => {
    const g = await credentials('globex-g');
    await rejectsWith(client({ cert: g.cert, key: g.key }).getToken(), 'invalid_client', 401);
  });

  test('RFC 8707 §2: a resource not granted to the client is OAuthError invalid_target, status 400', async () => {
    await rejectsWith(client().getToken({ resource: API.globex }), 'invalid_target', 400);
  });

  test('RFC 6749 §5.2: a scope not granted is invalid_scope, status 400, and fetch rejects with it', async () => {
    await rejectsWith(client().fetch(`${api.url}/orders`, { scope: 'payroll:admin' }), 'invalid_scope', 400);
  });

  test('a token service that is down is TemporarilyUnavailable (temporarily_unavailable, 503)', async () => {
    const port = await freePort();
    await rejectsWith(client({ issuer: `https://localhost:${port}` }).getToken(), 'temporarily_unavailable', 503, TemporarilyUnavailable);
  });

  test('a token service whose TLS certificate the client does not trust is TemporarilyUnavailable, 503', async () => {
    const other = await issueCertificate(await authority('acme'), { subject: 'CN=not the platform CA', usage: 'client' });
    await rejectsWith(client({ ca: other.certPem }).getToken(), 'temporarily_unavailable', 503, TemporarilyUnavailable);
  });
});

describe('RFC 8414 discovery and RFC 8705 §5 mtls_endpoint_aliases', () => {
  let metadata: Server;
  let url: string;
  let document: (issuer: string) => unknown;
  const requests: string[] = [];

  before(async () => {
    const tls = await serverCredentials();
    metadata = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      requests.push(`${req.method} ${req.url}`);
      if (req.method === 'POST' && req.url === '/token') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(tokenAnswer));
      if (req.url !== '/.well-known/oauth-authorization-server') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document(url)));
    });
    await new Promise<void>((resolve) => metadata.listen(0, '127.0.0.1', resolve));
    url = `https://localhost:${(metadata.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => (metadata.closeAllConnections(), metadata.close(() => resolve()))));

  /** What this server's own /token answers. */
  let tokenAnswer: Record<string, unknown> = {};

  test('RFC 6749 §7.1: a token of a type the client does not understand (DPoP, none) is not used: OAuthError server_error, 502', async () => {
    await serve({ issuer: 'ISSUER', token_endpoint: 'ISSUER/token', jwks_uri: 'WORLD/jwks' });
    for (const answer of [{ access_token: 'x', token_type: 'DPoP', expires_in: 60 }, { access_token: 'x', expires_in: 60 }, { token_type: 'Bearer' }]) {
      tokenAnswer = answer;
      const err = await client({ issuer: url }).getToken().then(() => assert.fail(`accepted ${JSON.stringify(answer)}`), (e: unknown) => e);
      assert.ok(err instanceof OAuthError, JSON.stringify(answer));
      assert.equal(err.error, 'server_error');
      assert.equal(err.status, 502);
    }
  });

  test('checklist 45 (MUST): a token endpoint alias that is not an https URL fails closed (503); the non-mTLS endpoint is never used', async () => {
    await serve({ issuer: 'ISSUER', token_endpoint: 'WORLD/token', jwks_uri: 'WORLD/jwks', mtls_endpoint_aliases: { token_endpoint: 'PLAIN/token' } });
    const start = await issued();
    const err = await client({ issuer: url }).getToken().then(() => assert.fail('a malformed alias was ignored'), (e: unknown) => e);
    assert.ok(err instanceof TemporarilyUnavailable);
    assert.equal(await issued(), start);
  });

  /** Metadata served for the issuer `url`, with `CLOSED` replaced by the URL of a port nobody listens on. */
  const serve = async (doc: Record<string, unknown>) => {
    const closed = `https://localhost:${await freePort()}`;
    const text = JSON.stringify(doc).replaceAll('CLOSED', closed).replaceAll('WORLD', h.issuer).replaceAll('PLAIN', h.issuer.replace('https:', 'http:'));
    document = (issuer) => JSON.parse(text.replaceAll('ISSUER', issuer)) as unknown;
    requests.length = 0;
  };

  test('checklist 45: the token request goes to mtls_endpoint_aliases.token_endpoint, not the top-level token_endpoint; checklist 47: an "issuer" inside the aliases is ignored', async () => {
    await serve({
      issuer: 'ISSUER',
      token_endpoint: 'CLOSED/token',
      jwks_uri: 'WORLD/jwks',
      mtls_endpoint_aliases: { token_endpoint: 'WORLD/token', issuer: 'https://mix-up.example' },
    });
    const token = await client({ issuer: url }).getToken();
    assert.equal(cnfOf(token.accessToken), thumbprintOf(a.cert));
    assert.equal(jwtPayload(token.accessToken)['iss'], h.issuer, 'issued by the alias, the world\'s token service');
    assert.deepEqual(requests, ['GET /.well-known/oauth-authorization-server']);
  });

  test('checklist 46: with no alias for the token endpoint, the top-level token_endpoint is used', async () => {
    for (const aliases of [undefined, { introspection_endpoint: 'CLOSED/introspect' }]) {
      await serve({ issuer: 'ISSUER', token_endpoint: 'WORLD/token', jwks_uri: 'WORLD/jwks', ...(aliases ? { mtls_endpoint_aliases: aliases } : {}) });
      const token = await client({ issuer: url }).getToken();
      assert.equal(jwtPayload(token.accessToken)['iss'], h.issuer, JSON.stringify(aliases));
    }
  });

  test('RFC 8414 §3.3: metadata naming another issuer is refused (mix-up defence) as TemporarilyUnavailable, 503, and no token is asked for', async () => {
    await serve({ issuer: 'WORLD', token_endpoint: 'WORLD/token', jwks_uri: 'WORLD/jwks' });
    const start = await issued();
    const err = await client({ issuer: url }).getToken().then(() => assert.fail('metadata of another issuer was accepted'), (e: unknown) => e);
    assert.ok(err instanceof TemporarilyUnavailable);
    assert.equal(err.error, 'temporarily_unavailable');
    assert.equal(err.status, 503);
    assert.equal(await issued(), start);
  });

  test('metadata that is missing or not an object is TemporarilyUnavailable, 503', async () => {
    for (const doc of [['not', 'an', 'object'], { issuer: 'ISSUER', token_endpoint: 'WORLD/token' }]) {
      await serve(doc as unknown as Record<string, unknown>);
      await assert.rejects(client({ issuer: url }).getToken(), { error: 'temporarily_unavailable', status: 503 });
    }
  });

  test('RFC 8414 §3.1: for an issuer with a path, the metadata is read from /.well-known/oauth-authorization-server/<path>', async () => {
    await serve({ issuer: 'ISSUER/tenant', token_endpoint: 'WORLD/token', jwks_uri: 'WORLD/jwks' });
    const route = '/.well-known/oauth-authorization-server/tenant';
    const pathful = await rawApi((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      if (req.url !== route) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document(pathful.url)));
    });
    const token = await client({ issuer: `${pathful.url}/tenant` }).getToken();
    assert.equal(jwtPayload(token.accessToken)['iss'], h.issuer);
    assert.deepEqual(requests, [`GET ${route}`]);
  });
});
