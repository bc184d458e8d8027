// The client's identity loader: PEM text or files, re-read when the files change on disk, and
// one load for concurrent callers (only a real change is reported as one, and only once).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { identityLoader } from '../../src/client/identity.ts';
import { credentials, type Credentials } from '../helpers/world.ts';

let a: Credentials;
let g: Credentials;
let dir: string;
before(async () => {
  [a, g] = await Promise.all([credentials('acme-a'), credentials('globex-g')]);
  dir = await mkdtemp(join(tmpdir(), 'certbound-identity-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('PEM text is used as it is, and concurrent first calls share one load that no caller reports as a change', async () => {
  const loader = identityLoader({ cert: a.cert, key: a.key, ca: a.ca });
  const results = await Promise.all(Array.from({ length: 10 }, () => loader.current()));
  assert.deepEqual(results.map((r) => r.changed), Array(10).fill(false));
  assert.equal(new Set(results.map((r) => r.identity)).size, 1);
  assert.deepEqual(results[0]?.identity, { cert: a.cert, key: a.key, ca: a.ca });
});

test('files are read, and re-read after they change on disk, checked at most once a second: exactly one of the concurrent callers hears of the change', async (t) => {
  // The once-a-second rule is the loader's clock (Date): advanced here, not waited for.
  t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
  const files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), ca: join(dir, 'ca.pem') };
  await Promise.all([writeFile(files.cert, a.cert), writeFile(files.key, a.key), writeFile(files.ca, a.ca)]);
  const loader = identityLoader(files);
  const first = await Promise.all(Array.from({ length: 10 }, () => loader.current()));
  assert.deepEqual(first.map((r) => r.changed), Array(10).fill(false));
  assert.equal(first[0]?.identity.cert, a.cert);

  await Promise.all([writeFile(files.cert, g.cert), writeFile(files.key, g.key)]);
  assert.equal((await loader.current()).identity.cert, a.cert, 'files are checked at most once a second');
  t.mock.timers.tick(999);
  assert.equal((await loader.current()).identity.cert, a.cert, 'still within the second');
  t.mock.timers.tick(1);
  const next = await Promise.all(Array.from({ length: 10 }, () => loader.current()));
  assert.equal(next.filter((r) => r.changed).length, 1);
  // Callers that came while the files were being checked went on with the previous identity, whole.
  for (const r of next) assert.ok(r.changed ? r.identity.cert === g.cert : [a.cert, g.cert].includes(r.identity.cert));
  for (const r of next) assert.equal(r.identity.key, r.identity.cert === g.cert ? g.key : a.key);
  const now = await loader.current();
  assert.deepEqual(now, { identity: { cert: g.cert, key: g.key, ca: a.ca }, changed: false });
  t.mock.timers.tick(1_000);
  assert.equal((await loader.current()).changed, false, 'unchanged files are not a change');
});
