// docs/security.md's row → test → result table is generated from the attack catalogue and the
// test tree (scripts/security-table.ts); this keeps it current and every catalogue row tested.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CATALOGUE, DOC, generate, tableIn } from '../scripts/security-table.ts';

test('the attack catalogue is present beside the repository (../shared/attack-catalogue.md)', () => {
  assert.ok(existsSync(CATALOGUE), `the attack catalogue is not at ${CATALOGUE}: place a copy of shared/ beside the repository (or set CERTBOUND_ATTACK_CATALOGUE)`);
});

test('every attack-catalogue row has a test whose name carries its id', () => {
  const { rows, tests } = generate();
  assert.ok(rows.length > 0, 'the catalogue has no rows: its table format changed?');
  const untested = rows.filter((r) => (tests.get(r.id) ?? []).length === 0).map((r) => r.id);
  assert.deepEqual(untested, [], `catalogue rows without a test: ${untested.join(', ')}`);
});

test('docs/security.md holds exactly the table npm run security-table generates', () => {
  const current = tableIn(readFileSync(DOC, 'utf8'));
  assert.notEqual(current, null, 'docs/security.md lacks its security-table markers');
  assert.equal(current, generate().table, 'docs/security.md is out of date: run npm run security-table');
});
