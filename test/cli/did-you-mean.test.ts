import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { closest, didYouMean } from '../../src/cli/did-you-mean.ts';

describe('did you mean', () => {
  test('a typo of one letter, a missing letter or two swapped letters names the word meant', () => {
    assert.equal(closest('partnr', ['init', 'partner', 'client']), 'partner');
    assert.equal(closest('jsn', ['json', 'dir']), 'json');
    assert.equal(closest('prot', ['port', 'host']), 'port');
    assert.equal(closest('clinet', ['client', 'cert']), 'client');
  });

  test('an unambiguous prefix names its word; an ambiguous one names none', () => {
    assert.equal(closest('migr', ['migrate-store', 'init']), 'migrate-store');
    assert.equal(closest('re', ['revoke', 'retire']), undefined);
  });

  test('a word unlike every candidate gets no suggestion', () => {
    assert.equal(closest('frobnicate', ['init', 'serve', 'partner']), undefined);
    assert.equal(didYouMean('xyz', ['json']), '');
  });

  test('the hint is a clause naming the candidate with its prefix', () => {
    assert.equal(didYouMean('jsn', ['json'], '--'), "; did you mean '--json'?");
  });
});
