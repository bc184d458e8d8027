// The command line's side of keys at rest: data directory permissions, the files it writes,
// where the KEK comes from, and `certbound keys rewrap`.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KeyEncryptionKey } from '../../src/core/key-wrap.ts';
import { main } from '../../src/cli/main.ts';
import { send } from '../helpers/https.ts';
import { certbound, freePort, hasStackTrace, startCertbound } from './run.ts';

const root = await mkdtemp(join(tmpdir(), 'certbound-cli-keys-'));
after(() => rm(root, { recursive: true, force: true }));

const newKekText = () => `${randomBytes(32).toString('base64')}\n`;

/** Every file and directory under `dir` (itself included) that group or others may use. */
async function openToOthers(dir: string): Promise<string[]> {
  const paths = [dir, ...(await readdir(dir, { recursive: true, withFileTypes: true })).map((e) => join(e.parentPath, e.name))];
  const loose: string[] = [];
  for (const path of paths) if ((await stat(path)).mode & 0o077) loose.push(path);
  return loose;
}

describe('certbound data directory permissions', () => {
  test('a data directory group or others can read is refused with the chmod 700 that fixes it; --insecure-permissions accepts it', async () => {
    const data = join(root, 'loose');
    await mkdir(data);
    await chmod(data, 0o755);
    const refused = await certbound(['init', '--dir', data], { cwd: root });
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`group or others \\(mode 0755\\).*chmod 700 ${data}.*--insecure-permissions`, 's'));
    assert.ok(!hasStackTrace(refused.stderr), refused.stderr);
    assert.deepEqual(await readdir(data), [], 'nothing was created in it');
    for (const args of [['partner', 'list'], ['audit'], ['keys', 'rewrap', '--new-kek-file', 'x'], ['serve', '--port', '0']]) {
      const r = await certbound([...args, '--dir', data], { cwd: root });
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /chmod 700/, args.join(' '));
    }
    const accepted = await certbound(['init', '--dir', data, '--insecure-permissions'], { cwd: root });
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.equal((await stat(data)).mode & 0o777, 0o755, 'it is left as the operator chose');
  });

  test('a kek file group or others can read is refused with the chmod 600 that fixes it', async () => {
    const data = join(root, 'loose-kek');
    await mkdir(data, { mode: 0o700 });
    await writeFile(join(data, 'kek'), newKekText(), { mode: 0o644 });
    await chmod(join(data, 'kek'), 0o644);
    const r = await certbound(['init', '--dir', data], { cwd: root });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`chmod 600 ${join(data, 'kek')}`));
  });

  test('a --kek-file group or others can read is refused the same way', async () => {
    const data = join(root, 'loose-kek-file');
    const file = join(root, 'operator-kek');
    await writeFile(file, newKekText(), { mode: 0o644 });
    await chmod(file, 0o644);
    const r = await certbound(['init', '--dir', data, '--kek-file', file], { cwd: root });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`chmod 600 ${file}`));
  });
});

describe('certbound init, keys rewrap', () => {
  let data: string;
  let first: Awaited<ReturnType<typeof certbound>>;
  before(async () => {
    data = join(root, 'data');
    first = await certbound(['init', '--dir', data], { cwd: root });
  });

  test('init creates the data directory 0700 and every file in it 0600 (umask 077), the embedded kek file included', async () => {
    assert.equal(first.code, 0, first.stderr);
    assert.equal((await stat(data)).mode & 0o777, 0o700);
    assert.equal((await stat(join(data, 'kek'))).mode & 0o777, 0o600);
    assert.deepEqual(await openToOthers(data), []);
    KeyEncryptionKey.fromBase64(await readFile(join(data, 'kek'), 'utf8'), 'kek'); // 32 bytes of base64
  });

  test('keys --help names its options', async () => {
    const r = await certbound(['keys', '--help'], { cwd: root });
    assert.equal(r.code, 0);
    for (const option of ['rewrap', '--new-kek-file', '--kek-file', '--database', 'openssl rand -base64 32']) assert.ok(r.stdout.includes(option), option);
  });

  test('keys rewrap re-wraps every key and replaces <dir>/kek; the old KEK is then refused, the new one works', async () => {
    assert.equal(first.code, 0, first.stderr);
    const oldKek = join(root, 'old.kek');
    await copyFile(join(data, 'kek'), oldKek);
    const newKek = join(root, 'new.kek');
    await writeFile(newKek, newKekText(), { mode: 0o600 });
    const next = KeyEncryptionKey.fromBase64(await readFile(newKek, 'utf8'), 'new');

    const r = await certbound(['keys', 'rewrap', '--dir', data, '--new-kek-file', newKek, '--json'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { keys: 3, kek: next.id, kek_file: join(data, 'kek') });
    assert.equal(KeyEncryptionKey.fromBase64(await readFile(join(data, 'kek'), 'utf8'), 'kek').id, next.id);
    assert.equal((await stat(join(data, 'kek'))).mode & 0o777, 0o600);

    const old = await certbound(['init', '--dir', data, '--kek-file', oldKek], { cwd: root });
    assert.equal(old.code, 1, old.stderr);
    assert.match(old.stderr, new RegExp(`wrapped under KEK ${next.id}`));
    assert.ok(!/BEGIN|PRIVATE KEY/.test(old.stderr));

    const again = await certbound(['init', '--dir', data], { cwd: root });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already initialised/);

    const same = await certbound(['keys', 'rewrap', '--dir', data, '--new-kek-file', newKek], { cwd: root });
    assert.equal(same.code, 2, 'the current KEK is no new KEK');
    assert.match(same.stderr, /holds the current KEK/);
  });
});

describe('certbound: where the KEK comes from', () => {
  test('CERTBOUND_KEK wraps the keys (no kek file is written); without it the directory does not open', async () => {
    const data = join(root, 'env');
    const kek = newKekText().trim();
    const r = await certbound(['init', '--dir', data], { cwd: root, env: { CERTBOUND_KEK: kek } });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!(await readdir(data)).includes('kek'));
    const without = await certbound(['init', '--dir', data], { cwd: root });
    assert.equal(without.code, 1);
    assert.match(without.stderr, /kek is missing.*--kek-file FILE or CERTBOUND_KEK/);
  });

  test('a malformed CERTBOUND_KEK exits 1 with ERR_CERTBOUND_KEK_INVALID, never echoing it', async () => {
    const r = await certbound(['init', '--dir', join(root, 'bad-env')], { cwd: root, env: { CERTBOUND_KEK: 'c2hvcnQtc2VjcmV0LXZhbHVl' } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /CERTBOUND_KEK holds \d+ bytes, not 32/);
    assert.ok(!r.stderr.includes('c2hvcnQtc2VjcmV0LXZhbHVl'));
  });

  test('serve --database postgres://… without a KEK refuses to start, naming --kek-file and CERTBOUND_KEK', async () => {
    const url = `postgres://certbound:pw@127.0.0.1:${await freePort()}/certbound`;
    const r = await certbound(['serve', '--dir', join(root, 'pg'), '--port', '0', '--no-admin', '--database', url], { cwd: root });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /needs a key-encryption key.*--kek-file FILE or set CERTBOUND_KEK/);
    assert.ok(!r.stderr.includes('pw@'), 'the password is not echoed');
  });
});

describe('certbound keys list|rotate|retire', () => {
  /** Runs the CLI in this process, capturing what it prints. */
  async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await main(args, { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) });
    return { code, out, err };
  }
  type Listed = { keys: { kid: string; state: string; activates_at: string; retires_at: string | null }[]; schedule: { every_seconds: number; lead_time_seconds: number } | null };

  test('on the data directory: rotate adds a pending key signing after the lead time, list shows it, retire keeps a key with live tokens', async () => {
    const data = join(root, 'rotate-local');
    assert.equal((await cli(['init', '--dir', data])).code, 0);
    const [first] = (JSON.parse((await cli(['keys', 'list', '--dir', data, '--json'])).out) as Listed).keys;
    assert.equal(first?.state, 'signing');
    const before = Date.now();
    const r = await cli(['keys', 'rotate', '--lead-time', '2h', '--dir', data, '--json']);
    assert.equal(r.code, 0, r.err);
    const rotated = JSON.parse(r.out) as { kid: string; activates_at: string };
    const lead = Date.parse(rotated.activates_at) - before;
    assert.ok(lead >= 2 * 3_600_000 - 1_000 && lead <= 2 * 3_600_000 + 60_000, `activates ${lead} ms after the rotation`);
    const listed = JSON.parse((await cli(['keys', 'list', '--dir', data, '--json'])).out) as Listed;
    assert.deepEqual(listed.keys.map((k) => [k.kid, k.state]), [[first!.kid, 'signing'], [rotated.kid, 'pending']]);
    assert.equal(listed.schedule, null);
    const retire = await cli(['keys', 'retire', '--dir', data, '--json']);
    assert.deepEqual(JSON.parse(retire.out), { retired: [] });
    const human = await cli(['keys', 'list', '--dir', data]);
    assert.match(human.out, new RegExp(`${rotated.kid}\\tpending\\tsigns from `));
    assert.match(human.out, /Automatic rotation: off/);
  });

  test('rotate --schedule stores the schedule every instance follows; off clears it; a period shorter than an hour is a usage error', async () => {
    const data = join(root, 'rotate-schedule');
    assert.equal((await cli(['init', '--dir', data])).code, 0);
    assert.equal((await cli(['keys', 'rotate', '--schedule', '30d', '--lead-time', '3h', '--dir', data])).code, 0);
    assert.deepEqual((JSON.parse((await cli(['keys', 'list', '--dir', data, '--json'])).out) as Listed).schedule, { every_seconds: 30 * 86_400, lead_time_seconds: 3 * 3_600 });
    assert.equal((JSON.parse((await cli(['keys', 'list', '--dir', data, '--json'])).out) as Listed).keys.length, 1, 'a schedule rotates nothing at once');
    assert.equal((await cli(['keys', 'rotate', '--schedule', 'off', '--dir', data])).code, 0);
    assert.equal((JSON.parse((await cli(['keys', 'list', '--dir', data, '--json'])).out) as Listed).schedule, null);
    const short = await cli(['keys', 'rotate', '--schedule', '10m', '--dir', data]);
    assert.equal(short.code, 2);
    assert.match(short.err, /--schedule takes a duration from 1h to 3650d/);
    const misplaced = await cli(['keys', 'list', '--lead-time', '1h', '--dir', data]);
    assert.equal(misplaced.code, 2);
    assert.match(misplaced.err, /--lead-time and --schedule go with keys rotate/);
  });

  test('while serve runs, keys rotate goes through its admin API: the new key is in its /jwks at once, listed pending behind the signing key, and audited', async () => {
    const data = join(root, 'rotate-serving');
    const port = await freePort();
    const serve = startCertbound(['serve', '--dir', data, '--port', String(port), '--admin-port', '0'], { cwd: root });
    try {
      await serve.waitFor(/Stop with Ctrl-C/);
      const ca = await readFile(join(data, 'ca.pem'), 'utf8');
      const jwks = async () => (((await send(`https://localhost:${port}/jwks`, { ca })).json?.['keys'] ?? []) as { kid: string }[]).map((k) => k.kid).sort();
      const [first] = await jwks();
      const r = await cli(['keys', 'rotate', '--dir', data, '--json']);
      assert.equal(r.code, 0, r.err);
      const { kid } = JSON.parse(r.out) as { kid: string };
      assert.deepEqual(await jwks(), [first, kid].sort());
      const listed = JSON.parse((await cli(['keys', 'list', '--dir', data, '--json'])).out) as Listed;
      assert.deepEqual(listed.keys.map((k) => k.state), ['signing', 'pending']);
      const audit = await cli(['audit', '--dir', data, '--json']);
      assert.match(audit.out, /admin\.rotateSigningKey/);
    } finally {
      assert.equal(await serve.stop('SIGTERM'), 0);
    }
  });
});
