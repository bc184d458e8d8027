import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseBasicAuthorization } from '../../src/core/auth-header.ts';
import { InvalidRequest } from '../../src/core/errors.ts';

const isInvalidRequest = (err: unknown): boolean =>
  err instanceof InvalidRequest && err.status === 400 && err.error === 'invalid_request';

/** RFC 6749 Appendix B: each part is application/x-www-form-urlencoded, then the pair is base64'd. */
function basic(clientId: string, secret: string, scheme = 'Basic'): string {
  const enc = (s: string) => new URLSearchParams({ v: s }).toString().slice(2);
  return `${scheme} ${Buffer.from(`${enc(clientId)}:${enc(secret)}`, 'utf8').toString('base64')}`;
}
const raw = (text: string, scheme = 'Basic') => `${scheme} ${Buffer.from(text, 'utf8').toString('base64')}`;
// Characters the form decoder refuses after decoding: C0 controls except HTAB, and DEL.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

describe('parseBasicAuthorization', () => {
  test('RFC 6749 §2.3.1: reads client_id and client_secret from Basic credentials', () => {
    assert.deepEqual(parseBasicAuthorization(basic('acme-basic', 's3cret')), { clientId: 'acme-basic', clientSecret: 's3cret' });
  });

  test('RFC 6749 Appendix B: a secret with :, %, + and a space survives form-encoding', () => {
    const secret = 'a:b%c+d e/f=g&h';
    const header = basic('client:one', secret);
    assert.ok(Buffer.from(header.slice(6), 'base64').toString().startsWith('client%3Aone:'), 'the : in the id is encoded');
    assert.deepEqual(parseBasicAuthorization(header), { clientId: 'client:one', clientSecret: secret });
  });

  test('RFC 6749 Appendix B: an unencoded + decodes as a space, and the first : separates id from secret', () => {
    assert.deepEqual(parseBasicAuthorization(raw('id:x+y')), { clientId: 'id', clientSecret: 'x y' });
    assert.deepEqual(parseBasicAuthorization(raw('id:a:b')), { clientId: 'id', clientSecret: 'a:b' });
  });

  test('RFC 9110 §11.1: the scheme name is case-insensitive and surrounding whitespace is ignored', () => {
    const expected = { clientId: 'c', clientSecret: 's' };
    assert.deepEqual(parseBasicAuthorization(basic('c', 's', 'basic')), expected);
    assert.deepEqual(parseBasicAuthorization(basic('c', 's', 'BASIC')), expected);
    assert.deepEqual(parseBasicAuthorization(`  ${basic('c', 's')}  `), expected);
    assert.deepEqual(parseBasicAuthorization(basic('c', 's').replace(' ', '   ')), expected);
  });

  test('another scheme is not Basic credentials: undefined', () => {
    for (const header of ['Bearer abc.def.ghi', 'DPoP abc', 'Digest username="a"', 'Basically abc', '', 'Negotiate']) {
      assert.equal(parseBasicAuthorization(header), undefined, header);
    }
  });

  test('malformed Basic credentials are invalid_request', () => {
    for (const header of [
      'Basic',
      'Basic ',
      'Basic !!!!',
      'Basic abc',
      'Basic YWJj=',
      'Basic YW=Jj',
      raw('no-colon'),
      raw(':secret'),
      raw('id:'),
      raw(':'),
      raw('id%zz:secret'),
      raw('id:sec%'),
      raw('id:a%0Ab'),
      `${basic('c', 's')} extra`,
      `Basic ${Buffer.from('c:s').toString('base64')} ${Buffer.from('d:t').toString('base64')}`,
    ]) {
      assert.throws(() => parseBasicAuthorization(header), isInvalidRequest, header);
    }
  });

  test('round-trips any client id and secret encoded as Appendix B says', () => {
    const part = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((s) => !CONTROL.test(s));
    fc.assert(
      fc.property(part, part, (id, secret) => {
        assert.deepEqual(parseBasicAuthorization(basic(id, secret)), { clientId: id, clientSecret: secret });
      }),
    );
  });

  test('never throws anything but invalid_request, whatever the header', () => {
    const header = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.string({ unit: 'binary-ascii', maxLength: 60 }).map((s) => raw(s)),
      fc.string({ maxLength: 60 }).map((s) => `Basic ${s}`),
    );
    fc.assert(
      fc.property(header, (h) => {
        try {
          const out = parseBasicAuthorization(h);
          if (out) assert.ok(out.clientId !== '' && out.clientSecret !== '');
        } catch (err) {
          assert.ok(isInvalidRequest(err), String(err));
        }
      }),
      { numRuns: 500 },
    );
  });
});
