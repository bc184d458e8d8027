// The CLI as a person uses it, run in-process through main(argv, io): what a typo, a wrong
// directory or a wrong value gets back.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { fingerprintOf, partnerRoot } from '../helpers/pki.ts';

const root = await mkdtemp(join(tmpdir(), 'certbound-cli-main-'));
after(() => rm(root, { recursive: true, force: true }));

interface Run { readonly code: number; readonly out: string; readonly err: string }

/** Runs `certbound …argv` in this process, with no CERTBOUND_* variables. */
async function run(...argv: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) }, {});
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('a mistyped command, subcommand or option gets one line naming what was meant', () => {
  test("'partnr' is an unknown command: did you mean 'partner'? (exit 2, no usage dump)", async () => {
    const r = await run('partnr', 'list');
    assert.equal(r.code, 2);
    assert.equal(r.err, "certbound: unknown command 'partnr'; did you mean 'partner'?\nRun 'certbound --help' for the list of commands.");
    assert.equal(r.out, '');
  });

  test("'--jsn' is an unknown option: did you mean '--json'? (not parseArgs' own wording)", async () => {
    const r = await run('partner', 'list', '--jsn');
    assert.equal(r.code, 2);
    assert.equal(r.err, "certbound partner: unknown option '--jsn'; did you mean '--json'?\nRun 'certbound partner --help' for its usage.");
  });

  test("'--prot' for serve suggests '--port'; 'partner lst' suggests 'list'", async () => {
    assert.match((await run('serve', '--prot', '1')).err, /unknown option '--prot'; did you mean '--port'\?/);
    const r = await run('partner', 'lst');
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown subcommand 'lst'; did you mean 'list'\?/);
  });

  test('an unknown command unlike any gets no guess', async () => {
    const r = await run('frobnicate');
    assert.equal(r.code, 2);
    assert.equal(r.err, "certbound: unknown command 'frobnicate'\nRun 'certbound --help' for the list of commands.");
  });

  test('--version prints the package version and exits 0', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = await run('--version');
    assert.equal(r.code, 0);
    assert.equal(r.out, `certbound ${version} (Node ${process.versions.node})`);
  });
});

describe('read-only and admin commands on a data directory that does not exist', () => {
  test('partner list --dir typo-dir says there is none, exits 1 and creates nothing', async () => {
    const typo = join(root, 'typo-dir');
    for (const argv of [['partner', 'list'], ['client', 'list'], ['resource', 'list'], ['audit'], ['keys', 'list'], ['cert', 'list'], ['admin', 'list-certs']]) {
      const r = await run(...argv, '--dir', typo);
      assert.equal(r.code, 1, argv.join(' '));
      assert.equal(r.err, `certbound ${argv[0]}: there is no data directory ${typo}: run 'certbound init' (or 'certbound serve') on it first, or give the right --dir`);
      assert.equal(existsSync(typo), false, `${argv.join(' ')} created ${typo}`);
    }
  });

  test('a failing partner add leaves nothing behind: no directory, no database, no key', async () => {
    const fresh = join(root, 'fresh');
    const r = await run('partner', 'add', 'acme', '--ca', join(root, 'missing.pem'), '--dir', fresh);
    assert.equal(r.code, 1);
    assert.equal(existsSync(fresh), false);
  });
});

describe('admin commands on an initialised data directory', () => {
  let dir: string;
  before(async () => {
    dir = join(root, 'data');
    const r = await run('init', '--dir', dir);
    assert.equal(r.code, 0, r.err);
    assert.equal((await run('partner', 'add', 'acme', '--dir', dir)).code, 0);
  });

  test('resource add not-a-url names the real problem, not invalid_client_metadata (exit 2)', async () => {
    const r = await run('resource', 'add', 'not-a-url', '--owner', 'acme', '--dir', dir);
    assert.equal(r.code, 2);
    assert.match(r.err, /^certbound resource: 'not-a-url' is not an API identifier: give an absolute URI without a fragment, such as https:\/\/api\.example\.com\/orders/);
    assert.doesNotMatch(r.err, /invalid_client_metadata/);
  });

  test('client add --auth tls lists the valid authentication methods', async () => {
    const r = await run('client', 'add', 'c1', '--partner', 'acme', '--auth', 'tls', '--dir', dir);
    assert.equal(r.code, 1);
    assert.match(r.err, /unknown authentication method 'tls': use one of tls_client_auth, self_signed_tls_client_auth, client_secret_basic, client_secret_post/);
  });

  test('partner trust --remove-ca with fewer than 8 hex digits asks for 8, instead of "has no anchor"', async () => {
    const r = await run('partner', 'trust', 'acme', '--remove-ca', '0d8c', '--dir', dir);
    assert.equal(r.code, 1);
    assert.match(r.err, /a fingerprint takes at least 8 hex digits \(certbound partner show acme lists them\)/);
  });

  test('partner trust prints what changed in words (JSON only with --json), and warns when the last anchor goes', async () => {
    const own = await partnerRoot('initech');
    const file = join(root, 'initech-ca.pem');
    await writeFile(file, own.certPem);
    assert.equal((await run('partner', 'add', 'initech', '--ca', file, '--dir', dir)).code, 0);
    const second = await partnerRoot('initech-next');
    await writeFile(join(root, 'next.pem'), second.certPem);
    const added = await run('partner', 'trust', 'initech', '--add-ca', join(root, 'next.pem'), '--dir', dir);
    assert.equal(added.code, 0, added.err);
    assert.match(added.out, /^Trust anchor [0-9a-f]{16}… of 'initech' added: /);
    assert.doesNotMatch(added.out, /[{}]/, 'no raw JSON without --json');
    const asJson = await run('partner', 'trust', 'initech', '--remove-ca', fingerprintOf(second.certPem).slice(0, 12), '--json', '--dir', dir);
    assert.equal(asJson.code, 0, asJson.err);
    assert.equal((JSON.parse(asJson.out) as { fingerprint: string }).fingerprint, fingerprintOf(second.certPem));
    const last = await run('partner', 'trust', 'initech', '--remove-ca', fingerprintOf(own.certPem), '--dir', dir);
    assert.equal(last.code, 0, last.err);
    assert.match(last.out, /removed/);
    assert.match(last.out, /WARNING: partner 'initech' has no trust anchor left: none of its clients can authenticate until one is added \(certbound partner trust initech --add-ca FILE\)\./);
  });

  test('partner delete with clients says to delete them first, and no longer suggests a move command that does not exist', async () => {
    assert.equal((await run('client', 'add', 'acme-a', '--partner', 'acme', '--subject-dn', 'CN=acme-a,O=acme', '--dir', dir)).code, 0);
    const r = await run('partner', 'delete', 'acme', '--dir', dir);
    assert.equal(r.code, 1);
    assert.match(r.err, /still has clients \(acme-a\): delete them first \(certbound client delete <client-id>; a client cannot move to another partner\)/);
    assert.doesNotMatch(r.err, /move them/);
  });
});
