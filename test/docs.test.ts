// docs/errors.md documents every library error code and every OAuth error the service sends.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { ERROR_CODES } from '../src/core/error-codes.ts';

const OAUTH_CODES = [
  'invalid_request',
  'invalid_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
  'temporarily_unavailable',
  'server_error',
  'invalid_client_metadata',
];

test('docs/errors.md lists every code of the error catalogue with its meaning', async () => {
  const doc = await readFile(new URL('../docs/errors.md', import.meta.url), 'utf8');
  for (const [code, meaning] of Object.entries(ERROR_CODES)) {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${code}\``));
    assert.ok(row, `${code} is missing from docs/errors.md`);
    assert.ok(row.replaceAll('`', '').includes(meaning), `${code}'s meaning differs from the catalogue`);
  }
  const documented = [...doc.matchAll(/^\| `(ERR_CERTBOUND_[A-Z_]+)`/gm)].map((m) => m[1]);
  assert.deepEqual(documented.sort(), Object.keys(ERROR_CODES).sort(), 'docs/errors.md documents a code the catalogue does not have');
});

test('docs/errors.md documents every OAuth error code the token service sends', async () => {
  const doc = await readFile(new URL('../docs/errors.md', import.meta.url), 'utf8');
  for (const code of OAUTH_CODES) assert.ok(doc.includes(`\`${code}\``), `${code} is missing from docs/errors.md`);
});
