import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  InsufficientScope,
  InvalidClient,
  InvalidClientMetadata,
  InvalidRequest,
  InvalidScope,
  InvalidTarget,
  InvalidToken,
  MissingToken,
  OAuthError,
  ServerError,
  TemporarilyUnavailable,
  UnsupportedGrantType,
  toOAuthError,
} from '../../src/core/errors.ts';

// Error code and HTTP status of each class, from the RFC that defines the code.
const CATALOGUE: ReadonlyArray<readonly [string, () => OAuthError, string, number]> = [
  ['RFC 6749 §5.2', () => new InvalidRequest(), 'invalid_request', 400],
  ['RFC 6749 §5.2', () => new InvalidClient('unknown client'), 'invalid_client', 401],
  ['RFC 6749 §5.2', () => new UnsupportedGrantType(), 'unsupported_grant_type', 400],
  ['RFC 6749 §5.2', () => new InvalidScope(), 'invalid_scope', 400],
  ['RFC 8707 §2', () => new InvalidTarget(), 'invalid_target', 400],
  ['RFC 6750 §3.1', () => new InvalidToken(), 'invalid_token', 401],
  ['RFC 6750 §3.1', () => new MissingToken(), 'invalid_token', 401],
  ['RFC 6750 §3.1', () => new InsufficientScope('orders:write'), 'insufficient_scope', 403],
  ['RFC 6749 §4.1.2.1', () => new TemporarilyUnavailable(), 'temporarily_unavailable', 503],
  ['RFC 6749 §4.1.2.1', () => new ServerError(), 'server_error', 500],
  ['RFC 7591 §3.2.2', () => new InvalidClientMetadata('bad metadata'), 'invalid_client_metadata', 400],
];

describe('OAuth errors', () => {
  for (const [rfc, make, code, status] of CATALOGUE) {
    test(`${rfc}: ${make().constructor.name} is ${code}, answered with ${status}`, () => {
      const err = make();
      assert.ok(err instanceof OAuthError);
      assert.ok(err instanceof Error);
      assert.equal(err.error, code);
      assert.equal(err.status, status);
      assert.equal(err.name, err.constructor.name);
      assert.equal(typeof err.error_description, 'string');
      assert.ok(err.error_description.length > 0, 'every class has a default description');
      assert.equal(err.message, err.error_description);
    });
  }

  test('RFC 6749 §5.2: toJSON of a 4xx error gives error and error_description', () => {
    const err = new InvalidRequest('parameter client_id is repeated');
    assert.deepEqual(err.toJSON(), { error: 'invalid_request', error_description: 'parameter client_id is repeated' });
    assert.equal(JSON.stringify(err), '{"error":"invalid_request","error_description":"parameter client_id is repeated"}');
  });

  test('toJSON of a 5xx error hides its description', () => {
    for (const err of [new ServerError('database at 10.0.0.5 refused: password authentication failed'), new TemporarilyUnavailable('pool exhausted')]) {
      assert.deepEqual(err.toJSON(), { error: err.error });
      assert.ok(!JSON.stringify(err).includes(err.error_description));
    }
    assert.deepEqual(new OAuthError('custom_failure', 502, 'upstream detail').toJSON(), { error: 'custom_failure' });
  });

  test('RFC 6749 §5.2: invalid_client says the same whatever the reason, which is kept for logs only', () => {
    const unknown = new InvalidClient('no such client acme-x');
    const badSecret = new InvalidClient('secret mismatch');
    assert.deepEqual(unknown.toJSON(), badSecret.toJSON());
    assert.equal(unknown.reason, 'no such client acme-x');
    assert.ok(!JSON.stringify(unknown).includes('acme-x'));
    assert.ok(!unknown.message.includes('acme-x'));
  });

  test('insufficient_scope keeps the scope that is needed', () => {
    assert.equal(new InsufficientScope('orders:write').scope, 'orders:write');
  });

  test('a cause given to an error is kept', () => {
    const cause = new Error('root');
    assert.equal(new InvalidRequest('bad', { cause }).cause, cause);
    assert.equal(new InvalidClient('why', { cause }).cause, cause);
  });
});

describe('toOAuthError', () => {
  test('passes an OAuthError through unchanged', () => {
    const err = new InvalidScope();
    assert.equal(toOAuthError(err), err);
  });

  test('wraps anything else as a server_error that says nothing about it', () => {
    for (const thrown of [new Error('connection to 10.0.0.5 failed'), 'a string', undefined, { secret: 'x' }]) {
      const err = toOAuthError(thrown);
      assert.ok(err instanceof ServerError);
      assert.equal(err.status, 500);
      assert.equal(err.cause, thrown);
      assert.deepEqual(err.toJSON(), { error: 'server_error' });
    }
  });
});
