// Tests, sources and guides cite repository files by path (a test named in docs/security.md, a
// helper in a comment, a guide linking an example); each cited file must exist, so a reader who
// follows a reference from a fresh clone finds it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CITATION = /(?<![\w./-])(?:src|test|docs|examples|bench|scripts)\/[\w./-]+\.(?:ts|md|sql|json|sh)\b/g;

async function textFiles(): Promise<string[]> {
  const files = [join(ROOT, 'README.md'), join(ROOT, 'examples', 'README.md')];
  for (const dir of ['src', 'test', 'docs', 'examples', 'bench', 'scripts']) {
    const entries = await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true });
    for (const e of entries) if (e.isFile() && /\.(?:ts|md)$/.test(e.name)) files.push(join(e.parentPath, e.name));
  }
  return [...new Set(files)];
}

test('issue 14: every repository path cited in src/, test/, docs/, examples/, bench/, scripts/ and the README exists', async () => {
  const missing: string[] = [];
  for (const file of await textFiles()) {
    for (const [cited] of (await readFile(file, 'utf8')).matchAll(CITATION)) {
      if (!existsSync(join(ROOT, cited))) missing.push(`${relative(ROOT, file)} cites ${cited}`);
    }
  }
  assert.deepEqual(missing, []);
});
