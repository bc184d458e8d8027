// The SDK and the guard must not drag the token service in: each light entry point of
// package.json#exports is imported in a fresh process, and module hooks record every module
// that gets loaded. The exports map points at dist/; the test follows it to the source file tsc
// compiles 1:1 into that path, so the graph checked is the published one.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runObserved, type LoadedModules } from './helpers/loaded-modules.ts';

const ROOT = new URL('../', import.meta.url);

/** The source file behind a subpath of package.json#exports (`./dist/<path>.js` → `src/<path>.ts`). */
async function sourceOf(subpath: string): Promise<string> {
  const manifest = JSON.parse(await readFile(new URL('package.json', ROOT), 'utf8')) as { exports: Record<string, { default: string }> };
  const entry = manifest.exports[subpath];
  assert.ok(entry, `package.json#exports has ${subpath}`);
  const match = /^\.\/dist\/(.+)\.js$/.exec(entry.default);
  assert.ok(match, `${subpath} points into dist/`);
  return fileURLToPath(new URL(`src/${match[1]}.ts`, ROOT));
}

async function load(subpath: string): Promise<LoadedModules> {
  const run = await runObserved(['--input-type=module', '-e', 'await import(process.argv[1]);', await sourceOf(subpath)], { cwd: fileURLToPath(ROOT) });
  assert.equal(run.code, 0, run.stderr);
  return run.loaded;
}

function assertWithin(loaded: LoadedModules, packages: string[], parts: string[]): void {
  assert.deepEqual(loaded.packages.filter((p) => !packages.includes(p)), [], 'packages outside the allowed set');
  assert.deepEqual(loaded.parts.filter((p) => !parts.includes(p)), [], 'certbound parts outside the allowed set');
}

test('issue 14: certbound/client loads only core, jose and undici', async () => {
  assertWithin(await load('./client'), ['jose', 'undici'], ['core', 'client']);
});

test('issue 14: certbound/resource loads only core, transport, jose and undici — no framework', async () => {
  const loaded = await load('./resource');
  assertWithin(loaded, ['jose', 'undici'], ['core', 'transport', 'resource']);
  assert.ok(loaded.packages.includes('jose'), 'the guard verifies JWTs with jose');
});

test('issue 14: certbound/resource/express loads no package at all (Express stays the application\'s)', async () => {
  assertWithin(await load('./resource/express'), [], ['core', 'resource']);
});

test('issue 14: certbound/resource/fastify adds only fastify-plugin to what the guard loads', async () => {
  assertWithin(await load('./resource/fastify'), ['fastify-plugin'], ['core', 'resource']);
});

test('issue 14: certbound/core loads only jose', async () => {
  assertWithin(await load('./core'), ['jose'], ['core']);
});

test('issue 14: the Express adapter keeps its old import path (certbound/resource); the Fastify plugin is only at its subpath', async () => {
  const resource: Record<string, unknown> = await import(await sourceOf('./resource'));
  const express: Record<string, unknown> = await import(await sourceOf('./resource/express'));
  const fastify: Record<string, unknown> = await import(await sourceOf('./resource/fastify'));
  assert.equal(resource['guardMiddleware'], express['guardMiddleware']);
  assert.equal(typeof fastify['certboundGuard'], 'function');
  assert.equal('certboundGuard' in resource, false);
});
