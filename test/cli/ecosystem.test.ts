// The partner-ecosystem commands run as a user runs them, on the local data directory:
// resources and grants, CSR signing, revocation, imported anchors, rotation and the audit log.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createRootCa } from '../../src/pki/ca.ts';
import { world } from '../helpers/world.ts';
import { certbound, hasStackTrace, openssl, type CliResult } from './run.ts';

let home: string;
before(async () => {
  home = await mkdtemp(join(tmpdir(), 'certbound-cli-ecosystem-'));
  await cp((await world()).template, join(home, '.certbound'), { recursive: true });
});
after(() => rm(home, { recursive: true, force: true }));

const run = (...args: string[]): Promise<CliResult> => certbound(args, { cwd: home });
function ok(r: CliResult): unknown {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe('certbound resource, cert, audit on a data directory', () => {
  test('resource add defines scopes; grant to a partner defaults to all of them; revoke-grant withdraws it', async () => {
    const uri = 'https://ledger.globex.example/';
    const added = ok(await run('resource', 'add', uri, '--owner', 'globex', '--scope', 'ledger:read ledger:write', '--json')) as { owner: string; scopes: string[] };
    assert.deepEqual([added.owner, added.scopes], ['globex', ['ledger:read', 'ledger:write']]);
    const grant = ok(await run('resource', 'grant', uri, '--partner', 'acme', '--scope', 'ledger:read', '--json')) as { partner: string; client: null; scopes: string[] };
    assert.deepEqual(grant, { resource: uri, partner: 'acme', client: null, scopes: ['ledger:read'] });
    const refused = await run('resource', 'grant', uri, '--partner', 'acme', '--scope', 'ledger:delete');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /does not define the scopes ledger:delete/);
    ok(await run('resource', 'revoke-grant', uri, '--partner', 'acme', '--json'));
    const shown = ok(await run('resource', 'show', uri, '--json')) as { grants: unknown[] };
    assert.deepEqual(shown.grants, []);
  });

  test('cert sign: the CSR\'s key never leaves; the chain carries the SPIFFE SAN URI and verifies with openssl', async () => {
    const k = join(home, 'csr-key.pem');
    const csr = join(home, 'req.pem');
    const made = await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/O=acme/CN=acme-a', '-keyout', k, '-out', csr], home);
    assert.equal(made.code, 0, made.stderr);
    const out = join(home, 'signed.pem');
    const signed = ok(await run('cert', 'sign', '--partner', 'acme', '--csr', csr, '--client', 'acme-a', '--days', '30', '--out', out, '--json')) as { serial: string };
    const chain = await readFile(out, 'utf8');
    const leaf = new X509Certificate(chain);
    assert.match(leaf.subjectAltName ?? '', /URI:spiffe:\/\/certbound\.local\/partner\/acme\/client\/acme-a/);
    assert.equal(leaf.serialNumber.toLowerCase(), signed.serial);
    assert.equal((chain.match(/BEGIN CERTIFICATE/g) ?? []).length, 2);
    await writeFile(join(home, 'leaf.pem'), leaf.toString());
    await writeFile(join(home, 'intermediate.pem'), chain.slice(chain.indexOf('-----END CERTIFICATE-----') + 26));
    const v = await openssl(['verify', '-CAfile', join(home, '.certbound', 'ca.pem'), '-untrusted', join(home, 'intermediate.pem'), join(home, 'leaf.pem')], home);
    assert.equal(v.code, 0, v.stderr);
    // A SPIFFE ID is certbound's to write: naming another partner's client is refused.
    const spoof = await run('cert', 'sign', '--partner', 'acme', '--csr', csr, '--san-uri', 'spiffe://certbound.local/partner/globex/client/globex-g');
    assert.equal(spoof.code, 1);
    assert.match(spoof.stderr, /SPIFFE IDs are set by certbound/);
    // Revoke it by serial: listed as revoked, and a second revocation is refused.
    ok(await run('cert', 'revoke', '--serial', signed.serial, '--reason', 'superseded', '--json'));
    const list = ok(await run('cert', 'list', '--partner', 'acme', '--json')) as { serial: string; revoked_at: string | null }[];
    assert.ok(list.find((c) => c.serial === signed.serial)?.revoked_at);
    const again = await run('cert', 'revoke', '--serial', signed.serial);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already revoked/);
  });

  test('cert sign with a broken CSR exits 1 naming the problem, without a stack trace', async () => {
    await writeFile(join(home, 'bad.csr'), '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n');
    const r = await run('cert', 'sign', '--partner', 'acme', '--csr', join(home, 'bad.csr'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not a PKCS#10 certificate signing request/);
    assert.ok(!hasStackTrace(r.stderr));
  });

  test('partner add --ca imports the partner\'s own CA; cert sign for it is refused with a clear message', async () => {
    const root = await createRootCa({ commonName: 'Initech Root CA' });
    await writeFile(join(home, 'initech-ca.pem'), root.certPem);
    const p = ok(await run('partner', 'add', 'initech', '--ca', join(home, 'initech-ca.pem'), '--json')) as { anchors: { kind: string }[] };
    assert.deepEqual(p.anchors.map((a) => a.kind), ['imported']);
    const r = await run('cert', 'sign', '--partner', 'initech', '--csr', join(home, 'req.pem'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /uses its own CA \(imported\)/);
    const twice = await run('partner', 'add', 'initech2', '--ca', join(home, 'initech-ca.pem'));
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /already trusted for partner 'initech'/);
  });

  test('partner disable/enable and delete: refused while it has clients, done once its client is deleted', async () => {
    assert.equal((ok(await run('partner', 'disable', 'globex', '--json')) as { status: string }).status, 'disabled');
    assert.equal((ok(await run('partner', 'enable', 'globex', '--json')) as { status: string }).status, 'active');
    const r = await run('partner', 'delete', 'globex');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /still has clients/);
    ok(await run('partner', 'add', 'shortlived', '--json'));
    ok(await run('client', 'add', 'shortlived-a', '--partner', 'shortlived', '--subject-dn', 'CN=shortlived-a', '--json'));
    assert.equal((await run('partner', 'delete', 'shortlived')).code, 1);
    ok(await run('client', 'delete', 'shortlived-a', '--json'));
    assert.equal((await run('client', 'show', 'shortlived-a')).code, 1);
    ok(await run('partner', 'delete', 'shortlived', '--json'));
    assert.equal((await run('partner', 'show', 'shortlived')).code, 1);
  });

  test('audit lists every admin change with the actor, filtered by outcome', async () => {
    const events = ok(await run('audit', '--json')) as { event: string; actor: string; outcome: string }[];
    assert.ok(events.some((e) => e.event === 'admin.addPartner' && e.actor === 'local' && e.outcome === 'success'));
    const denied = ok(await run('audit', '--outcome', 'denied', '--json')) as { outcome: string; event: string }[];
    assert.ok(denied.length > 0);
    assert.ok(denied.every((e) => e.outcome === 'denied'));
    // A change to a client is found under its partner.
    const ofPartner = ok(await run('audit', '--partner', 'shortlived', '--json')) as { event: string; client: string | null }[];
    assert.ok(ofPartner.some((e) => e.event === 'admin.deleteClient' && e.client === 'shortlived-a'));
    // Retention: pruning everything older than a future time empties the log but for its own record.
    const pruned = ok(await run('audit', 'prune', '--before', '2999-01-01T00:00:00Z', '--json')) as { deleted: number };
    assert.ok(pruned.deleted >= events.length);
    const after = ok(await run('audit', '--json')) as { event: string }[];
    assert.deepEqual(after.map((e) => e.event), ['admin.pruneAudit']);
    const bad = await run('audit', '--since', 'yesterday');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /since 'yesterday' is neither an existing date or RFC 3339 time/);
    // Strict dates: 30 February is an error naming the value, not 2 March.
    const impossible = await run('audit', 'prune', '--before', '2026-02-30');
    assert.equal(impossible.code, 1);
    assert.match(impossible.stderr, /before '2026-02-30' is neither an existing date or RFC 3339 time/);
  });
});
