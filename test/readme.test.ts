// The README's walk-through and "Calling an API", and examples/README, run as written: every
// `sh` block of those sections, in order, in a fresh directory (`npm run certbound --` is the CLI
// on the pinned Node; the fixed ports 8443 and 9443 become free ones). A step that fails here
// fails for a reader.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { childEnv, freePort, BIN, NODE, shell, startCertbound, type CliProcess, type CliResult } from './cli/run.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLES: Readonly<Record<string, string>> = { node: 'node-api.ts', express: 'express-api.ts', fastify: 'fastify-api.ts' };

/** The `sh` blocks of a document from one heading up to the next one named. */
async function blocks(file: string, from: string, to: string): Promise<string[]> {
  const text = await readFile(join(ROOT, file), 'utf8');
  const start = text.indexOf(from);
  const end = to === '' ? text.length : text.indexOf(to, start + from.length);
  assert.ok(start >= 0 && end > start, `${file}: sections ${from} … ${to}`);
  return [...text.slice(start, end).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** The commands of a block: continued lines joined, trailing `# comments` dropped. */
function commands(block: string): string[] {
  return block
    .replaceAll('\\\n', ' ')
    .split('\n')
    .map((line) => line.replace(/\s{2,}# .*$/, '').trim())
    .filter((line) => line !== '');
}

/** Runs documented blocks in `dir`, starting the long-running commands in the background. */
class Reader {
  readonly outputs: CliResult[] = [];
  private readonly background: { stop(): Promise<unknown> }[] = [];
  private readonly dir: string;
  private readonly port: number;
  private readonly apiPort: number;
  constructor(dir: string, port: number, apiPort: number) {
    this.dir = dir;
    this.port = port;
    this.apiPort = apiPort;
  }

  /** A command as it runs here: the CLI on the pinned Node, free ports instead of the fixed ones. */
  private local(command: string): string {
    return command
      .replaceAll(/npm run (-s )?certbound --/g, `"${NODE}" "${BIN}"`)
      .replaceAll('localhost:8443', `localhost:${this.port}`)
      .replaceAll('localhost:9443', `localhost:${this.apiPort}`);
  }

  private async startServe(args: string[]): Promise<void> {
    const serve: CliProcess = startCertbound(['serve', ...args, '--port', String(this.port), '--admin-port', '0'], { cwd: this.dir });
    this.background.push({ stop: () => serve.stop('SIGINT') });
    await serve.waitFor(/Stop with Ctrl-C\.\n/);
  }

  private async startExample(name: string, env: Record<string, string>): Promise<void> {
    // npm scripts run in the package root; an example reads ./orders-api from its working directory.
    const api: ChildProcess = spawn(NODE, [join(ROOT, 'examples', EXAMPLES[name]!)], {
      cwd: this.dir,
      env: childEnv({ ...env, PORT: String(this.apiPort), ISSUER: `https://localhost:${this.port}` }),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.background.push({ stop: async () => api.kill() });
    await once(api.stdout!, 'data');
  }

  private async script(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    const text = lines.join('\n');
    // The pinned Node first on the PATH: `node -pe` in the blocks is the one npm scripts use too.
    // token and call default to https://localhost:8443; here the service is on another port.
    const issuer = /certbound -- (token|call) /.test(text) ? `export CERTBOUND_ISSUER=https://localhost:${this.port}\n` : '';
    const r = await shell(`set -e\nexport PATH='${dirname(NODE)}:${process.env['PATH'] ?? ''}'\n${issuer}${lines.map((l) => this.local(l)).join('\n')}`, this.dir);
    assert.equal(r.code, 0, `${text}\n${r.stdout}\n${r.stderr}`);
    this.outputs.push(r);
  }

  /** Runs one block: its plain commands in one shell (they share variables), long-running ones in the background. */
  async run(block: string): Promise<void> {
    let pending: string[] = [];
    for (const command of commands(block)) {
      const example = /^(?:(\w+)=(\S+) )?npm run example:(\w+)$/.exec(command);
      const serve = command === 'npm run certbound -- serve' ? [] : command === 'npm start' ? ['--seed-demo'] : null;
      if (example === null && serve === null) {
        pending.push(command);
        continue;
      }
      await this.script(pending);
      pending = [];
      if (serve !== null) await this.startServe(serve);
      else await this.startExample(example![3]!, example![1] === undefined ? {} : { [example![1]]: example![2]! });
    }
    await this.script(pending);
  }

  async stop(): Promise<void> {
    for (const b of this.background.reverse()) await b.stop();
  }
}

/** A fresh directory and a reader of the docs in it. */
function reading(): { reader: () => Reader } {
  let dir: string;
  let reader: Reader;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certbound-readme-'));
    reader = new Reader(dir, await freePort(), await freePort());
  });
  after(async () => {
    await reader.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return { reader: () => reader };
}

describe('README walk-through and Calling an API, every command as written', () => {
  const { reader } = reading();

  test('each block exits 0, in order, with the service and the example API started where the README starts them', async () => {
    const steps = [
      ...(await blocks('README.md', '## Five-minute walk-through', '## Protecting an API')),
      ...(await blocks('README.md', '## Calling an API', '## What the token service speaks')),
    ];
    for (const step of steps) await reader().run(step);
  });

  test('step 5 decodes the payload: cnf.x5t#S256, which step 6 computes from the certificate with openssl', () => {
    const decoded = reader().outputs.find((o) => o.stdout.includes('"cnf"'));
    assert.ok(decoded, 'a block printed the payload');
    const payload = JSON.parse(decoded.stdout) as { aud: string; cnf: { 'x5t#S256': string } };
    assert.equal(payload.aud, 'https://api.acme.example/orders');
    assert.ok(reader().outputs.some((o) => o.stdout.trim() === payload.cnf['x5t#S256']), 'the openssl pipeline prints the same thumbprint');
  });

  test('step 7 shows the failure it describes: 401 invalid_client', () => {
    assert.ok(reader().outputs.some((o) => o.stdout.trim() === '{"error":"invalid_client","error_description":"client authentication failed"} 401'));
  });

  test('Calling an API: certbound call gets 200 OK from the example API for acme-orders', () => {
    assert.ok(reader().outputs.some((o) => o.stdout.startsWith('200 OK\n{"orders":[],"for":"acme-orders"}')), reader().outputs.map((o) => o.stdout).join('\n---\n'));
  });
});

describe('examples/README, every command as written', () => {
  const { reader } = reading();

  test('init, cert server, npm start, npm run example:node, then curl and certbound call reach the API as the demo client', async () => {
    for (const step of await blocks('examples/README.md', '# Examples', '## Behind nginx')) await reader().run(step);
    const answers = reader().outputs.map((o) => o.stdout);
    assert.ok(answers.some((o) => o.trim() === '{"orders":[],"for":"demo-client"}'), answers.join('\n---\n'));
    assert.ok(answers.some((o) => o.startsWith('200 OK\n{"orders":[],"for":"demo-client"}')), answers.join('\n---\n'));
  });
});
