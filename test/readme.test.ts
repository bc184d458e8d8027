// The README's walk-through and "Calling an API", run as written: every `sh` block of those
// sections, in order, in a fresh directory (`npm run certbound --` is the CLI on the pinned Node;
// the fixed ports 8443 and 9443 become free ones). A step that fails here fails for a reader.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { childEnv, freePort, MAIN, NODE, shell, startCertbound, type CliProcess, type CliResult } from './cli/run.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The `sh` blocks of the README from one heading up to the next `## ` heading. */
function blocks(readme: string, from: string, to: string): string[] {
  const start = readme.indexOf(from);
  const end = readme.indexOf(to, start + from.length);
  assert.ok(start >= 0 && end > start, `README sections ${from} … ${to}`);
  return [...readme.slice(start, end).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

describe('README walk-through, every command as written', () => {
  let dir: string;
  let port: number;
  let apiPort: number;
  let serve: CliProcess | undefined;
  let api: ChildProcess | undefined;
  let steps: string[];
  const outputs: CliResult[] = [];

  /** A block as it runs here: the CLI on the pinned Node, free ports instead of the fixed ones. */
  const local = (block: string) =>
    block
      .replaceAll(/npm run (-s )?certbound --/g, `"${NODE}" "${MAIN}"`)
      .replaceAll('localhost:8443', `localhost:${port}`)
      .replaceAll('localhost:9443', `localhost:${apiPort}`);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certbound-readme-'));
    [port, apiPort] = [await freePort(), await freePort()];
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    steps = [...blocks(readme, '## Five-minute walk-through', '## Protecting an API'), ...blocks(readme, '## Calling an API', '## What the token service speaks')];
  });
  after(async () => {
    api?.kill();
    await serve?.stop('SIGINT');
    await rm(dir, { recursive: true, force: true });
  });

  test('each block exits 0, in order, with the service and the example API started where the README starts them', async () => {
    // The pinned Node first on the PATH: `node -pe` in the blocks is the one npm scripts use too.
    const path = `${dirname(NODE)}:${process.env['PATH'] ?? ''}`;
    for (const step of steps) {
      const text = step.trim();
      if (text === 'npm run certbound -- serve') {
        serve = startCertbound(['serve', '--port', String(port), '--admin-port', '0'], { cwd: dir });
        await serve.waitFor(/Stop with Ctrl-C\.\n/);
        continue;
      }
      const example = /^(\w+)=(\S+) npm run example:node$/.exec(text);
      if (example) {
        // npm scripts run in the package root; the example reads ./orders-api from its working directory.
        api = spawn(NODE, [join(ROOT, 'examples/node-api.ts')], { cwd: dir, env: childEnv({ [example[1]!]: example[2]!, PORT: String(apiPort), ISSUER: `https://localhost:${port}` }), stdio: ['ignore', 'pipe', 'inherit'] });
        await once(api.stdout!, 'data');
        continue;
      }
      // token and call default to https://localhost:8443; here the service is on another port.
      const issuer = /certbound -- (token|call) /.test(text) ? `export CERTBOUND_ISSUER=https://localhost:${port}; ` : '';
      const r = await shell(`set -e; export PATH='${path}'; ${issuer}${local(text)}`, dir);
      assert.equal(r.code, 0, `${text}\n${r.stdout}\n${r.stderr}`);
      outputs.push(r);
    }
  });

  test('step 5 decodes the payload: cnf.x5t#S256, which step 6 computes from the certificate with openssl', () => {
    const decoded = outputs.find((o) => o.stdout.includes('"cnf"'));
    assert.ok(decoded, 'a block printed the payload');
    const payload = JSON.parse(decoded.stdout) as { aud: string; cnf: { 'x5t#S256': string } };
    assert.equal(payload.aud, 'https://api.acme.example/orders');
    const thumbprint = outputs.find((o) => o.stdout.trim() === payload.cnf['x5t#S256']);
    assert.ok(thumbprint, 'the openssl pipeline prints the same thumbprint');
  });

  test('step 7 shows the failure it describes: 401 invalid_client', () => {
    assert.ok(outputs.some((o) => o.stdout.trim() === '{"error":"invalid_client","error_description":"client authentication failed"} 401'));
  });

  test('Calling an API: certbound call gets 200 OK from the example API for acme-orders', () => {
    assert.ok(outputs.some((o) => o.stdout.startsWith('200 OK\n{"orders":[],"for":"acme-orders"}')), outputs.map((o) => o.stdout).join('\n---\n'));
  });
});
