// `certbound serve --workers N`: the token service in N processes on one port and one
// PostgreSQL, run as a user runs it, with the admin API and metrics in the first process.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { send } from '../helpers/https.ts';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { certbound, freePort, hasStackTrace, startCertbound, type CliProcess } from './run.ts';

let root: string;
let pg: TestPostgres;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'certbound-workers-'));
  pg = await startTestPostgres();
});
after(async () => {
  await pg.stop();
  await rm(root, { recursive: true, force: true });
});

/** The worker processes of `serve` (its children). */
async function children(pid: number): Promise<number[]> {
  const tasks = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
  return tasks.trim().split(/\s+/).filter(Boolean).map(Number);
}

test('--workers above 1 on the embedded store is refused with a usage error naming --database', async () => {
  const r = await certbound(['serve', '--dir', join(root, 'embedded'), '--port', '0', '--workers', '2'], { cwd: root });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--workers above 1 needs --database/);
  assert.ok(!hasStackTrace(r.stderr), r.stderr);
});

describe('serve --workers 2 --database postgres://…', () => {
  let s: CliProcess;
  let dir: string;
  let issuer: string;
  let metricsUrl: string;
  let database: string;
  const env = { CERTBOUND_KEK: randomBytes(32).toString('base64') };
  before(async () => {
    dir = join(root, 'pg');
    database = await pg.createDatabase();
    const port = await freePort();
    const metricsPort = await freePort();
    s = startCertbound(['serve', '--dir', dir, '--database', database, '--workers', '2', '--port', String(port), '--admin-port', '0', '--metrics-port', String(metricsPort), '--seed-demo'], { cwd: root, env });
    await s.waitFor(/Stop with Ctrl-C/);
    issuer = /^ {2}issuer +(\S+)$/m.exec(s.stdout())![1]!;
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  });
  after(() => s.stop());

  const demo = async () => ({
    cert: await readFile(join(dir, 'demo-client', 'cert.pem'), 'utf8'),
    key: await readFile(join(dir, 'demo-client', 'key.pem'), 'utf8'),
    ca: await readFile(join(dir, 'ca.pem'), 'utf8'),
  });
  /** A token request on a new connection (so the kernel may hand it to either worker). */
  const tokenRequest = async () => {
    const { cert, key, ca } = await demo();
    return send(`${issuer}/token`, { ca, identity: { cert, key }, form: { grant_type: 'client_credentials', client_id: 'demo-client' } });
  };

  test('two worker processes serve the port; every token they issue is bound and the metrics sum both', async () => {
    assert.equal((await children(s.child.pid!)).length, 2);
    const before = await (await fetch(metricsUrl)).text();
    const issuedBefore = Number(/^certbound_tokens_issued_total (\d+)$/m.exec(before)?.[1] ?? 0);
    for (let i = 0; i < 12; i++) {
      const res = await tokenRequest();
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json?.['token_type'], 'Bearer');
    }
    const scraped = await (await fetch(metricsUrl)).text();
    assert.match(scraped, new RegExp(`^certbound_tokens_issued_total ${issuedBefore + 12}$`, 'm'));
  });

  test('a change through the admin API is applied by every worker before the command returns', async () => {
    // On serve's database, the command goes through its admin API.
    const disabled = await certbound(['client', 'disable', 'demo-client', '--dir', dir, '--database', database], { cwd: root, env });
    assert.equal(disabled.code, 0, disabled.stderr);
    // New connections, so both workers are asked: none may still issue.
    for (let i = 0; i < 8; i++) {
      const res = await tokenRequest();
      assert.equal(res.status, 401, res.text);
      assert.equal(res.json?.['error'], 'invalid_client');
    }
  });

  test('SIGTERM stops the workers and the service exits 0', async () => {
    const workers = await children(s.child.pid!);
    assert.equal(await s.stop('SIGTERM'), 0, s.stderr());
    for (const pid of workers) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
  });
});
