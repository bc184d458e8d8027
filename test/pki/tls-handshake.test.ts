import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import { x5tS256 } from '../../src/core/thumbprint.ts';
import { createIssuingCa, createRootCa, type CertifiedKey } from '../../src/pki/ca.ts';
import { issueCertificate } from '../../src/pki/issue.ts';
import { pkcs8ToPem } from '../../src/pki/keys.ts';
import { createSelfSignedCertificate } from '../../src/pki/self-signed.ts';

/** What the server saw of the client, sent back to it over the connection. */
interface Verdict {
  readonly authorized: boolean;
  readonly error: string | null;
  readonly thumbprint: string | null;
}

let root: CertifiedKey;
let platformCa: CertifiedKey;
let acme: CertifiedKey;
let globex: CertifiedKey;
let rogue: CertifiedKey;
let server: Server;
let port: number;

before(async () => {
  const rogueRoot = createRootCa({ commonName: 'rogue root CA' });
  root = await createRootCa({ commonName: 'certbound platform root CA' });
  [platformCa, acme, globex] = await Promise.all([
    createIssuingCa(root, { commonName: 'certbound platform issuing CA', organization: 'certbound' }),
    createIssuingCa(root, { commonName: 'acme issuing CA', organization: 'acme' }),
    createIssuingCa(root, { commonName: 'globex issuing CA', organization: 'globex' }),
  ]);
  rogue = await createIssuingCa(await rogueRoot, { commonName: 'acme issuing CA', organization: 'acme' });
  const tlsCert = await issueCertificate(platformCa, {
    subject: 'CN=localhost',
    usage: 'server',
    sans: [{ type: 'dns', value: 'localhost' }, { type: 'ip', value: '127.0.0.1' }],
  });
  assert.ok(tlsCert.keyPkcs8);
  server = createServer(
    {
      key: pkcs8ToPem(tlsCert.keyPkcs8),
      cert: tlsCert.certPem + platformCa.certPem,
      ca: [root.certPem, acme.certPem],
      requestCert: true,
      rejectUnauthorized: false,
    },
    (socket) => {
      const peer = socket.getPeerX509Certificate();
      const verdict: Verdict = {
        authorized: socket.authorized,
        error: socket.authorizationError ? String(socket.authorizationError) : null,
        thumbprint: peer ? x5tS256(new Uint8Array(peer.raw)) : null,
      };
      socket.end(JSON.stringify(verdict));
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function handshake(client: { certPem: string; keyPkcs8: Uint8Array | null } | null, servername?: string): Promise<Verdict> {
  const socket: TLSSocket = connect({
    host: '127.0.0.1',
    port,
    ...(servername === undefined ? {} : { servername }),
    ca: root.certPem,
    ...(client && client.keyPkcs8 ? { cert: client.certPem, key: pkcs8ToPem(client.keyPkcs8) } : {}),
  });
  let body = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (body += chunk));
  await once(socket, 'end');
  return JSON.parse(body) as Verdict;
}

test('mTLS on loopback: a client certificate from a trusted partner CA is authorized and the server cert checks out', async () => {
  const client = await issueCertificate(acme, { subject: 'CN=c1, O=acme', usage: 'client' });
  const verdict = await handshake(client, 'localhost');
  assert.deepEqual(verdict, { authorized: true, error: null, thumbprint: client.thumbprint });
});

test('the server certificate also matches its IP SAN when the client connects by address', async () => {
  const client = await issueCertificate(acme, { subject: 'CN=c1, O=acme', usage: 'client' });
  assert.equal((await handshake(client)).authorized, true);
});

test('a client certificate from an unknown CA is not authorized, even when that CA copies a trusted CA name', async () => {
  const client = await issueCertificate(rogue, { subject: 'CN=c1, O=acme', usage: 'client' });
  const verdict = await handshake(client, 'localhost');
  assert.equal(verdict.authorized, false);
  assert.equal(verdict.error, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  assert.equal(verdict.thumbprint, client.thumbprint);
});

test('a client certificate of a partner whose CA the server does not hold is not authorized', async () => {
  const client = await issueCertificate(globex, { subject: 'CN=c1, O=globex', usage: 'client' });
  const verdict = await handshake(client, 'localhost');
  assert.equal(verdict.authorized, false);
  assert.equal(verdict.error, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
});

test('TLS trust alone does not isolate partners: another partner sending its CA in the chain is authorized via the root', async () => {
  // Why the token service must check the issuing CA per partner, not only socket.authorized.
  const client = await issueCertificate(globex, { subject: 'CN=c1, O=globex', usage: 'client' });
  assert.ok(client.keyPkcs8);
  const verdict = await handshake({ certPem: client.certPem + globex.certPem, keyPkcs8: client.keyPkcs8 }, 'localhost');
  assert.equal(verdict.authorized, true);
});

test('an expired client certificate from a trusted CA is not authorized', async () => {
  const client = await issueCertificate(acme, {
    subject: 'CN=c1, O=acme',
    usage: 'client',
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2020-02-01T00:00:00Z'),
  });
  const verdict = await handshake(client, 'localhost');
  assert.equal(verdict.authorized, false);
  assert.equal(verdict.error, 'CERT_HAS_EXPIRED');
});

test('a self-signed client certificate reaches the server (not authorized) with its thumbprint, for self_signed_tls_client_auth', async () => {
  const client = await createSelfSignedCertificate({ subject: 'CN=self' });
  const verdict = await handshake(client, 'localhost');
  assert.equal(verdict.authorized, false);
  assert.equal(verdict.error, 'DEPTH_ZERO_SELF_SIGNED_CERT');
  assert.ok(verdict.thumbprint);
});

test('no client certificate: the handshake completes, unauthorized, with no peer certificate', async () => {
  const verdict = await handshake(null, 'localhost');
  assert.equal(verdict.authorized, false);
  assert.equal(verdict.thumbprint, null);
});
