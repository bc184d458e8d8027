// examples/node-api.ts as a user starts it (`npm run example:node`): routing on the path, so a
// query string neither hides the API (404) nor a token misplaced in it (400).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { send } from '../helpers/https.ts';
import { childEnv, freePort, NODE } from '../cli/run.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/node-api.ts', import.meta.url));
const quiet = { out: () => {}, err: () => {} };

describe('examples/node-api.ts', () => {
  let root: string;
  let port: number;
  let ca: string;
  let child: ReturnType<typeof spawn>;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'certbound-example-'));
    const dir = join(root, '.certbound');
    assert.equal(await main(['init', '--dir', dir], quiet, {}), 0);
    assert.equal(await main(['cert', 'server', 'orders-api', '--san', 'dns:localhost', '--out', join(root, 'orders-api'), '--dir', dir], quiet, {}), 0);
    ca = await readFile(join(root, 'orders-api', 'ca.pem'), 'utf8');
    port = await freePort();
    child = spawn(NODE, [EXAMPLE], { cwd: root, env: childEnv({ PORT: String(port) }), stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    assert.match(line.toString(), new RegExp(`orders API on https://localhost:${port}/orders`));
  });
  after(async () => {
    child.kill();
    await rm(root, { recursive: true, force: true });
  });

  test('RFC 6750 §3.1: /orders?page=2 reaches the guard (401 without a token), not a 404', async () => {
    const res = await send(`https://localhost:${port}/orders?page=2`, { ca });
    assert.equal(res.status, 401);
    assert.match(String(res.headers['www-authenticate']), /^Bearer/);
  });

  test('RFC 6750 §2.3: a token in the query of /orders is 400 invalid_request, not a 404', async () => {
    const res = await send(`https://localhost:${port}/orders?access_token=abc`, { ca });
    assert.equal(res.status, 400);
    assert.equal(res.json?.['error'], 'invalid_request');
  });

  test('another path is still 404', async () => {
    assert.equal((await send(`https://localhost:${port}/other?x=/orders`, { ca })).status, 404);
  });
});
