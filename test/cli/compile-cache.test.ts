// The CLI's compile cache (src/cli/compile-cache.ts), through the real binary: it lives in the
// user's cache directory, never the shared temporary one, and is off when Node is told so.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { enableUserCompileCache } from '../../src/cli/compile-cache.ts';
import { certboundProcess } from './run.ts';

const root = await mkdtemp(join(tmpdir(), 'certbound-compile-cache-'));
after(() => rm(root, { recursive: true, force: true }));

test('the binary keeps compiled code in $XDG_CACHE_HOME/certbound/node-compile-cache, not in the shared temporary directory', async () => {
  const cache = join(root, 'xdg');
  const r = await certboundProcess(['--version'], { cwd: root, env: { XDG_CACHE_HOME: cache, NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: undefined } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^certbound \d+\.\d+\.\d+/);
  const entries = await readdir(join(cache, 'certbound', 'node-compile-cache'));
  assert.ok(entries.length > 0, 'a cache was written for this Node version');
});

test('NODE_DISABLE_COMPILE_CACHE=1 turns it off', async () => {
  const cache = join(root, 'off');
  const r = await certboundProcess(['--version'], { cwd: root, env: { XDG_CACHE_HOME: cache, NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: '1' } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(existsSync(join(cache, 'certbound')), false);
});

test('a directory already named in NODE_COMPILE_CACHE is left to Node, and the environment is not changed', () => {
  const env: NodeJS.ProcessEnv = { NODE_COMPILE_CACHE: join(root, 'given'), XDG_CACHE_HOME: join(root, 'unused') };
  enableUserCompileCache(env);
  assert.deepEqual(env, { NODE_COMPILE_CACHE: join(root, 'given'), XDG_CACHE_HOME: join(root, 'unused') });
  assert.equal(existsSync(join(root, 'unused')), false);
});
