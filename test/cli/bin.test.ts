// The published binary (src/cli/bin.ts → dist/cli/bin.js) runs the CLI on a supported Node by
// itself, without relying on import.meta.main.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { childEnv, NODE } from './run.ts';

const BIN = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));

test('issue 14: the certbound binary prints the usage for --help and exits 0', async () => {
  const { stdout, stderr } = await promisify(execFile)(NODE, [BIN, '--help'], { env: childEnv() });
  assert.match(stdout, /^Usage: certbound <command> \[options\]/);
  assert.equal(stderr, '');
});

test('issue 14: the certbound binary exits 2 with the usage on stdout when no command is given', async () => {
  await assert.rejects(promisify(execFile)(NODE, [BIN], { env: childEnv() }), (err: NodeJS.ErrnoException & { stdout: string }) => {
    assert.equal(err.code, 2);
    assert.match(err.stdout, /^Usage: certbound/);
    return true;
  });
});
