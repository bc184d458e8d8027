// docs/errors.md documents every library error code and every OAuth error certbound sends; the
// codes come from the catalogues in src/core, so a new code cannot go undocumented.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { ARGUMENT_ERROR_CODES, ERROR_CODES } from '../src/core/error-codes.ts';
import * as oauthErrors from '../src/core/errors.ts';

const DOC = new URL('../docs/errors.md', import.meta.url);

/** The `error` code of every OAuthError subclass src/core/errors.ts exports. */
function oauthCodes(): string[] {
  const codes = new Set<string>();
  for (const value of Object.values(oauthErrors)) {
    if (typeof value !== 'function' || !(value.prototype instanceof oauthErrors.OAuthError)) continue;
    // Every subclass takes at most one string (a description, a reason or a scope).
    const ErrorClass = value as new (arg: string) => oauthErrors.OAuthError;
    codes.add(new ErrorClass('x').error);
  }
  return [...codes].sort();
}

test('docs/errors.md lists every code of the error catalogues with its meaning, and no other', async () => {
  const doc = await readFile(DOC, 'utf8');
  const catalogue: Record<string, string> = { ...ERROR_CODES, ...ARGUMENT_ERROR_CODES };
  for (const [code, meaning] of Object.entries(catalogue)) {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${code}\``));
    assert.ok(row, `${code} is missing from docs/errors.md`);
    assert.ok(row.replaceAll('`', '').includes(meaning), `${code}'s meaning differs from the catalogue`);
  }
  const documented = [...doc.matchAll(/^\| `(ERR_[A-Z_]+)`/gm)].map((m) => m[1]);
  assert.deepEqual(documented.sort(), Object.keys(catalogue).sort(), 'docs/errors.md documents a code the catalogues do not have');
});

test('docs/errors.md documents the code of every OAuth error class certbound answers with', async () => {
  const doc = await readFile(DOC, 'utf8');
  const codes = oauthCodes();
  assert.ok(codes.includes('invalid_client') && codes.includes('insufficient_scope'), 'the classes were found');
  for (const code of codes) assert.ok(doc.includes(`\`${code}\``), `${code} is missing from docs/errors.md`);
});
