// `certbound partner ca-bundle`: the file a TLS proxy in front of an API trusts (docs/proxies.md),
// checked the way such a proxy checks a client: `openssl verify` against it.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { createIssuingCa } from '../../src/pki/ca.ts';
import { fingerprintOf, partnerRoot } from '../helpers/pki.ts';
import { openssl } from './run.ts';

const root = await mkdtemp(join(tmpdir(), 'certbound-ca-bundle-'));
after(() => rm(root, { recursive: true, force: true }));
const dir = join(root, 'data');

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) }, {});
  return { code, out: out.join('\n'), err: err.join('\n') };
}
const pems = (text: string) => text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];

test('partner ca-bundle: the platform root and enabled partners\' imported roots, never a certbound-held partner CA; a client of each verifies against it with openssl', async () => {
  assert.equal((await run('init', '--dir', dir)).code, 0);
  assert.equal((await run('partner', 'add', 'acme', '--dir', dir)).code, 0);
  const own = await partnerRoot('initech');
  await writeFile(join(root, 'initech.pem'), own.certPem);
  assert.equal((await run('partner', 'add', 'initech', '--ca', join(root, 'initech.pem'), '--dir', dir)).code, 0);
  assert.equal((await run('client', 'add', 'acme-a', '--partner', 'acme', '--issue-cert', join(root, 'acme-a'), '--dir', dir)).code, 0);

  const r = await run('partner', 'ca-bundle', '--dir', dir);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  const platform = await readFile(join(dir, 'ca.pem'), 'utf8');
  assert.deepEqual(pems(r.out).map(fingerprintOf), [fingerprintOf(platform), fingerprintOf(own.certPem)]);
  const bundle = join(root, 'partner-cas.pem');
  await writeFile(bundle, `${r.out}\n`);

  // acme-a's cert.pem holds its leaf and its partner CA, as the client presents them.
  const chain = pems(await readFile(join(root, 'acme-a', 'cert.pem'), 'utf8'));
  await writeFile(join(root, 'leaf.pem'), chain[0]!);
  await writeFile(join(root, 'untrusted.pem'), chain.slice(1).join('\n'));
  const verified = await openssl(['verify', '-purpose', 'sslclient', '-CAfile', bundle, '-untrusted', join(root, 'untrusted.pem'), join(root, 'leaf.pem')], root);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stdout, /leaf\.pem: OK/);

  const described = await run('partner', 'ca-bundle', '--json', '--dir', dir);
  const json = JSON.parse(described.out) as { certificates: { owner: string; root: boolean; fingerprint: string }[] };
  assert.deepEqual(json.certificates.map((c) => [c.owner, c.root]), [['platform', true], ['initech', true]]);
});

test('partner ca-bundle leaves out a disabled partner\'s anchors, and holds every anchor of a chain a partner imported', async () => {
  assert.equal((await run('partner', 'disable', 'initech', '--dir', dir)).code, 0);
  const alone = await run('partner', 'ca-bundle', '--dir', dir);
  assert.equal(alone.code, 0, alone.err);
  assert.equal(pems(alone.out).length, 1, 'the platform root alone');
  assert.equal(new X509Certificate(pems(alone.out)[0]!).subject, new X509Certificate(await readFile(join(dir, 'ca.pem'), 'utf8')).subject);

  // A partner that imported its issuing CA with its root (import refuses one without the other).
  const globexRoot = await partnerRoot('globex');
  const issuing = await createIssuingCa(globexRoot, { commonName: 'globex issuing' });
  await writeFile(join(root, 'globex-chain.pem'), `${issuing.certPem}${globexRoot.certPem}`);
  const added = await run('partner', 'add', 'globex', '--ca', join(root, 'globex-chain.pem'), '--dir', dir);
  assert.equal(added.code, 0, added.err);
  const both = await run('partner', 'ca-bundle', '--json', '--dir', dir);
  assert.equal(both.code, 0, both.err);
  const json = JSON.parse(both.out) as { pem: string; certificates: { owner: string; root: boolean; fingerprint: string }[] };
  assert.deepEqual(new Set(pems(json.pem).map(fingerprintOf).slice(1)), new Set([fingerprintOf(issuing.certPem), fingerprintOf(globexRoot.certPem)]));
  assert.deepEqual(json.certificates.filter((c) => c.owner === 'globex').map((c) => c.root).sort(), [false, true]);
});
