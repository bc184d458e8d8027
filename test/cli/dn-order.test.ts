// Distinguished names are printed in one order everywhere — RFC 4514, most specific RDN first
// (`CN=acme-orders,OU=orders,O=acme`) — so that a DN copied from `cert sign`, `cert list` or
// `partner show` and pasted into `client add --subject-dn` names the certificate it came from.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dnEquals, parseDn } from '../../src/core/dn.ts';
import { certIdentity } from '../../src/pki/cert-identity.ts';
import { startTokenService } from '../../src/server/service.ts';
import { openStore } from '../../src/storage/open.ts';
import { send } from '../helpers/https.ts';
import { world } from '../helpers/world.ts';
import { certbound, openssl, type CliResult } from './run.ts';

let home: string;
before(async () => {
  home = await mkdtemp(join(tmpdir(), 'certbound-cli-dn-'));
  await cp((await world()).template, join(home, '.certbound'), { recursive: true });
});
after(() => rm(home, { recursive: true, force: true }));

const run = (...args: string[]): Promise<CliResult> => certbound(args, { cwd: home });
function ok(r: CliResult): string {
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

describe('DNs printed in RFC 4514 order (most specific RDN first)', () => {
  test('the subject printed by cert sign and cert list, pasted into client add --subject-dn, authenticates that certificate (real TLS token request)', async () => {
    const key = join(home, 'orders-key.pem');
    const csr = join(home, 'orders.csr');
    const made = await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/O=acme/OU=orders/CN=acme-orders', '-keyout', key, '-out', csr], home);
    assert.equal(made.code, 0, made.stderr);
    const out = join(home, 'orders-chain.pem');
    const signed = ok(await run('cert', 'sign', '--partner', 'acme', '--csr', csr, '--out', out));
    const printed = /\(subject (.+?), serial /.exec(signed)?.[1];
    assert.equal(printed, 'CN=acme-orders,OU=orders,O=acme', signed);
    const listed = ok(await run('cert', 'list', '--partner', 'acme'))
      .split('\n')
      .map((line) => line.split('\t'))
      .find((cols) => cols[3]?.includes('acme-orders'));
    assert.equal(listed?.[3], printed, 'cert list prints the same string');

    ok(await run('client', 'add', 'acme-orders', '--partner', 'acme', '--subject-dn', printed!, '--json'));
    const store = await openStore(join(home, '.certbound'));
    const service = await startTokenService({ store, issuer: (port) => `https://localhost:${port}`, port: 0, logger: false, registryPollMs: 0 });
    try {
      const res = await send(`${service.issuer}/token`, {
        ca: await readFile(join(home, '.certbound', 'ca.pem'), 'utf8'),
        identity: { cert: await readFile(out, 'utf8'), key: await readFile(key, 'utf8') },
        form: { grant_type: 'client_credentials', client_id: 'acme-orders' },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json?.['token_type'], 'Bearer');
    } finally {
      await service.close();
      await store.close();
    }
  });

  test("partner show prints an imported anchor's subject in the same order: parsed back, it is the certificate's subject", async () => {
    const key = join(home, 'initech-root-key.pem');
    const cert = join(home, 'initech-root.pem');
    const made = await openssl(
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30', '-subj', '/C=US/O=Initech/CN=Initech Root CA',
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', key, '-out', cert],
      home,
    );
    assert.equal(made.code, 0, made.stderr);
    ok(await run('partner', 'add', 'initech', '--ca', cert));
    const shown = ok(await run('partner', 'show', 'initech'));
    const printed = /anchor .*? imported (.+) until /.exec(shown)?.[1];
    assert.equal(printed, 'CN=Initech Root CA,O=Initech,C=US', shown);
    const subject = certIdentity(new Uint8Array(new X509Certificate(await readFile(cert)).raw)).subject;
    assert.ok(dnEquals(parseDn(printed!), subject), 'the printed DN is the certificate subject, not its reverse');
  });
});
