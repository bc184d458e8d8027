// The dependency direction of design.md, checked on every import in src/ so that it stays
// true without anyone remembering it.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const SRC = new URL('../src/', import.meta.url).pathname;

/** Per part: the other parts it may import, and the packages (besides node: built-ins, where allowed) it may use. */
const RULES: Record<string, { parts: string[]; packages: string[]; nodeBuiltins: string[] | 'any' }> = {
  core: { parts: [], packages: ['jose'], nodeBuiltins: ['node:crypto'] },
  transport: { parts: ['core'], packages: [], nodeBuiltins: ['node:crypto', 'node:tls', 'node:net'] },
  storage: { parts: ['core'], packages: ['@electric-sql/pglite', 'pg'], nodeBuiltins: 'any' },
  pki: { parts: ['core'], packages: ['@peculiar/x509', 'reflect-metadata', '@peculiar/asn1-schema', '@peculiar/asn1-x509'], nodeBuiltins: 'any' },
  server: { parts: ['core', 'transport', 'pki', 'storage'], packages: ['fastify', 'jose', 'pino', 'prom-client'], nodeBuiltins: 'any' },
  // ajv: the one validator of admin inputs (Fastify's own); json-schema-to-ts: types only, erased at run time.
  admin: { parts: ['core', 'transport', 'pki', 'storage', 'server'], packages: ['fastify', 'ajv', 'json-schema-to-ts'], nodeBuiltins: 'any' },
  resource: { parts: ['core', 'transport'], packages: ['jose', 'undici', 'fastify', 'fastify-plugin'], nodeBuiltins: 'any' },
  client: { parts: ['core'], packages: ['undici', 'jose'], nodeBuiltins: 'any' },
  gateway: { parts: ['core', 'transport', 'resource'], packages: ['undici', 'prom-client'], nodeBuiltins: 'any' },
  cli: { parts: ['core', 'transport', 'storage', 'pki', 'server', 'admin', 'resource', 'client', 'gateway'], packages: ['pino', 'undici'], nodeBuiltins: 'any' },
};

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
}

function importsOf(code: string): string[] {
  const specifiers: string[] = [];
  for (const m of code.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    specifiers.push((m[1] ?? m[2] ?? m[3])!);
  }
  return specifiers;
}

test('design.md: every import in src/ follows the dependency direction (core ← everything; nothing imports cli)', async () => {
  const violations: string[] = [];
  for (const file of await sources(SRC)) {
    const rel = relative(SRC, file);
    const part = rel.split('/')[0]!;
    const rule = RULES[part];
    if (!rule) {
      violations.push(`${rel}: part '${part}' is not in design.md`);
      continue;
    }
    for (const spec of importsOf(await readFile(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const target = relative(SRC, join(file, '..', spec)).split('/')[0]!;
        if (target !== part && !rule.parts.includes(target)) violations.push(`${rel} imports ${target}: ${spec}`);
      } else if (spec.startsWith('node:')) {
        if (rule.nodeBuiltins !== 'any' && !rule.nodeBuiltins.includes(spec)) violations.push(`${rel} imports ${spec}`);
      } else {
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!rule.packages.includes(pkg)) violations.push(`${rel} imports package ${pkg}`);
      }
    }
  }
  assert.deepEqual(violations, []);
});
