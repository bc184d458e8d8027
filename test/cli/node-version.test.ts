// The published binary refuses, in one line, a Node it does not run on — rather than dying on a
// missing node:sqlite feature or (before Node 22.18's import.meta.main) printing nothing.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { isSqliteExperimentalWarning, nodeAtLeast, nodeSupported, SUPPORTED_NODE, unsupportedNode } from '../../src/cli/node-version.ts';

test('issue 14: the CLI runs on Node 22.20+ and 24.7+, the releases whose node:sqlite binds ?1 by position', () => {
  for (const version of ['22.20.0', '22.23.5', '24.7.0', '24.22.3', '25.0.0', '26.10.0', 'v26.10.0']) {
    assert.equal(nodeSupported(version), true, version);
    assert.equal(unsupportedNode(version), undefined, version);
  }
});

test('issue 14: Node 20, 22 before 22.20, every 23 and 24 before 24.7 are refused with the versions named', () => {
  for (const version of ['18.20.0', '20.20.2', '22.13.0', '22.19.0', '23.4.0', '23.11.1', '24.0.0', '24.6.9']) {
    assert.equal(nodeSupported(version), false, version);
    assert.equal(unsupportedNode(version), `certbound needs Node ^22.20.0 || >=24.7.0; this is Node ${version}`);
  }
});

test('nodeAtLeast compares major, minor and patch as numbers', () => {
  assert.equal(nodeAtLeast('22.100.0', '22.20.0'), true);
  assert.equal(nodeAtLeast('22.9.0', '22.20.0'), false);
  assert.equal(nodeAtLeast('24.7.1', '24.7.0'), true);
  assert.equal(nodeAtLeast('24.7.0', '24.7.0'), true);
});

test('issue 14: package.json#engines is the team\'s >=22, within which the binary checks the exact releases; #bin is the checking entry point', async () => {
  const manifest = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
    engines: { node: string };
    bin: Record<string, string>;
  };
  assert.equal(manifest.engines.node, '>=22');
  // Every release the binary accepts is one engines allows; the ones it refuses are named in its message.
  assert.ok(SUPPORTED_NODE.startsWith('^22.'));
  assert.equal(manifest.bin['certbound'], 'dist/cli/bin.js');
});

test("issue 14: only Node's node:sqlite ExperimentalWarning is silenced, in each form emitWarning takes", () => {
  const message = 'SQLite is an experimental feature and might change at any time';
  assert.equal(isSqliteExperimentalWarning(message, 'ExperimentalWarning'), true);
  assert.equal(isSqliteExperimentalWarning(message, { type: 'ExperimentalWarning' }), true);
  assert.equal(isSqliteExperimentalWarning(Object.assign(new Error(message), { name: 'ExperimentalWarning' }), undefined), true);
  assert.equal(isSqliteExperimentalWarning('Type Stripping is an experimental feature', 'ExperimentalWarning'), false);
  assert.equal(isSqliteExperimentalWarning(message, 'DeprecationWarning'), false);
  assert.equal(isSqliteExperimentalWarning(message, undefined), false);
});
