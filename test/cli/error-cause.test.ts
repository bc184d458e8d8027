import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeCause } from '../../src/cli/error-cause.ts';

const coded = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('the cause a CLI error keeps', () => {
  test('a refused connection under "fetch failed" is named, with what to check', () => {
    const err = new TypeError('fetch failed', { cause: coded('connect ECONNREFUSED 127.0.0.1:9443', 'ECONNREFUSED') });
    assert.equal(describeCause(err), 'ECONNREFUSED: nothing listens there: is the service running, on that port?');
  });

  test('the deepest cause wins, through an AggregateError (both addresses of localhost refused)', () => {
    const agg = new AggregateError([coded('connect ECONNREFUSED ::1:8443', 'ECONNREFUSED')], 'all failed');
    const err = new Error('metadata is unavailable', { cause: new TypeError('fetch failed', { cause: agg }) });
    assert.match(describeCause(err), /^ECONNREFUSED: /);
  });

  test('another network code is shown with its message; no cause is an empty string', () => {
    assert.equal(describeCause(new Error('x', { cause: coded('socket hang up', 'EPIPE') })), 'EPIPE: socket hang up');
    assert.equal(describeCause(new Error('x')), '');
  });

  test('a cause that is not a network or TLS failure (a database driver quoting its statement) is never shown', () => {
    assert.equal(describeCause(new Error('x', { cause: coded('syntax error at or near "SELECT secret FROM keys"', '42601') })), '');
    assert.equal(describeCause(new Error('x', { cause: new Error('UNIQUE constraint failed: partners.id') })), '');
  });
});
