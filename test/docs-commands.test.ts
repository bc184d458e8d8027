// The docs pages a newcomer follows, run as written: every `sh` block of docs/partners.md,
// docs/operations.md and docs/concepts.md, in order, in a fresh directory; the `config --print`
// transcript of docs/configuration.md against the file the page shows; docs/client.md's examples
// in the state the README's walk-through leaves. How a line runs: test/helpers/docs-page.ts.
// (README.md and examples/README.md: test/readme.test.ts. docs/deployment.md: test/deploy/.)
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { certbound, NODE, shell } from './cli/run.ts';
import { CLI, commands, fenced, reading, ROOT, SHELL_FEATURES, words } from './helpers/docs-page.ts';
describe('docs/partners.md, every command as written', () => {
  // "3f9a1c0d stands for the fingerprint of initech-root.pem that partner show printed."
  const reader = reading([
    {
      text: '3f9a1c0d',
      value: async (dir) => new X509Certificate(await readFile(join(dir, 'initech-root.pem'))).fingerprint256.replaceAll(':', '').slice(0, 8).toLowerCase(),
    },
  ]);

  test('after init, each block exits 0 in order: test roots, partners and anchors, a CSR signed for a registered client, grants, serve --ca-names roots', async () => {
    await reader.run('npm run certbound -- init');
    for (const block of await fenced('docs/partners.md', 'sh')) await reader.run(block);
  });

  test('partner show names the fingerprint the page removes by, and the rollover leaves initech with the 2027 anchor only', () => {
    assert.match(reader.output('npm run certbound -- partner show initech'), /CN=initech-root,O=initech/);
    const list = reader.output('npm run certbound -- partner list');
    assert.match(list, /^initech\tactive\t1 anchor\(s\)/m);
    assert.match(reader.output('npm run certbound -- partner trust initech --remove-ca'), /^Trust anchor [0-9a-f]{16}… of 'initech' removed: CN=initech-root,O=initech$/m);
  });

  test('cert sign writes the certificate of the registered client: the CSR subject, from acme\u2019s CA', async () => {
    const cert = new X509Certificate(await readFile(join(reader.dir, 'cert.pem')));
    assert.match(cert.subject, /CN=orders-client/);
    assert.match(cert.subject, /O=acme/);
  });
  test('a client --resource nobody registered is refused, naming resource add, as the page says; client --help says the same', async () => {
    const refused = await certbound(['client', 'add', 'x1', '--partner', 'acme', '--subject-dn', 'CN=x1,O=acme', '--resource', 'https://unknown.acme.example/'], { cwd: reader.dir });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is not registered: its owner registers it first with certbound resource add/);
    const help = await certbound(['client', '--help'], { cwd: reader.dir });
    assert.equal(help.code, 0);
    assert.doesNotMatch(help.stdout, /Unknown ones are registered/);
    assert.match(help.stdout, /Each must be registered already \(resource add\)/);
  });
});

describe('docs/operations.md, every command as written', () => {
  const reader = reading();

  test('after init, keys list/rotate/retire, cert expiring and cert server --renew each exit 0', async () => {
    await reader.run('npm run certbound -- init');
    for (const block of await fenced('docs/operations.md', 'sh')) await reader.run(block);
  });

  test('keys list shows the signing key and the schedule; cert expiring --json is JSON for scripts', () => {
    assert.match(reader.output('npm run certbound -- keys list'), /\tsigning\t/);
    assert.match(reader.output('npm run certbound -- keys rotate --schedule 30d'), /rotates every 30d/);
    assert.ok(Array.isArray(JSON.parse(reader.output('npm run -s certbound -- cert expiring --within 7d --json'))));
  });
});

describe('docs/concepts.md, every command as written', () => {
  const reader = reading();

  test('rotating the KEK of the embedded store: <dir>/kek is replaced by new.kek (the PostgreSQL line needs a database and is left out)', async () => {
    await reader.run('npm run certbound -- init');
    const blocks = await fenced('docs/concepts.md', 'sh');
    assert.ok(blocks.length > 0, 'docs/concepts.md has sh blocks');
    for (const block of blocks) await reader.run(commands(block).filter((c) => !c.includes('postgres://')).join('\n'));
    const kek = await readFile(join(reader.dir, 'new.kek'), 'utf8');
    assert.equal((await readFile(join(reader.dir, '.certbound', 'kek'), 'utf8')).trim(), kek.trim());
    assert.match(reader.output('npm run certbound -- keys rewrap'), /Re-wrapped \d+ private keys/);
  });
});

describe('docs/configuration.md: config --print against the page\u2019s own file', () => {
  const reader = reading();

  test('the transcript is what the command prints for the file above, line for line where it shows one', async () => {
    const file = (await fenced('docs/configuration.md', 'json')).find((b) => b.includes('"$schema"'));
    assert.ok(file, 'the page shows a configuration file');
    await writeFile(join(reader.dir, 'certbound.json'), file);
    const transcript = (await fenced('docs/configuration.md', '')).find((b) => b.startsWith('$ '));
    assert.ok(transcript, 'the page shows a config --print transcript');
    const [prompt = '', ...shown] = transcript.trimEnd().split('\n');
    const line = /^\$ (\w+)=(\S+) (npm run .*)$/.exec(prompt);
    assert.ok(line, prompt);
    const args = words(CLI.exec(line[3]!)![1]!);
    const env = { [line[1]!]: line[2]! };
    const printed = await certbound(args, { cwd: reader.dir, env });
    assert.equal(printed.code, 0, printed.stderr);
    const lines = printed.stdout.split('\n');
    for (const row of shown.filter((r) => r.trim() !== '…')) assert.ok(lines.includes(row), `printed:\n${printed.stdout}\nmissing: ${row}`);

    const json = (await fenced('docs/configuration.md', 'json')).find((b) => b.includes('"config_file"'));
    assert.ok(json, 'the page shows the --json form');
    const documented = JSON.parse(json) as { command: string; config_file: string; options: Record<string, unknown>; kek: unknown };
    const asJson = await certbound(['config', '--print', '--json', ...args.slice(2)], { cwd: reader.dir, env });
    assert.equal(asJson.code, 0, asJson.stderr);
    const actual = JSON.parse(asJson.stdout) as typeof documented;
    assert.equal(actual.command, documented.command);
    assert.equal(actual.config_file, documented.config_file);
    assert.deepEqual(actual.kek, documented.kek);
    for (const [name, value] of Object.entries(documented.options)) assert.deepEqual(actual.options[name], value, name);
  });
});

describe('docs/client.md: the shell lines are the README\u2019s, which test/readme.test.ts runs', () => {
  test('each line of "From the shell" is a line of the README\u2019s "Calling an API" or walk-through', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const readmeLines = new Set(readme.split('\n').map((l) => l.trim().replace(/^npm run -s /, 'npm run ')));
    const lines = (await fenced('docs/client.md', 'sh')).flatMap(commands);
    assert.ok(lines.length > 0);
    for (const l of lines) assert.ok(readmeLines.has(l), `docs/client.md: ${l} is not in the README`);
  });
});

describe('docs/client.md: the examples, in the state the README walk-through leaves', () => {
  const reader = reading();

  test('after the README\u2019s certbound lines and its orders API, createClient + fetch prints 200 and getToken gets tokens for both audiences', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const walk = readme.slice(readme.indexOf('## Five-minute walk-through'), readme.indexOf('## Protecting an API'));
    const lines = [...walk.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => commands(m[1]!)).filter((c) => CLI.test(c) && !SHELL_FEATURES.test(c));
    for (const line of lines) await reader.run(line);
    const calling = readme.slice(readme.indexOf('## Calling an API'));
    const example = /^(\w+)=(\S+) npm run example:node$/m.exec(calling);
    assert.ok(example, 'the README starts the node example with its AUDIENCE');
    await reader.example('node-api.ts', { [example[1]!]: example[2]! });

    // Examples 1, 2 and 4 with one client (3 is a write the walk-through grants no scope for).
    const [first = '', second = '', , errors = ''] = await fenced('docs/client.md', 'ts');
    const program = [first.replace('await client.close();', ''), second, errors, 'console.log(JSON.stringify({ token: accessToken.length > 0, renewAt: renewAt > Date.now(), scope: response.scope, other: other.response.scope }));', 'await client.close();']
      .join('\n')
      .replace("'certbound/client'", JSON.stringify(join(ROOT, 'src', 'client', 'index.ts')))
      .replaceAll('https://localhost:8443', `https://localhost:${reader.port}`)
      .replaceAll('https://localhost:9443', `https://localhost:${reader.apiPort}`);
    await writeFile(join(reader.dir, 'client-example.ts'), program);
    const ran = await shell(`"${NODE}" client-example.ts`, reader.dir);
    assert.equal(ran.code, 0, ran.stderr);
    const [fetched, got] = ran.stdout.trim().split('\n');
    assert.equal(fetched, "200 { orders: [], for: 'acme-orders' }");
    assert.deepEqual(JSON.parse(got!), { token: true, renewAt: true, scope: 'orders:read', other: 'stock:read' });
  });
});
