// The SDK and the guard must not drag the token service in: each light entry point of
// package.json#exports is imported in a fresh process, and module hooks record every module
// that gets loaded. The exports map points at dist/; the test follows it to the source file tsc
// compiles 1:1 into that path, so the graph checked is the published one.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = new URL('../', import.meta.url);

interface Loaded {
  readonly packages: string[];
  readonly parts: string[];
}

/** The source file behind a subpath of package.json#exports (`./dist/<path>.js` → `src/<path>.ts`). */
async function sourceOf(subpath: string): Promise<string> {
  const manifest = JSON.parse(await readFile(new URL('package.json', ROOT), 'utf8')) as { exports: Record<string, { default: string }> };
  const entry = manifest.exports[subpath];
  assert.ok(entry, `package.json#exports has ${subpath}`);
  const match = /^\.\/dist\/(.+)\.js$/.exec(entry.default);
  assert.ok(match, `${subpath} points into dist/`);
  return fileURLToPath(new URL(`src/${match[1]}.ts`, ROOT));
}

// Runs in the child: records each resolved URL, imports the entry, prints the packages
// (node_modules/<name>) and the certbound parts (src/<part>/) that were loaded.
const PROBE = `
import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.add(r.url); return r; } });
await import(process.argv[1]);
const packages = new Set(), parts = new Set();
for (const url of seen) {
  const pkg = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(url);
  if (pkg) packages.add(pkg[1]);
  else { const part = /\\/src\\/([^/]+)\\//.exec(url); if (part) parts.add(part[1]); }
}
process.stdout.write(JSON.stringify({ packages: [...packages].sort(), parts: [...parts].sort() }));
`;

async function load(subpath: string): Promise<Loaded> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', PROBE, await sourceOf(subpath)], {
    cwd: fileURLToPath(ROOT),
  });
  return JSON.parse(stdout) as Loaded;
}

function assertWithin(loaded: Loaded, packages: string[], parts: string[]): void {
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
