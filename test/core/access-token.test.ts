import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { ACCESS_TOKEN_TYPE, accessTokenClaims, type AccessTokenInput } from '../../src/core/access-token.ts';
import type { Thumbprint } from '../../src/core/thumbprint.ts';

const THUMBPRINT = createHash('sha256').update('a certificate').digest('base64url') as Thumbprint;
const INPUT: AccessTokenInput = {
  issuer: 'https://as.example',
  clientId: 'acme-a',
  audience: 'https://api.acme.example/orders',
  scopes: ['orders:read', 'orders:write'],
  jti: 'b9f0c5d2-3c1e-4d0a-9a47-1f3f3c1d2e4f',
  now: 1_700_000_000,
  ttl: 600,
  thumbprint: THUMBPRINT,
};

describe('accessTokenClaims', () => {
  test('RFC 9068 §2.1: the JOSE typ of an access token is at+jwt', () => {
    assert.equal(ACCESS_TOKEN_TYPE, 'at+jwt');
  });

  test('RFC 9068 §2.2 / RFC 8705 §3.1: a client-credentials token carries iss, sub = client_id, aud, scope, jti, iat, exp and cnf', () => {
    assert.deepEqual(accessTokenClaims(INPUT), {
      iss: 'https://as.example',
      sub: 'acme-a',
      client_id: 'acme-a',
      aud: 'https://api.acme.example/orders',
      scope: 'orders:read orders:write',
      jti: 'b9f0c5d2-3c1e-4d0a-9a47-1f3f3c1d2e4f',
      iat: 1_700_000_000,
      exp: 1_700_000_600,
      cnf: { 'x5t#S256': THUMBPRINT },
    });
  });

  test('RFC 8705 §3: a token issued without a certificate has no cnf', () => {
    const { thumbprint: _, ...unbound } = INPUT;
    assert.equal('cnf' in accessTokenClaims(unbound), false);
    assert.equal('cnf' in accessTokenClaims({ ...INPUT, thumbprint: undefined }), false);
  });

  test('a token granted no scope has no scope claim rather than an empty one', () => {
    assert.equal('scope' in accessTokenClaims({ ...INPUT, scopes: [] }), false);
  });

  test('RFC 9068 §2.2: exp is iat plus the lifetime, in whole seconds, from the time passed in', () => {
    const claims = accessTokenClaims({ ...INPUT, now: 42, ttl: 1 });
    assert.equal(claims.iat, 42);
    assert.equal(claims.exp, 43);
  });

  test('serialises to a JSON object whose members are exactly the claims', () => {
    const json = JSON.parse(JSON.stringify(accessTokenClaims(INPUT))) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json).sort(), ['aud', 'client_id', 'cnf', 'exp', 'iat', 'iss', 'jti', 'scope', 'sub']);
  });
});
