import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCircuitBreaker, type Admission } from '../../src/resource/circuit-breaker.ts';

function breaker() {
  const clock = { t: 0 };
  const b = createCircuitBreaker({ threshold: 3, base: 1000, cap: 4000, now: () => clock.t, random: () => 1 });
  const admitted = (): Admission => {
    const a = b.admit();
    assert.ok(!('retryInMs' in a), `refused while ${b.state}`);
    return a;
  };
  return { b, clock, admitted };
}

test('REL-08: the circuit opens after threshold consecutive failures, and a success in between resets the count', () => {
  const { b, admitted } = breaker();
  b.record(admitted(), false);
  b.record(admitted(), false);
  b.record(admitted(), true);
  b.record(admitted(), false);
  b.record(admitted(), false);
  assert.equal(b.state, 'closed');
  b.record(admitted(), false);
  assert.equal(b.state, 'open');
  assert.deepEqual(b.admit(), { retryInMs: 1000 });
  assert.equal(b.retryInMs(), 1000);
});

test('REL-08: after the cool-down exactly one probe goes through; its failure reopens for a doubled cool-down, capped', () => {
  const { b, clock, admitted } = breaker();
  for (let i = 0; i < 3; i++) b.record(admitted(), false);
  let openedAt = 0;
  for (const coolDown of [1000, 2000, 4000, 4000]) {
    clock.t = openedAt + coolDown - 1;
    assert.ok('retryInMs' in b.admit(), 'refused until the cool-down ends');
    clock.t = openedAt + coolDown;
    openedAt = clock.t;
    const probe = admitted();
    assert.equal(probe.probe, true);
    assert.equal(b.state, 'half-open');
    assert.ok('retryInMs' in b.admit(), 'a second request while the probe runs is refused');
    b.record(probe, false);
    assert.equal(b.state, 'open');
    assert.equal(b.retryInMs(), Math.min(2 * coolDown, 4000));
  }
});

test('REL-08: a successful probe closes the circuit and the next opening starts again from the first cool-down', () => {
  const { b, clock, admitted } = breaker();
  for (let i = 0; i < 3; i++) b.record(admitted(), false);
  clock.t = 1000;
  b.record(admitted(), false); // the probe fails: next cool-down 2000
  clock.t = 3000;
  b.record(admitted(), true);
  assert.equal(b.state, 'closed');
  for (let i = 0; i < 3; i++) b.record(admitted(), false);
  assert.equal(b.retryInMs(), 1000);
});

test('REL-08: results of calls admitted before the circuit opened do not move it', () => {
  const { b, admitted } = breaker();
  const late = [admitted(), admitted()];
  for (let i = 0; i < 3; i++) b.record(admitted(), false);
  b.record(late[0]!, true);
  assert.equal(b.state, 'open');
  b.record(late[1]!, false);
  assert.equal(b.retryInMs(), 1000, 'not extended');
});
