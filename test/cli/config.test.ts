// Configuration (issue 12): every flag from CERTBOUND_* variables and a JSON configuration file,
// with the command line first, and `certbound config --print` showing where each value came from.
// Run in-process through main(argv, io, env) with an explicit environment.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli/main.ts';

type Env = Record<string, string | undefined>;

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'certbound-config-'));
});
after(() => rm(root, { recursive: true, force: true }));

async function run(argv: string[], env: Env = {}): Promise<Run> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) }, env);
  return { code, out, err };
}

/** Writes a configuration file under the test's directory and returns its path. */
async function configFile(name: string, content: unknown): Promise<string> {
  const path = join(root, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

interface Shown {
  readonly config_file: string | null;
  readonly options: Record<string, { value: unknown; source: string; from?: string }>;
  readonly kek: { value: unknown; source: string; from?: string };
}

async function printed(argv: string[], env: Env = {}): Promise<Shown> {
  const r = await run(['config', '--print', '--json', ...argv], env);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as Shown;
}

describe('configuration sources and precedence', () => {
  test('command line > CERTBOUND_<FLAG> > the command\'s section of the file > the file\'s top level > default', async () => {
    const file = await configFile('precedence.json', {
      port: 1001, 'admin-port': 1002, host: '10.0.0.1', issuer: 'https://top.example',
      serve: { port: 2001, 'admin-port': 2002, 'log-level': 'warn' },
    });
    const shown = await printed(['serve', '--config', file, '--port', '3001'], { CERTBOUND_ADMIN_PORT: '4002', CERTBOUND_LOG_LEVEL: 'debug', CERTBOUND_HOST: '' });
    const o = shown.options;
    assert.deepEqual(o['port'], { value: '3001', source: 'cli' });
    assert.deepEqual(o['admin-port'], { value: '4002', source: 'env', from: 'CERTBOUND_ADMIN_PORT' });
    assert.deepEqual(o['log-level'], { value: 'debug', source: 'env', from: 'CERTBOUND_LOG_LEVEL' });
    // An empty variable is an unset one: the file's value stands.
    assert.deepEqual(o['host'], { value: '10.0.0.1', source: 'file', from: `${file}: host` });
    assert.deepEqual(o['issuer'], { value: 'https://top.example', source: 'file', from: `${file}: issuer` });
    assert.deepEqual(o['metrics-port'], { value: null, source: 'default' });
    assert.equal(shown.config_file, file);
  });

  test('a number in the file is taken where an option is a string, and a list where it repeats', async () => {
    const file = await configFile('types.json', { serve: { port: 9443 }, init: { san: ['dns:a.example', 'ip:10.0.0.7'] } });
    assert.deepEqual((await printed(['serve', '--config', file])).options['port'], { value: '9443', source: 'file', from: `${file}: serve.port` });
    assert.deepEqual((await printed(['init', '--config', file])).options['san'], { value: ['dns:a.example', 'ip:10.0.0.7'], source: 'file', from: `${file}: init.san` });
  });

  test('CERTBOUND_CONFIG names the file; --config on the command line beats it', async () => {
    const a = await configFile('env-a.json', { port: 1111 });
    const b = await configFile('env-b.json', { port: 2222 });
    const fromEnv = await printed(['serve'], { CERTBOUND_CONFIG: a });
    assert.deepEqual(fromEnv.options['config'], { value: a, source: 'env', from: 'CERTBOUND_CONFIG' });
    assert.equal(fromEnv.options['port']?.value, '1111');
    const fromCli = await printed(['serve', '--config', b], { CERTBOUND_CONFIG: a });
    assert.equal(fromCli.options['port']?.value, '2222');
    assert.equal(fromCli.config_file, b);
  });

  test('boolean variables take true, false, 1 or 0; --no-<flag> turns off what the environment or file turned on', async () => {
    const file = await configFile('booleans.json', { serve: { 'seed-demo': true }, json: true });
    assert.deepEqual((await printed(['serve', '--config', file], { CERTBOUND_SEED_DEMO: '0' })).options['seed-demo'], { value: false, source: 'env', from: 'CERTBOUND_SEED_DEMO' });
    assert.deepEqual((await printed(['serve'], { CERTBOUND_NO_ADMIN: 'TRUE' })).options['no-admin'], { value: true, source: 'env', from: 'CERTBOUND_NO_ADMIN' });
    const off = await printed(['serve', '--config', file, '--no-seed-demo', '--no-json'], { CERTBOUND_SEED_DEMO: '1' });
    assert.deepEqual(off.options['seed-demo'], { value: false, source: 'cli' });
    assert.deepEqual(off.options['json'], { value: false, source: 'cli' });
  });

  test('a real command runs with its options from the file and the environment: init creates the data directory they name', async () => {
    const dir = join(root, 'from-file');
    const file = await configFile('init.json', { dir, init: { 'trust-domain': 'example.test' } });
    const r = await run(['init', '--json'], { CERTBOUND_CONFIG: file });
    assert.equal(r.code, 0, r.err);
    assert.equal((JSON.parse(r.out) as { dir: string }).dir, dir);
    assert.ok(existsSync(join(dir, 'ca.pem')));
    // CERTBOUND_DIR keeps working (it is --dir's variable), and beats the file.
    const other = join(root, 'from-env');
    const viaEnv = await run(['init', '--json'], { CERTBOUND_CONFIG: file, CERTBOUND_DIR: other });
    assert.equal(viaEnv.code, 0, viaEnv.err);
    assert.equal((JSON.parse(viaEnv.out) as { dir: string }).dir, other);
  });

  test('a top-level key of another command is accepted and ignored by a command without that flag', async () => {
    const file = await configFile('shared.json', { dir: join(root, 'shared'), port: 8443, 'admin-url': 'https://127.0.0.1:8444' });
    const r = await run(['init', '--json', '--config', file]);
    assert.equal(r.code, 0, r.err);
  });
});

describe('options shared by every command yield to typed ones', () => {
  test('a --database from the environment yields to a typed --admin-url; a typed one is still refused with it', async () => {
    const admin = ['partner', 'list', '--admin-url', 'https://127.0.0.1:9', '--admin-cert', join(root, 'no-cert.pem'), '--admin-key', join(root, 'no-key.pem')];
    const env = { CERTBOUND_DATABASE: 'postgres://u:pw@127.0.0.1:9/x' };
    const yielded = await run(admin, env);
    assert.equal(yielded.code, 2);
    // It went on to the administrator certificate: the variable did not stand in the way.
    assert.match(yielded.err, /^certbound partner: --admin-cert: cannot read '.*no-cert\.pem' \(ENOENT\)/);
    const typed = await run([...admin, '--database', 'postgres://u:pw@127.0.0.1:9/x']);
    assert.equal(typed.code, 2);
    assert.match(typed.err, /^certbound partner: --admin-url and --database exclude each other/);
  });

  test('onCommandLine tells a typed option from one the environment or the file gave (the demo refuses only a typed --dir or --json)', async () => {
    const { COMMANDS } = await import('../../src/cli/main.ts');
    const { onCommandLine, parse } = await import('../../src/cli/context.ts');
    const { runInvocation } = await import('../../src/cli/invocation.ts');
    await runInvocation({ command: 'demo', env: { CERTBOUND_DIR: '/srv/certbound', CERTBOUND_JSON: '1' }, file: null }, COMMANDS, async () => {
      const { values } = parse(['--json'], {});
      assert.equal(values.dir, '/srv/certbound');
      assert.equal(onCommandLine('dir', values), false);
      assert.equal(onCommandLine('json', values), true);
    });
    const typed = await run(['demo', '--dir', join(root, 'demo')], { CERTBOUND_JSON: '1' });
    assert.equal(typed.code, 2);
    assert.match(typed.err, /^certbound demo: --dir does not apply/);
  });
});

describe('configuration errors: exit status 2, naming the variable or the file and key, never the value', () => {
  test('a boolean variable that is not true, false, 1 or 0', async () => {
    const r = await run(['serve'], { CERTBOUND_SEED_DEMO: 'yes-s3cret' });
    assert.equal(r.code, 2);
    assert.equal(r.err, 'certbound serve: $CERTBOUND_SEED_DEMO must be true, false, 1 or 0\n');
  });

  test('a value from the environment the command refuses says where it came from', async () => {
    const r = await run(['serve', '--dir', join(root, 'never')], { CERTBOUND_ADMIN_PORT: 'abc' });
    assert.equal(r.code, 2);
    assert.match(r.err, /^certbound serve: --admin-port must be a whole number from 0 to 65535 \(--admin-port came from \$CERTBOUND_ADMIN_PORT\)\nRun 'certbound serve --help' for its usage\./);
    const file = await configFile('bad-port.json', { serve: { port: 70000 } });
    const fromFile = await run(['serve', '--config', file]);
    assert.equal(fromFile.code, 2);
    assert.match(fromFile.err, new RegExp(`^certbound serve: --port must be a whole number from 0 to 65535 \\(--port came from ${file.replaceAll('/', '\\/')}: serve\\.port\\)`));
  });

  test('an unknown key in the file, at the top level or in a command\'s section', async () => {
    const top = await configFile('unknown-top.json', { prot: 8443 });
    const r = await run(['serve', '--config', top]);
    assert.equal(r.code, 2);
    assert.equal(r.err, `certbound serve: ${top}: unknown key 'prot': not an option of any command\n`);
    const section = await configFile('unknown-section.json', { serve: { keep: true } });
    const s = await run(['init', '--config', section]);
    assert.equal(s.code, 2);
    assert.equal(s.err, `certbound init: ${section}: unknown key 'serve.keep': not an option of certbound serve\n`);
    const command = await configFile('unknown-command.json', { serv: { port: 1 } });
    const c = await run(['init', '--config', command]);
    assert.equal(c.code, 2);
    assert.equal(c.err, `certbound init: ${command}: unknown key 'serv': no command of that name\n`);
    const nested = await configFile('nested.json', { config: 'other.json' });
    const n = await run(['init', '--config', nested]);
    assert.equal(n.code, 2);
    assert.equal(n.err, `certbound init: ${nested}: 'config' cannot be set in a configuration file\n`);
  });

  test('a value of the wrong type in the file', async () => {
    const file = await configFile('wrong-type.json', { database: 'postgres://u:pw@db/x', serve: { 'seed-demo': 'yes', port: 1 } });
    const r = await run(['serve', '--config', file]);
    assert.equal(r.code, 2);
    assert.equal(r.err, `certbound serve: ${file}: serve.seed-demo must be true or false\n`);
    const list = await configFile('wrong-list.json', { port: ['1', '2'] });
    const l = await run(['serve', '--config', list]);
    assert.equal(l.code, 2);
    assert.equal(l.err, `certbound serve: ${list}: port must be a string or number\n`);
  });

  test('a file that is not JSON, not an object, or not there; its content is never quoted', async () => {
    const broken = await configFile('broken.json', '{"database": "postgres://u:hunter2@db/x",\n oops }');
    const r = await run(['serve', '--config', broken]);
    assert.equal(r.code, 2);
    assert.equal(r.err, `certbound serve: the configuration file ${broken} is not valid JSON (line 2, column 2)\n`);
    assert.doesNotMatch(r.err, /hunter2/);
    const array = await configFile('array.json', [1]);
    assert.equal((await run(['serve', '--config', array])).err, `certbound serve: the configuration file ${array} must hold a JSON object\n`);
    const missing = join(root, 'missing.json');
    const m = await run(['serve'], { CERTBOUND_CONFIG: missing });
    assert.equal(m.code, 2);
    assert.equal(m.err, `certbound serve: the configuration file ${missing} cannot be read (ENOENT)\n`);
  });
});

describe('certbound config --print', () => {
  const kek = 'Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyMTI=';
  const secrets = ['hunter2', 'p%40ss', kek, 'BEGIN PRIVATE KEY', 'tls-secret.pem'];

  test('masks $CERTBOUND_KEK, passwords in URLs and every *key*/*secret*/*password* option, in both forms', async () => {
    const file = await configFile('secrets.json', {
      database: 'postgres://certbound:hunter2@db.internal/certbound?sslmode=require&password=p%40ss',
      serve: { 'tls-cert': '/etc/certbound/cert.pem', 'tls-key': '/etc/certbound/tls-secret.pem' },
    });
    const env = { CERTBOUND_KEK: kek };
    const human = await run(['config', '--print', 'serve', '--config', file], env);
    assert.equal(human.code, 0, human.err);
    const json = await run(['config', '--print', '--json', 'serve', '--config', file], env);
    for (const secret of secrets) {
      assert.ok(!human.out.includes(secret), `human output shows ${secret}`);
      assert.ok(!json.out.includes(secret), `JSON output shows ${secret}`);
    }
    const shown = JSON.parse(json.out) as Shown;
    assert.deepEqual(shown.options['database'], { value: 'postgres://certbound:***@db.internal/certbound?sslmode=require&password=***', source: 'file', from: `${file}: database` });
    assert.deepEqual(shown.options['tls-key'], { value: '***', source: 'file', from: `${file}: serve.tls-key` });
    assert.deepEqual(shown.options['tls-cert'], { value: '/etc/certbound/cert.pem', source: 'file', from: `${file}: serve.tls-cert` });
    assert.deepEqual(shown.kek, { value: '***', source: 'env', from: 'CERTBOUND_KEK' });
    assert.match(human.out, /^ {2}database +postgres:\/\/certbound:\*\*\*@db\.internal\/certbound\?sslmode=require&password=\*\*\* +file .*secrets\.json: database$/m);
    assert.match(human.out, /^ {2}\(kek\) +\*\*\* +env CERTBOUND_KEK$/m);
  });

  test('the KEK row names the source the store is opened with: --kek-file before $CERTBOUND_KEK, else <dir>/kek', async () => {
    const kekFile = join(root, 'kek-for-print');
    const both = await run(['config', '--print', '--json', 'serve', '--kek-file', kekFile], { CERTBOUND_KEK: kek });
    assert.deepEqual((JSON.parse(both.out) as Shown).kek, { value: null, source: 'kek-file', from: kekFile });
    const human = await run(['config', '--print', 'serve', '--kek-file', kekFile], { CERTBOUND_KEK: kek });
    assert.match(human.out, new RegExp(`^ {2}\\(kek\\) +- +kek-file ${kekFile.replaceAll('/', '\\/')}$`, 'm'));
    assert.ok(!human.out.includes(kek));
    const neither = await run(['config', '--print', 'serve'], { CERTBOUND_KEK: undefined });
    assert.match(neither.out, /^ {2}\(kek\) +- +default \(<dir>\/kek\)$/m);
  });

  test('an inline private key given to --key is masked', async () => {
    const shown = await printed(['token', '--key', '-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----']);
    assert.deepEqual(shown.options['key'], { value: '***', source: 'cli' });
  });

  test('without a command it shows the options every command takes; an unknown command exits 2', async () => {
    const shown = await printed([], { CERTBOUND_DIR: '/srv/certbound' });
    assert.deepEqual(Object.keys(shown.options), ['config', 'dir', 'insecure-permissions', 'json', 'kek-file']);
    assert.deepEqual(shown.options['dir'], { value: '/srv/certbound', source: 'env', from: 'CERTBOUND_DIR' });
    const r = await run(['config', '--print', 'nope']);
    assert.equal(r.code, 2);
    assert.match(r.err, /^certbound config: unknown command 'nope'/);
    const bare = await run(['config']);
    assert.equal(bare.code, 2);
    assert.match(bare.err, /^certbound config: expected: certbound config --print \[COMMAND\]/);
  });
});
