// `partner trust --crl` refuses, as a CLI error, a source that is not an https URL or a regular
// file: a FIFO configured as a CRL source used to freeze every later admin change.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { world } from '../helpers/world.ts';
import { certbound, hasStackTrace } from './run.ts';

let home: string;
before(async () => {
  home = await mkdtemp(join(tmpdir(), 'certbound-cli-crl-'));
  await cp((await world()).template, join(home, '.certbound'), { recursive: true });
});
after(() => rm(home, { recursive: true, force: true }));

test('partner trust --crl with a FIFO exits 1 naming the rule, without a stack trace, and stores nothing', async () => {
  const fifo = join(home, 'partner.crl');
  execFileSync('mkfifo', [fifo]);
  const r = await certbound(['partner', 'trust', 'acme', '--crl', fifo], { cwd: home });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /CRL source 'file partner\.crl' is not a regular file: give an https URL or the absolute path of a regular file/);
  assert.ok(!hasStackTrace(r.stderr), r.stderr);
  assert.equal(r.stdout, '');
});
