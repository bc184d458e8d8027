import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { InsufficientScope, InvalidClient, InvalidRequest, InvalidToken } from '../../src/core/errors.ts';
import { basicChallenge, bearerChallenge } from '../../src/core/www-authenticate.ts';

/**
 * Parses one challenge per RFC 9110 §11.3 (auth-scheme 1*SP auth-param *(OWS "," OWS auth-param),
 * every value a quoted-string), written here independently of certbound: null when malformed.
 */
function parseChallenge(header: string): { scheme: string; params: Record<string, string> } | null {
  const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?: +(.*))?$/s.exec(header);
  if (!m) return null;
  const params: Record<string, string> = {};
  let rest = m[2] ?? '';
  const param = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)="((?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*)"/;
  while (rest !== '') {
    const p = param.exec(rest);
    if (!p) return null;
    params[p[1]!] = p[2]!.replace(/\\(.)/g, '$1');
    rest = rest.slice(p[0].length);
    if (rest === '') break;
    const sep = /^[ \t]*,[ \t]*/.exec(rest);
    if (!sep) return null;
    rest = rest.slice(sep[0].length);
  }
  return { scheme: m[1]!, params };
}

// RFC 6750 §3: error and error_description are limited to %x20-21 / %x23-5B / %x5D-7E;
// scope to %x21 / %x23-5B / %x5D-7E and spaces.
const RFC6750_VALUE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const printable = (s: string) => s.replace(/[^\x20-\x7e]/g, '');
// One character: often one the quoting must deal with, else any code point.
const CHAR = fc.oneof(
  fc.constantFrom('"', '\\', '\r', '\n', '\t', '\x7f', 'é', ','),
  fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);

describe('basicChallenge', () => {
  test('RFC 6749 §5.2: invalid_client is answered with a Basic challenge naming the realm', () => {
    assert.equal(basicChallenge('https://localhost:8443'), 'Basic realm="https://localhost:8443"');
    assert.deepEqual(parseChallenge(basicChallenge('https://as.example/t')), { scheme: 'Basic', params: { realm: 'https://as.example/t' } });
  });

  test('RFC 9110 §5.6.4: a quote or backslash in the realm is escaped as a quoted-pair', () => {
    const header = basicChallenge('a"b\\c');
    assert.equal(header, 'Basic realm="a\\"b\\\\c"');
    assert.equal(parseChallenge(header)?.params['realm'], 'a"b\\c');
  });

  test('CR, LF and other characters that cannot appear in a header are dropped, so no header can be injected', () => {
    const header = basicChallenge('x\r\nSet-Cookie: a=b\u0000é');
    assert.ok(!/[\r\n\0]/.test(header));
    assert.equal(parseChallenge(header)?.params['realm'], 'xSet-Cookie: a=b');
  });
});

describe('bearerChallenge', () => {
  test('RFC 6750 §3: a request without a token gets a challenge without an error', () => {
    assert.equal(bearerChallenge('https://api.example/'), 'Bearer realm="https://api.example/"');
  });

  test('RFC 6750 §3: an invalid token gets error="invalid_token" and its description', () => {
    const header = bearerChallenge('api', new InvalidToken('the token has expired'));
    assert.equal(header, 'Bearer realm="api", error="invalid_token", error_description="the token has expired"');
  });

  test('RFC 6750 §3.1: insufficient_scope names the scope needed', () => {
    const parsed = parseChallenge(bearerChallenge('api', new InsufficientScope('orders:write orders:read')));
    assert.deepEqual(parsed, {
      scheme: 'Bearer',
      params: {
        realm: 'api',
        error: 'insufficient_scope',
        error_description: 'the access token lacks a required scope',
        scope: 'orders:write orders:read',
      },
    });
  });

  test('RFC 6750 §3: only insufficient_scope carries a scope attribute', () => {
    assert.ok(!('scope' in (parseChallenge(bearerChallenge('api', new InvalidRequest('bad')))?.params ?? {})));
  });

  test('RFC 6750 §3: error_description never carries a double quote or a backslash, which the RFC forbids even escaped', () => {
    const header = bearerChallenge('api', new InvalidToken('bad "kid" \\ here'));
    const description = parseChallenge(header)?.params['error_description'];
    assert.equal(description, 'bad kid  here');
  });

  test('RFC 9110 §11.3 / RFC 6750 §3: any realm and description give one well-formed challenge with legal values', () => {
    fc.assert(
      fc.property(fc.string({ unit: CHAR, maxLength: 40 }), fc.string({ unit: CHAR, maxLength: 60 }), fc.boolean(), (realm, description, scoped) => {
        const error = scoped ? new InsufficientScope('a b', description) : new InvalidToken(description);
        const parsed = parseChallenge(bearerChallenge(realm, error));
        assert.ok(parsed, 'parses');
        assert.equal(parsed.scheme, 'Bearer');
        assert.equal(parsed.params['realm'], printable(realm));
        assert.equal(parsed.params['error'], error.error);
        const got = parsed.params['error_description'] ?? '';
        assert.ok(RFC6750_VALUE.test(got), JSON.stringify(got));
        assert.equal(got, printable(description).replace(/["\\]/g, ''));
        assert.equal(parsed.params['scope'], scoped ? 'a b' : undefined);
      }),
    );
  });

  test('RFC 6749 §5.2: an invalid_client error rendered as a Bearer challenge still parses', () => {
    assert.ok(parseChallenge(bearerChallenge('x', new InvalidClient('unknown client'))));
  });
});
