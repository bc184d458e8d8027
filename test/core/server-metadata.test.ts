// RFC 8414 metadata as a client reads it: where it lives, the issuer check, and RFC 8705 §5
// mtls_endpoint_aliases (checklist 45–47).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TemporarilyUnavailable } from '../../src/core/errors.ts';
import { discoverEndpoints, metadataUrl, mtlsEndpoints, type MetadataResponse } from '../../src/core/server-metadata.ts';

const ISSUER = 'https://as.example';

describe('metadataUrl', () => {
  test('RFC 8414 §3.1: the well-known suffix goes between the host and the issuer\'s path, without a terminating slash', () => {
    assert.equal(metadataUrl('https://as.example'), 'https://as.example/.well-known/oauth-authorization-server');
    assert.equal(metadataUrl('https://as.example/'), 'https://as.example/.well-known/oauth-authorization-server');
    assert.equal(metadataUrl('https://as.example:8443'), 'https://as.example:8443/.well-known/oauth-authorization-server');
    assert.equal(metadataUrl('https://as.example/tenant/a'), 'https://as.example/.well-known/oauth-authorization-server/tenant/a');
    assert.equal(metadataUrl('https://as.example/tenant/'), 'https://as.example/.well-known/oauth-authorization-server/tenant');
  });
});

describe('mtlsEndpoints', () => {
  const base = { issuer: ISSUER, token_endpoint: `${ISSUER}/token`, jwks_uri: `${ISSUER}/jwks` };

  test('checklist 45: each endpoint is its mtls_endpoint_aliases entry when there is one', () => {
    const found = mtlsEndpoints(ISSUER, {
      ...base,
      introspection_endpoint: `${ISSUER}/introspect`,
      revocation_endpoint: `${ISSUER}/revoke`,
      mtls_endpoint_aliases: {
        token_endpoint: 'https://mtls.as.example/token',
        introspection_endpoint: 'https://mtls.as.example/introspect',
        revocation_endpoint: 'https://mtls.as.example/revoke',
      },
    });
    assert.deepEqual(found, {
      issuer: ISSUER,
      tokenEndpoint: 'https://mtls.as.example/token',
      jwksUri: `${ISSUER}/jwks`,
      introspectionEndpoint: 'https://mtls.as.example/introspect',
      revocationEndpoint: 'https://mtls.as.example/revoke',
    });
  });

  test('checklist 46: an endpoint absent from the aliases (or no aliases) is the top-level one', () => {
    for (const aliases of [undefined, null, 'nope', {}, { revocation_endpoint: 'https://mtls.as.example/revoke' }]) {
      const found = mtlsEndpoints(ISSUER, { ...base, mtls_endpoint_aliases: aliases });
      assert.equal(found?.tokenEndpoint, `${ISSUER}/token`, JSON.stringify(aliases));
    }
    // Checklist 45 (MUST): an alias that is present but not an https URL fails closed, never falls back to the non-mTLS endpoint.
    for (const token_endpoint of ['http://mtls.as.example/token', 42]) {
      assert.equal(mtlsEndpoints(ISSUER, { ...base, mtls_endpoint_aliases: { token_endpoint } }), undefined, String(token_endpoint));
    }
    assert.equal(mtlsEndpoints(ISSUER, base)?.introspectionEndpoint, undefined);
  });

  test('checklist 47: members of the aliases that are not endpoints (issuer, jwks_uri) have no effect', () => {
    const found = mtlsEndpoints(ISSUER, { ...base, mtls_endpoint_aliases: { issuer: 'https://evil.example', jwks_uri: 'https://evil.example/jwks' } });
    assert.equal(found?.issuer, ISSUER);
    assert.equal(found?.jwksUri, `${ISSUER}/jwks`);
    assert.equal(mtlsEndpoints('https://evil.example', { ...base, mtls_endpoint_aliases: { issuer: 'https://evil.example' } }), undefined);
  });

  test('RFC 8414 §3.3: metadata of another issuer, not an object, or without an https token endpoint or jwks_uri is refused', () => {
    for (const metadata of [
      null,
      [],
      'text',
      { ...base, issuer: `${ISSUER}/` },
      { ...base, issuer: undefined },
      { ...base, token_endpoint: undefined },
      { ...base, token_endpoint: 'http://as.example/token' },
      { ...base, jwks_uri: 'not a url' },
    ]) {
      assert.equal(mtlsEndpoints(ISSUER, metadata), undefined, JSON.stringify(metadata));
    }
  });
});

describe('discoverEndpoints (the fetch is the caller\'s; these answers stand in for it)', () => {
  const base = { issuer: ISSUER, token_endpoint: `${ISSUER}/token`, jwks_uri: `${ISSUER}/jwks` };
  const answer = (status: number, json: unknown) => {
    let cancelled = false;
    const res: MetadataResponse = { status, json: async () => json, body: { cancel: async () => void (cancelled = true) } };
    return { res, cancelled: () => cancelled };
  };

  test('RFC 8414 §3: asks the well-known URL and returns the mTLS endpoints', async () => {
    const asked: string[] = [];
    const found = await discoverEndpoints(ISSUER, async (url) => {
      asked.push(url);
      return answer(200, base).res;
    });
    assert.deepEqual(asked, [`${ISSUER}/.well-known/oauth-authorization-server`]);
    assert.equal(found.tokenEndpoint, `${ISSUER}/token`);
  });

  test('a non-200 answer is 503 temporarily_unavailable, and its body is released', async () => {
    const a = answer(404, {});
    await assert.rejects(discoverEndpoints(ISSUER, async () => a.res), (err: unknown) => err instanceof TemporarilyUnavailable && err.status === 503);
    assert.equal(a.cancelled(), true);
  });

  test('an unreachable service, or metadata of another issuer, is 503 temporarily_unavailable', async () => {
    await assert.rejects(discoverEndpoints(ISSUER, async () => Promise.reject(new TypeError('fetch failed'))), TemporarilyUnavailable);
    await assert.rejects(discoverEndpoints(ISSUER, async () => answer(200, { ...base, issuer: 'https://other.example' }).res), TemporarilyUnavailable);
  });
});
