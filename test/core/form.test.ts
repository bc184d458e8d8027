import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { InvalidRequest } from '../../src/core/errors.ts';
import { decodeFormComponent, parseForm, single } from '../../src/core/form.ts';

const RESOURCE = new Set(['resource']);
const isInvalidRequest = (err: unknown): boolean =>
  err instanceof InvalidRequest && err.status === 400 && err.error === 'invalid_request';
const entries = (body: string, repeatable?: ReadonlySet<string>) => Object.fromEntries(parseForm(body, repeatable));
// Characters the parser refuses after decoding: C0 controls except HTAB, and DEL.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

describe('parseForm', () => {
  test('parses name=value pairs into single-valued parameters', () => {
    assert.deepEqual(entries('grant_type=client_credentials&client_id=acme-a'), {
      grant_type: ['client_credentials'],
      client_id: ['acme-a'],
    });
  });

  test('an empty body has no parameters', () => {
    assert.equal(parseForm('').size, 0);
    assert.equal(parseForm('&&').size, 0);
  });

  test('HTML form encoding: + is a space, %2B is a plus, UTF-8 percent escapes decode', () => {
    assert.deepEqual(entries('scope=orders%3Aread+orders%3Awrite&s=a%2Bb&n=%C3%A9%E2%82%AC'), {
      scope: ['orders:read orders:write'],
      s: ['a+b'],
      n: ['é€'],
    });
  });

  test('names are decoded too', () => {
    assert.deepEqual(entries('client%5Fid=x&a+b=y'), { client_id: ['x'], 'a b': ['y'] });
  });

  test('RFC 6749 §3.1: a parameter sent without a value is treated as omitted', () => {
    assert.deepEqual(entries('scope=&client_id=a&resource'), { client_id: ['a'] });
  });

  test('a value may itself contain =', () => {
    assert.deepEqual(entries('client_secret=a=b=='), { client_secret: ['a=b=='] });
  });

  test('RFC 6749 §3.2: a parameter given twice is invalid_request', () => {
    assert.throws(() => parseForm('client_id=a&client_id=a'), isInvalidRequest);
    assert.throws(() => parseForm('grant_type=client_credentials&scope=a&grant_type=x'), isInvalidRequest);
    assert.throws(() => parseForm('client%5Fid=a&client_id=b'), isInvalidRequest, 'the same name after decoding');
  });

  test('the repeated-parameter message names the parameter but never echoes unprintable or long names', () => {
    assert.throws(() => parseForm('client_id=a&client_id=b'), (err: unknown) => err instanceof InvalidRequest && err.message.includes('client_id'));
    const long = 'x'.repeat(200);
    assert.throws(() => parseForm(`${long}=1&${long}=2`), (err: unknown) => err instanceof InvalidRequest && !err.message.includes(long));
    assert.throws(() => parseForm('%C3%A9=1&%C3%A9=2'), (err: unknown) => err instanceof InvalidRequest && !err.message.includes('é'));
    assert.throws(() => parseForm('a"b=1&a"b=2'), (err: unknown) => err instanceof InvalidRequest && !err.message.includes('"'));
  });

  test('RFC 8707 §2: resource may be repeated when declared repeatable, keeping order', () => {
    assert.deepEqual(entries('resource=https%3A%2F%2Fb.example%2F&resource=https%3A%2F%2Fa.example%2F&client_id=x', RESOURCE), {
      resource: ['https://b.example/', 'https://a.example/'],
      client_id: ['x'],
    });
    assert.throws(() => parseForm('resource=a&resource=b'), isInvalidRequest, 'not repeatable unless declared');
    assert.throws(() => parseForm('resource=a&client_id=x&client_id=y', RESOURCE), isInvalidRequest);
  });

  test('malformed percent-encoding is invalid_request', () => {
    for (const body of ['a=%', 'a=%2', 'a=%zz', 'a=%C3', 'a=%E2%82', 'a=%FF', '%=1', 'a=100%']) {
      assert.throws(() => parseForm(body), isInvalidRequest, body);
    }
  });

  test('control characters, raw or escaped, are invalid_request; a tab is allowed', () => {
    for (const body of ['a=%00', 'a=x%0Ay', 'a=%0D', 'a=%7F', 'a=%1F', 'a=\x01', 'a\x00=1', '%0A=1']) {
      assert.throws(() => parseForm(body), isInvalidRequest, JSON.stringify(body));
    }
    assert.deepEqual(entries('a=x%09y'), { a: ['x\ty'] });
  });

  test('64 parameters are accepted; a 65th is invalid_request', () => {
    const pairs = (n: number) => Array.from({ length: n }, (_, i) => `p${i}=v`).join('&');
    assert.equal(parseForm(pairs(64)).size, 64);
    assert.throws(() => parseForm(pairs(65)), isInvalidRequest);
    assert.throws(() => parseForm('r=1&'.repeat(65), new Set(['r'])), isInvalidRequest, 'repeatable values count too');
  });

  test('round-trips what URLSearchParams encodes', () => {
    const name = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).filter((s) => !CONTROL.test(s));
    const value = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((s) => !CONTROL.test(s));
    fc.assert(
      fc.property(fc.dictionary(name, value, { maxKeys: 20 }), (dict) => {
        const body = new URLSearchParams(dict).toString();
        assert.deepEqual(entries(body), Object.fromEntries(Object.entries(dict).map(([k, v]) => [k, [v]])));
      }),
    );
  });

  test('never throws anything but invalid_request, whatever the body', () => {
    const body = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.array(fc.constantFrom('a', '=', '&', '%', '+', '2', 'F', 'C3', '%00', 'resource', 'é'), { maxLength: 80 }).map((p) => p.join('')),
    );
    fc.assert(
      fc.property(body, (b) => {
        try {
          const params = parseForm(b, RESOURCE);
          for (const [name, values] of params) {
            assert.ok(values.length >= 1);
            assert.ok(name === 'resource' || values.length === 1);
            for (const v of [name, ...values]) assert.ok(!CONTROL.test(v));
          }
        } catch (err) {
          assert.ok(isInvalidRequest(err), String(err));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('single', () => {
  test('returns the one value of a parameter, or undefined when absent', () => {
    const params = parseForm('client_id=a&resource=x&resource=y', RESOURCE);
    assert.equal(single(params, 'client_id'), 'a');
    assert.equal(single(params, 'resource'), 'x');
    assert.equal(single(params, 'scope'), undefined);
  });
});

describe('decodeFormComponent', () => {
  test('decodes + and percent escapes and refuses malformed ones', () => {
    assert.equal(decodeFormComponent('a+b%2Bc%25'), 'a b+c%');
    assert.throws(() => decodeFormComponent('%E0%A4%A'), isInvalidRequest);
    assert.throws(() => decodeFormComponent('%0D%0A'), isInvalidRequest);
  });
});
