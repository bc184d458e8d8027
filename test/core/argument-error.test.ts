import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invalidArgValue, outOfRange } from '../../src/core/argument-error.ts';
import { ARGUMENT_ERROR_CODES } from '../../src/core/error-codes.ts';
import { parseCidr } from '../../src/core/cidr.ts';

test('a bad argument value is a TypeError with code ERR_INVALID_ARG_VALUE, keeping its cause', () => {
  const cause = new Error('inner');
  const err = invalidArgValue('issuer must be a URL', cause);
  assert.ok(err instanceof TypeError);
  assert.equal(err.code, 'ERR_INVALID_ARG_VALUE');
  assert.equal(err.message, 'issuer must be a URL');
  assert.equal(err.cause, cause);
  assert.equal('cause' in invalidArgValue('no cause'), false);
});

test('a number out of its range is a RangeError with code ERR_OUT_OF_RANGE', () => {
  const err = outOfRange('days must be a positive number');
  assert.ok(err instanceof RangeError);
  assert.equal(err.code, 'ERR_OUT_OF_RANGE');
});

test('both codes are in the catalogue docs/errors.md is checked against', () => {
  assert.ok(Object.hasOwn(ARGUMENT_ERROR_CODES, invalidArgValue('x').code));
  assert.ok(Object.hasOwn(ARGUMENT_ERROR_CODES, outOfRange('x').code));
});

test('core parsers raise it: parseCidr on a malformed range', () => {
  assert.throws(() => parseCidr('10.0.0.0/33'), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: 'not an IP address or CIDR range' });
});
