// RFC 8414 metadata with the RFC 8705 members, the JWKS, and the operational endpoints.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import { credentials, startWorld, type Credentials, type Harness } from '../helpers/world.ts';
import { startMetricsListener } from '../../src/server/metrics-listener.ts';
import { jwtHeader, send } from '../helpers/https.ts';

let h: Harness;
let a: Credentials;
let metadata: Record<string, unknown>;

before(async () => {
  h = await startWorld();
  a = await credentials('acme-a');
  const res = await send(`${h.issuer}/.well-known/oauth-authorization-server`, { ca: a.ca });
  assert.equal(res.status, 200, res.text);
  metadata = res.json!;
});
after(() => h.close());

/** The private members of EC, RSA and symmetric JWKs. @see https://www.rfc-editor.org/rfc/rfc7518#section-6 */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

describe('GET /.well-known/oauth-authorization-server', () => {
  test('RFC 8414 §3.3: issuer is exactly the configured issuer, served as JSON without a client certificate', async () => {
    assert.equal(h.issuer, `https://localhost:${h.service.port}`);
    assert.equal(metadata['issuer'], h.issuer);
    const res = await send(`${h.issuer}/.well-known/oauth-authorization-server`, { ca: a.ca });
    assert.match(String(res.headers['content-type']), /^application\/json/);
  });

  test('RFC 8414 §2: the endpoints are the issuer\'s, and each one answers', async () => {
    assert.equal(metadata['token_endpoint'], `${h.issuer}/token`);
    assert.equal(metadata['introspection_endpoint'], `${h.issuer}/introspect`);
    assert.equal(metadata['revocation_endpoint'], `${h.issuer}/revoke`);
    assert.equal(metadata['jwks_uri'], `${h.issuer}/jwks`);
    assert.deepEqual(metadata['grant_types_supported'], ['client_credentials']);
    for (const name of ['token_endpoint', 'introspection_endpoint', 'revocation_endpoint']) {
      // An anonymous POST reaches the endpoint and is refused there, not at the router.
      const res = await send(String(metadata[name]), { ca: a.ca, form: { grant_type: 'client_credentials', token: 'x' } });
      assert.equal(res.status, 401, `${name}: ${res.text}`);
      assert.equal(res.json?.['error'], 'invalid_client');
    }
    assert.equal((await send(String(metadata['jwks_uri']), { ca: a.ca })).status, 200);
  });

  test('IL-08 / RFC 8414 §2: token_endpoint_auth_methods_supported lists exactly the four methods', () => {
    const expected = ['client_secret_basic', 'client_secret_post', 'self_signed_tls_client_auth', 'tls_client_auth'];
    for (const name of ['token_endpoint_auth_methods_supported', 'introspection_endpoint_auth_methods_supported', 'revocation_endpoint_auth_methods_supported']) {
      assert.ok(Array.isArray(metadata[name]), name);
      assert.deepEqual([...(metadata[name] as string[])].sort(), expected, name);
    }
  });

  test('RFC 8705 §3.3: tls_client_certificate_bound_access_tokens is true', () => {
    assert.equal(metadata['tls_client_certificate_bound_access_tokens'], true);
  });

  test('RFC 8705 §5: mtls_endpoint_aliases names absolute https URLs for token, introspection and revocation', () => {
    const aliases = metadata['mtls_endpoint_aliases'] as Record<string, unknown>;
    assert.equal(typeof aliases, 'object');
    for (const name of ['token_endpoint', 'introspection_endpoint', 'revocation_endpoint']) {
      const value = String(aliases[name]);
      assert.ok(URL.canParse(value), `${name} is an absolute URL: ${value}`);
      assert.equal(new URL(value).protocol, 'https:');
      // One listener serves mTLS and other clients, so the alias is the endpoint itself.
      assert.equal(value, metadata[name]);
    }
  });
});

describe('GET /jwks', () => {
  test('RFC 7517 §5: the JWKS holds public ES256 keys only, each with a kid', async () => {
    const res = await send(`${h.issuer}/jwks`, { ca: a.ca });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/jwk-set\+json/);
    const keys = res.json?.['keys'] as JWK[];
    assert.ok(Array.isArray(keys) && keys.length > 0);
    for (const key of keys) {
      assert.equal(typeof key.kid, 'string');
      assert.ok(key.kid!.length > 0);
      assert.equal(key.alg, 'ES256');
      assert.equal(key.kty, 'EC');
      assert.equal(key.crv, 'P-256');
      for (const member of PRIVATE_MEMBERS) assert.equal(member in key, false, `no private member '${member}'`);
    }
    assert.equal(new Set(keys.map((k) => k.kid)).size, keys.length, 'kids are distinct');
  });

  test('RFC 9068 §4: an issued token\'s kid is in the JWKS and the token verifies against it', async () => {
    const issued = await send(`${h.issuer}/token`, { ca: a.ca, identity: a, form: { grant_type: 'client_credentials', client_id: 'acme-a' } });
    assert.equal(issued.status, 200, issued.text);
    const token = String(issued.json?.['access_token']);
    const jwks = (await send(`${h.issuer}/jwks`, { ca: a.ca })).json as { keys: JWK[] };
    assert.ok(jwks.keys.some((k) => k.kid === jwtHeader(token)['kid']));
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: String(metadata['issuer']), typ: 'at+jwt', algorithms: ['ES256'] });
    assert.equal(payload['client_id'], 'acme-a');
    assert.equal(protectedHeader.kid, jwtHeader(token)['kid']);
  });
});

describe('operational endpoints', () => {
  test('/healthz and /readyz answer 200', async () => {
    const health = await send(`${h.issuer}/healthz`, { ca: a.ca });
    assert.equal(health.status, 200);
    assert.deepEqual(health.json, { status: 'ok' });
    const ready = await send(`${h.issuer}/readyz`, { ca: a.ca });
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.json, { status: 'ready' });
  });

  test('/metrics (on the metrics listener) counts issued tokens and OAuth errors in Prometheus format; only the certificate expiry gauge names a partner or client', async () => {
    const listener = await startMetricsListener({ registry: h.service.metrics.registry, port: 0 });
    after(() => listener.close());
    const scrape = async () => {
      const res = await fetch(listener.url);
      return { status: res.status, headers: { 'content-type': res.headers.get('content-type') }, text: await res.text() };
    };
    const metricsOf = async () => (await scrape()).text;
    const count = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    const before = await metricsOf();
    const form = { grant_type: 'client_credentials', client_id: 'acme-a' };
    assert.equal((await send(`${h.issuer}/token`, { ca: a.ca, identity: a, form })).status, 200);
    assert.equal((await send(`${h.issuer}/token`, { ca: a.ca, form })).status, 401);
    const res = await scrape();
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.equal(count(res.text, 'certbound_tokens_issued_total'), count(before, 'certbound_tokens_issued_total') + 1);
    const invalidClient = 'certbound_oauth_errors_total{endpoint="/token",error="invalid_client"}';
    assert.equal(count(res.text, invalidClient), count(before, invalidClient) + 1);
    assert.match(res.text, /^certbound_request_duration_seconds_bucket\{/m);
    // The operator's certificate expiry gauge names CAs and clients by design (docs/operations.md); no request metric does.
    const others = res.text.split('\n').filter((line) => !line.startsWith('certbound_certificate_expiry_seconds{')).join('\n');
    for (const name of ['acme', 'globex']) assert.ok(!others.includes(name), `metrics mention ${name}`);
  });

  test('an unknown path is 404 with a JSON body and no framework banner', async () => {
    for (const path of ['/nope', '/token/extra', '/.well-known/openid-configuration']) {
      const res = await send(`${h.issuer}${path}`, { ca: a.ca });
      assert.equal(res.status, 404, path);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.equal(typeof res.json?.['error'], 'string');
      assert.equal(res.headers['x-powered-by'], undefined);
    }
  });
});

test('RFC 8414 §2: an issuer with a path, query or fragment, or not https, is refused at start', async () => {
  const { startTokenService } = await import('../../src/server/service.ts');
  for (const issuer of ['https://localhost:1/tenant', 'https://localhost:1/?x=1', 'https://localhost:1?', 'https://localhost:1/#f', 'https://u:p@localhost:1', 'http://localhost:1']) {
    await assert.rejects(
      // The store is never reached: the issuer is checked first.
      startTokenService({ issuer, store: undefined as never, port: 0, logger: false }),
      (err: NodeJS.ErrnoException) => err.code === 'ERR_INVALID_ARG_VALUE',
      issuer,
    );
  }
});
