// Where admin commands act: a remote admin API named with --admin-url, the admin API of a
// serve running on the data directory (found through serve.lock), or the store itself.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addAdminCertificate } from '../../src/admin/admins.ts';
import { startAdminApi, type AdminApi } from '../../src/admin/api.ts';
import { TOKEN_SERVICE_TLS } from '../../src/admin/init.ts';
import { ensureLocalAdmin, localAdminFiles } from '../../src/admin/local-admin.ts';
import { withAdmin } from '../../src/cli/admin-target.ts';
import { main } from '../../src/cli/main.ts';
import { CertboundError } from '../../src/core/certbound-error.ts';
import { pkcs8ToPem } from '../../src/pki/keys.ts';
import { send } from '../helpers/https.ts';
import { credentials, startWorld, type Harness } from '../helpers/world.ts';
import { certbound, freePort, hasStackTrace, startCertbound } from './run.ts';

let world: Harness;
let api: AdminApi;
let reloads = 0;
let files: { cert: string; key: string; ca: string };

before(async () => {
  world = await startWorld();
  const tls = (await world.store.getTlsCredential(TOKEN_SERVICE_TLS))!;
  api = await startAdminApi({
    store: world.store,
    port: 0,
    tls: { cert: tls.certPem, key: pkcs8ToPem(tls.keyPkcs8) },
    onChange: async () => {
      reloads++;
      await world.service.reload();
    },
    logger: false,
  });
  const issued = await addAdminCertificate(world.store, 'ops');
  files = { cert: join(world.dir, 'ops-cert.pem'), key: join(world.dir, 'ops-key.pem'), ca: join(world.dir, 'ca.pem') };
  await writeFile(files.cert, issued.cert_pem);
  await writeFile(files.key, issued.key_pem!, { mode: 0o600 });
});
after(async () => {
  await api.close();
  await world.close();
});

/** Runs the CLI in this process, capturing what it prints. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) });
  return { code, out, err };
}

describe('--admin-url', () => {
  test('certbound partner add with --admin-url/--admin-cert/--admin-key/--admin-ca changes the running service, audited as that administrator', async () => {
    const before = reloads;
    const r = await cli(['partner', 'add', 'umbrella', '--json', '--admin-url', api.url, '--admin-cert', files.cert, '--admin-key', files.key, '--admin-ca', files.ca]);
    assert.equal(r.code, 0, r.err);
    assert.equal((JSON.parse(r.out) as Record<string, unknown>)['id'], 'umbrella');
    assert.equal((await world.store.getPartner('umbrella'))?.status, 'active');
    assert.equal(reloads, before + 1, 'the token service reloaded once');
    const events = await world.store.queryAudit({ partnerId: 'umbrella' });
    assert.ok(events.some((e) => e.event === 'admin.addPartner' && e.actor === 'ops' && e.outcome === 'success'));
  });

  test('without --admin-ca it trusts the data directory ca.pem', async () => {
    const r = await cli(['partner', 'show', 'umbrella', '--dir', world.dir, '--admin-url', api.url, '--admin-cert', files.cert, '--admin-key', files.key]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Partner 'umbrella' \(active\)/);
  });

  test('an error answer becomes the same error as on a local store: exit 1 with its message', async () => {
    const r = await cli(['partner', 'add', 'umbrella', '--admin-url', api.url, '--admin-cert', files.cert, '--admin-key', files.key, '--admin-ca', files.ca]);
    assert.equal(r.code, 1);
    assert.equal(r.err, "certbound partner: partner 'umbrella' already exists\n");
    const thrown = await withAdmin({ dir: world.dir, adminUrl: api.url, adminCert: files.cert, adminKey: files.key, adminCa: files.ca }, (invoke) => invoke('showPartner', { partner: 'nope' })).catch((e: unknown) => e);
    assert.ok(thrown instanceof CertboundError);
    assert.equal(thrown.code, 'ERR_CERTBOUND_NOT_FOUND');
  });

  test("a partner client's certificate is refused: exit 1, ERR_CERTBOUND_ADMIN_REFUSED naming the certificate file", async () => {
    const acme = await credentials('acme-a');
    const r = await cli(['partner', 'add', 'sneaky', '--admin-url', api.url, '--admin-cert', acme.files.cert, '--admin-key', acme.files.key, '--admin-ca', files.ca]);
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`the admin API at ${api.url} refused the certificate ${acme.files.cert.replaceAll('.', '\\.')}: the certificate presented is not an administrator certificate`));
    assert.ok(!hasStackTrace(r.err), r.err);
    assert.equal(await world.store.getPartner('sneaky'), null);
    const thrown = await withAdmin({ dir: world.dir, adminUrl: api.url, adminCert: acme.files.cert, adminKey: acme.files.key }, (invoke) => invoke('listPartners')).catch((e: unknown) => e);
    assert.ok(thrown instanceof CertboundError);
    assert.equal(thrown.code, 'ERR_CERTBOUND_ADMIN_REFUSED');
  });

  test('nothing listening: exit 1, ERR_CERTBOUND_ADMIN_UNAVAILABLE naming the URL', async () => {
    const url = `https://127.0.0.1:${await freePort()}`;
    const r = await cli(['partner', 'list', '--admin-url', url, '--admin-cert', files.cert, '--admin-key', files.key]);
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`cannot reach the admin API at ${url.replaceAll('.', '\\.')}: .*ECONNREFUSED`));
    assert.ok(!hasStackTrace(r.err), r.err);
  });

  test('--admin-url without --admin-cert/--admin-key, or --admin-cert alone, is a usage error (exit 2)', async () => {
    for (const args of [['--admin-url', api.url], ['--admin-url', api.url, '--admin-cert', files.cert], ['--admin-cert', files.cert, '--admin-key', files.key], ['--admin-url', 'http://127.0.0.1:1', '--admin-cert', files.cert, '--admin-key', files.key]]) {
      const r = await cli(['partner', 'list', '--dir', world.dir, ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, /--admin-/);
    }
  });
});

describe('serve.lock routing', () => {
  test('a live serve with an adminUrl in serve.lock makes withAdmin go through that admin API with <dir>/admin/cert.pem', async () => {
    await ensureLocalAdmin(world.store, world.dir);
    // A live process that is not this one stands for the serve (the lock of this very process never counts).
    const lock = join(world.dir, 'serve.lock');
    await writeFile(lock, JSON.stringify({ pid: process.ppid, issuer: world.issuer, adminUrl: api.url }));
    try {
      const before = reloads;
      // Locally, the embedded database is held by the lock's process: only the admin API can have done it.
      const added = await withAdmin({ dir: world.dir }, (invoke) => invoke('addPartner', { partner: 'routed' }));
      assert.equal((added as Record<string, unknown>)['id'], 'routed');
      assert.equal(reloads, before + 1);
      const events = await world.store.queryAudit({ partnerId: 'routed' });
      assert.equal(events.find((e) => e.event === 'admin.addPartner')?.actor, 'local');

      // A lock without an admin API (serve --no-admin, or an older serve) still keeps writers out.
      await writeFile(lock, JSON.stringify({ pid: process.ppid, issuer: world.issuer }));
      const busy = await withAdmin({ dir: world.dir }, (invoke) => invoke('listPartners')).catch((e: unknown) => e);
      assert.ok(busy instanceof CertboundError);
      assert.equal(busy.code, 'ERR_CERTBOUND_DIR_BUSY');
    } finally {
      await rm(lock, { force: true });
    }
  });

  test('the local administrator credential is kept while registered, and replaced (the old one withdrawn) when not', async () => {
    const paths = localAdminFiles(world.dir);
    await ensureLocalAdmin(world.store, world.dir);
    const first = await readFile(paths.cert, 'utf8');
    await ensureLocalAdmin(world.store, world.dir);
    assert.equal(await readFile(paths.cert, 'utf8'), first);
    const local = (await world.store.listAdminCertificates()).filter((c) => c.name === 'local');
    assert.equal(local.length, 1);
    await world.store.removeAdminCertificate(local[0]!.thumbprint);
    await ensureLocalAdmin(world.store, world.dir);
    assert.notEqual(await readFile(paths.cert, 'utf8'), first);
    assert.equal((await world.store.listAdminCertificates()).filter((c) => c.name === 'local').length, 1);
  });
});

describe('certbound serve with its admin API', () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'certbound-cli-admin-'));
  });
  after(() => rm(home, { recursive: true, force: true }));

  test('partner add and client add while serve runs go through its admin API, and the new client gets a token at once', async () => {
    const port = await freePort();
    const serve = startCertbound(['serve', '--port', String(port), '--admin-port', '0'], { cwd: home });
    try {
      const [, adminUrl] = await serve.waitFor(/^ {2}admin API +(https:\/\/127\.0\.0\.1:\d+)$/m);
      await serve.waitFor(/Stop with Ctrl-C\./);
      assert.doesNotMatch(serve.stdout(), /after stopping the service/);
      const data = join(home, '.certbound');
      const lock = JSON.parse(await readFile(join(data, 'serve.lock'), 'utf8')) as Record<string, unknown>;
      assert.deepEqual(lock, { pid: serve.child.pid, issuer: `https://localhost:${port}`, adminUrl });
      assert.ok(existsSync(join(data, 'admin', 'cert.pem')) && existsSync(join(data, 'admin', 'key.pem')));

      const partner = await certbound(['partner', 'add', 'acme'], { cwd: home });
      assert.equal(partner.code, 0, partner.stderr);
      const client = await certbound(['client', 'add', 'acme-a', '--partner', 'acme', '--issue-cert', './acme-a'], { cwd: home });
      assert.equal(client.code, 0, client.stderr);
      const t = await send(`https://localhost:${port}/token`, {
        form: { grant_type: 'client_credentials', client_id: 'acme-a' },
        identity: { cert: await readFile(join(home, 'acme-a', 'cert.pem'), 'utf8'), key: await readFile(join(home, 'acme-a', 'key.pem'), 'utf8') },
        ca: await readFile(join(data, 'ca.pem'), 'utf8'),
      });
      assert.equal(t.status, 200, t.text);
      assert.equal(t.json?.['token_type'], 'Bearer');
    } finally {
      assert.equal(await serve.stop('SIGTERM'), 0);
    }
    assert.equal(existsSync(join(home, '.certbound', 'serve.lock')), false);
  });
});
