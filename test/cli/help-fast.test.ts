// `certbound --help`, `certbound <command> --help` and `certbound --version` answer at once: the
// process loads the CLI's entry and the usage texts, never a command's implementation (the token
// service, the store, pino, fastify, undici, @peculiar/x509…). Each case runs the real binary
// (src/cli/bin.ts) in a fresh process that reports every module it loaded, and prints exactly what
// `main()` prints in-process.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { describe, test } from 'node:test';
import { COMMANDS, main } from '../../src/cli/main.ts';
import { runObserved, type LoadedModules } from '../helpers/loaded-modules.ts';
import { BIN, childEnv } from './run.ts';

// What a help, version or unknown-command answer needs: the binary's start-up (bin.ts with its
// Node check and compile cache), main.ts, did-you-mean and the usage texts.
const ENTRY = new Set(['cli/bin.ts', 'cli/node-version.ts', 'cli/compile-cache.ts', 'cli/main.ts', 'cli/did-you-mean.ts']);

/** What `main(argv)` prints and returns in this process. */
async function inProcess(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { out: (t) => void (stdout += `${t}\n`), err: (t) => void (stderr += `${t}\n`) }, {});
  return { code, stdout, stderr };
}

function assertOnlyEntryAndUsage(loaded: LoadedModules, argv: string[]): void {
  assert.deepEqual(loaded.packages, [], `certbound ${argv.join(' ')} loads no package (fastify, pino, undici, @peculiar/x509, pg, ajv…)`);
  assert.deepEqual(loaded.parts, ['cli'], `certbound ${argv.join(' ')} loads nothing of src/ but the CLI (no server, storage, admin, pki)`);
  const beyond = loaded.sources.filter((s) => !ENTRY.has(s) && !s.startsWith('cli/usage/'));
  assert.deepEqual(beyond, [], `certbound ${argv.join(' ')} loads only the CLI's entry and usage texts, no command's implementation`);
}

const CASES: string[][] = [['--version'], ['--help'], ...Object.keys(COMMANDS).map((name) => [name, '--help']), ['partnr']];

describe('issue 14: --help, <command> --help and --version load only the CLI entry and the usage texts', { concurrency: 4 }, () => {
  for (const argv of CASES) {
    test(`certbound ${argv.join(' ')} prints what main() prints, loading no command, store, server or package`, async () => {
      const [run, expected] = await Promise.all([runObserved([BIN, ...argv], { cwd: tmpdir(), env: childEnv() }), inProcess(argv)]);
      assert.equal(run.code, expected.code);
      assert.equal(run.stdout, expected.stdout);
      assert.equal(run.stderr, expected.stderr);
      assertOnlyEntryAndUsage(run.loaded, argv);
    });
  }
});

test('issue 14: an unknown command still gets its did-you-mean without any command loaded', async () => {
  const run = await runObserved([BIN, 'partnr'], { cwd: tmpdir(), env: childEnv() });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /unknown command 'partnr'; did you mean 'partner'\?/);
  assert.deepEqual(run.loaded.sources.filter((s) => s.startsWith('cli/usage/') && s !== 'cli/usage/certbound.ts'), [], 'no command usage either');
});

test('issue 14: each command module prints the usage text main.ts loads without it (one source)', async () => {
  for (const [name, load] of Object.entries(COMMANDS)) {
    const { stdout } = await inProcess([name, '--help']);
    assert.equal(stdout, `${(await load()).usage}\n`, name);
  }
});
