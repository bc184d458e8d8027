import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { InvalidToken } from '../../src/core/errors.ts';
import { proxyCertificateSource, type ProxyFormat, type ProxyRequest, type ProxySourceOptions } from '../../src/transport/proxy.ts';
import { albEscape, base64Der, derOf, expectedThumbprint, isMalformed, nginxEscape, testPki, type TestPki } from '../core/proxy-cert/helpers.ts';

let pki: TestPki;
before(async () => {
  pki = await testPki();
});

const isArgError = (err: unknown): boolean => err instanceof TypeError && (err as { code?: unknown }).code === 'ERR_INVALID_ARG_VALUE';
const refused = (description: string) => (err: unknown): boolean =>
  err instanceof InvalidToken && err.status === 401 && err.error === 'invalid_token' && err.error_description === description;
const untrusted = refused('certificate header from an untrusted peer');
const repeated = refused('certificate header repeated');
const unverified = refused('client certificate not verified by the proxy');

const request = (remoteAddress: string | undefined, ...rawHeaders: string[]): ProxyRequest => ({ socket: { remoteAddress }, rawHeaders });
const hexHash = (pem: string): string => createHash('sha256').update(derOf(pem)).digest('hex');

/** The header value each format's proxy would send for a certificate, and the default header name. */
function forwarded(format: ProxyFormat, pem: string, chain: readonly string[] = []): [string, string] {
  switch (format) {
    case 'rfc9440':
      return ['Client-Cert', `:${base64Der(pem)}:`];
    case 'xfcc':
      return ['X-Forwarded-Client-Cert', `By=spiffe://edge;Hash=${hexHash(pem)};Cert="${albEscape(pem)}";Subject="CN=client,O=acme"`];
    case 'nginx':
      return ['ssl-client-cert', nginxEscape(pem)];
    case 'alb':
      return ['X-Amzn-Mtls-Clientcert-Leaf', albEscape(pem)];
    case 'alb-passthrough':
      return ['X-Amzn-Mtls-Clientcert', albEscape([pem, ...chain].join(''))];
    case 'traefik':
      return ['X-Forwarded-Tls-Client-Cert', [pem, ...chain].map(base64Der).join(',')];
  }
}

const FORMATS: readonly ProxyFormat[] = ['rfc9440', 'xfcc', 'nginx', 'alb', 'alb-passthrough', 'traefik'];

describe('proxyCertificateSource: options', () => {
  test('RFC 8705 §6.5: bad options are TypeError ERR_INVALID_ARG_VALUE at creation, not at the first request', () => {
    const good: ProxySourceOptions = { format: 'nginx', trustedProxies: ['10.0.0.0/8'] };
    const bad: unknown[] = [
      null,
      { ...good, format: 'haproxy' },
      { ...good, format: 'toString' },
      { ...good, trustedProxies: [] },
      { ...good, trustedProxies: '10.0.0.0/8' },
      { ...good, trustedProxies: ['10.0.0.1/8'] },
      { ...good, trustedProxies: ['10.0.0.0/8', 'proxy.internal'] },
      { ...good, trustedProxies: [10] },
      { ...good, trustedProxies: ['0.0.0.0/0'] },
      { ...good, trustedProxies: ['::/0'] },
      { ...good, header: 'ssl client cert' },
      { ...good, header: '' },
      { ...good, header: 'x-cert\r\nx-evil' },
      { ...good, verifyHeader: null },
      { ...good, verifyHeader: { name: 'ssl-client-verify', value: '' } },
      { ...good, verifyHeader: { name: 'ssl-client-verify', value: ' SUCCESS' } },
      { ...good, verifyHeader: { name: 'ssl-client-verify', value: 'SUCCESS\n' } },
      { ...good, verifyHeader: { name: 'bad name', value: 'SUCCESS' } },
      { ...good, verifyHeader: { name: 'SSL-Client-Cert', value: 'SUCCESS' } },
      { ...good, hops: 2 },
      { format: 'xfcc', trustedProxies: ['10.0.0.0/8'], hops: 0 },
      { format: 'xfcc', trustedProxies: ['10.0.0.0/8'], hops: 1.5 },
      { format: 'xfcc', trustedProxies: ['10.0.0.0/8'], hops: -1 },
    ];
    for (const options of bad) {
      assert.throws(() => proxyCertificateSource(options as ProxySourceOptions), isArgError, JSON.stringify(options));
    }
    assert.equal(typeof proxyCertificateSource(good), 'function');
  });
});

describe('proxyCertificateSource: requests', () => {
  test('RFC 8705 §6.5: each format reads its default header from a trusted proxy and gives the leaf x5t#S256', () => {
    for (const format of FORMATS) {
      const source = proxyCertificateSource({ format, trustedProxies: ['10.0.0.0/8', 'fd00::/8'] });
      const [name, value] = forwarded(format, pki.leaf.certPem, [pki.issuing.certPem]);
      const cert = source(request('10.1.2.3', 'Host', 'api', name, value));
      assert.equal(cert?.thumbprint, expectedThumbprint(pki.leaf.certPem), format);
      assert.equal(source(request('fd00::7', name.toUpperCase(), value))?.thumbprint, expectedThumbprint(pki.leaf.certPem), format);
    }
  });

  test('RFC 8705 §6.5: no certificate header gives null, whoever the peer', () => {
    const source = proxyCertificateSource({ format: 'nginx', trustedProxies: ['10.0.0.0/8'] });
    assert.equal(source(request('10.1.2.3', 'Host', 'api')), null);
    assert.equal(source(request('203.0.113.5', 'Host', 'api')), null);
    assert.equal(source(request(undefined)), null);
  });

  test('RS-B-07 / CVE-2024-10039: a certificate header from a peer that is not a trusted proxy is invalid_token, never believed', () => {
    for (const format of FORMATS) {
      const source = proxyCertificateSource({ format, trustedProxies: ['10.0.0.0/8'] });
      const [name, value] = forwarded(format, pki.leaf.certPem);
      assert.throws(() => source(request('203.0.113.5', name, value)), untrusted, format);
      assert.throws(() => source(request('11.0.0.1', name, value)), untrusted, format);
      assert.throws(() => source(request(undefined, name, value)), untrusted, format);
      // Refused before parsing: even a malformed value from an untrusted peer is reported as untrusted.
      assert.throws(() => source(request('203.0.113.5', name, 'foobar')), untrusted, format);
    }
  });

  test('RS-B-08: trust is the socket peer only; X-Forwarded-For, Forwarded and X-Real-IP naming a trusted proxy change nothing', () => {
    const source = proxyCertificateSource({ format: 'nginx', trustedProxies: ['10.0.0.1'] });
    const [name, value] = forwarded('nginx', pki.leaf.certPem);
    const spoofed = request('203.0.113.5', 'X-Forwarded-For', '10.0.0.1', 'Forwarded', 'for=10.0.0.1', 'X-Real-IP', '10.0.0.1', name, value);
    assert.throws(() => source(spoofed), untrusted);
    const trusted = request('10.0.0.1', 'X-Forwarded-For', '203.0.113.5', 'X-Real-IP', '203.0.113.5', name, value);
    assert.equal(source(trusted)?.thumbprint, expectedThumbprint(pki.leaf.certPem));
  });

  test('RS-B-08: an IPv4-mapped peer address (dual-stack listener) is matched as the IPv4 proxy', () => {
    const source = proxyCertificateSource({ format: 'nginx', trustedProxies: ['127.0.0.1'] });
    const [name, value] = forwarded('nginx', pki.leaf.certPem);
    assert.equal(source(request('::ffff:127.0.0.1', name, value))?.thumbprint, expectedThumbprint(pki.leaf.certPem));
    assert.throws(() => source(request('::ffff:127.0.0.2', name, value)), untrusted);
    assert.throws(() => source(request('::1', name, value)), untrusted);
  });

  test('RS-B-09: the certificate header twice, in any case, is invalid_token — neither copy is picked', () => {
    for (const format of FORMATS) {
      const source = proxyCertificateSource({ format, trustedProxies: ['10.0.0.0/8'] });
      const [name, value] = forwarded(format, pki.leaf.certPem);
      const [, other] = forwarded(format, pki.other.certPem);
      assert.throws(() => source(request('10.0.0.2', name, value, name, other)), repeated, format);
      assert.throws(() => source(request('10.0.0.2', name.toLowerCase(), value, name.toUpperCase(), value)), repeated, format);
      assert.throws(() => source(request('10.0.0.2', name, value, name, '')), repeated, format);
    }
  });

  test('RS-B-12: a malformed value from a trusted proxy is invalid_token with a generic description', () => {
    for (const format of FORMATS) {
      const source = proxyCertificateSource({ format, trustedProxies: ['10.0.0.0/8'] });
      const [name] = forwarded(format, pki.leaf.certPem);
      for (const bad of ['foobar', '', `${forwarded(format, pki.leaf.certPem)[1]}x`]) {
        assert.throws(() => source(request('10.0.0.2', name, bad)), isMalformed, `${format}: ${bad.slice(0, 20)}`);
      }
    }
  });

  test('RS-B-17: only the configured header name is read', () => {
    const source = proxyCertificateSource({ format: 'nginx', trustedProxies: ['10.0.0.0/8'], header: 'X-Client-Cert' });
    const value = nginxEscape(pki.leaf.certPem);
    assert.equal(source(request('10.0.0.2', 'x-client-cert', value))?.thumbprint, expectedThumbprint(pki.leaf.certPem));
    assert.equal(source(request('10.0.0.2', 'ssl-client-cert', value, 'ssl_client_cert', value)), null);
  });

  test('RS-B-16: with verifyHeader, the certificate counts only when the proxy says it verified it, exactly once', () => {
    const source = proxyCertificateSource({ format: 'nginx', trustedProxies: ['10.0.0.0/8'], verifyHeader: { name: 'SSL-Client-Verify', value: 'SUCCESS' } });
    const value = nginxEscape(pki.leaf.certPem);
    assert.equal(source(request('10.0.0.2', 'ssl-client-cert', value, 'ssl-client-verify', 'SUCCESS'))?.thumbprint, expectedThumbprint(pki.leaf.certPem));
    assert.throws(() => source(request('10.0.0.2', 'ssl-client-cert', value)), unverified);
    assert.throws(() => source(request('10.0.0.2', 'ssl-client-cert', value, 'ssl-client-verify', 'FAILED:certificate has expired')), unverified);
    assert.throws(() => source(request('10.0.0.2', 'ssl-client-cert', value, 'ssl-client-verify', 'NONE')), unverified);
    assert.throws(() => source(request('10.0.0.2', 'ssl-client-cert', value, 'ssl-client-verify', 'success')), unverified);
    assert.throws(() => source(request('10.0.0.2', 'ssl-client-cert', value, 'ssl-client-verify', 'SUCCESS', 'SSL-Client-Verify', 'SUCCESS')), unverified);
    // No certificate: the verify header alone claims nothing.
    assert.equal(source(request('10.0.0.2', 'ssl-client-verify', 'NONE')), null);
    assert.equal(source(request('203.0.113.5', 'ssl-client-verify', 'SUCCESS')), null);
  });

  test('RS-B-10: xfcc with hops = 2 takes the first of exactly two elements', () => {
    const source = proxyCertificateSource({ format: 'xfcc', trustedProxies: ['10.0.0.0/8'], hops: 2 });
    const [name, client] = forwarded('xfcc', pki.leaf.certPem);
    const [, edge] = forwarded('xfcc', pki.other.certPem);
    assert.equal(source(request('10.0.0.2', name, `${client},${edge}`))?.thumbprint, expectedThumbprint(pki.leaf.certPem));
    assert.throws(() => source(request('10.0.0.2', name, client)), isMalformed);
    const single = proxyCertificateSource({ format: 'xfcc', trustedProxies: ['10.0.0.0/8'] });
    assert.throws(() => single(request('10.0.0.2', name, `${client},${edge}`)), isMalformed);
  });
});

describe('proxyCertificateSource with the proxy\'s identity (RS-B-10)', () => {
  test('RS-B-10: xfcc with proxyIdentity accepts the element By= the proxy, refuses one without it, and needs the xfcc format', () => {
    const source = proxyCertificateSource({ format: 'xfcc', trustedProxies: ['10.0.0.0/8'], proxyIdentity: 'spiffe://edge' });
    const [name, value] = forwarded('xfcc', pki.leaf.certPem);
    assert.equal(source(request('10.0.0.2', name, value))?.thumbprint, expectedThumbprint(pki.leaf.certPem));
    const rogue = value.replace('By=spiffe://edge;', 'By=spiffe://rogue;');
    assert.throws(() => source(request('10.0.0.2', name, rogue)), refused('client certificate header not written by the trusted proxy'));
    // The peer check still comes first.
    assert.throws(() => source(request('203.0.113.5', name, value)), untrusted);
    assert.throws(() => proxyCertificateSource({ format: 'nginx', trustedProxies: ['10.0.0.0/8'], proxyIdentity: 'spiffe://edge' }), isArgError);
    assert.throws(() => proxyCertificateSource({ format: 'xfcc', trustedProxies: ['10.0.0.0/8'], proxyIdentity: 'not a uri' }), isArgError);
  });
});

describe('proxyCertificateSource over a real node:http server', () => {
  let server: Server;
  let port: number;
  before(async () => {
    const source = proxyCertificateSource({ format: 'nginx', trustedProxies: ['127.0.0.1'] });
    const strict = proxyCertificateSource({ format: 'nginx', trustedProxies: ['10.0.0.0/8'] });
    server = createServer((req, res) => {
      try {
        const cert = (req.url === '/strict' ? strict : source)(req);
        res.end(`ok ${cert?.thumbprint ?? 'none'}`);
      } catch (err) {
        res.statusCode = err instanceof InvalidToken ? err.status : 500;
        res.end(err instanceof InvalidToken ? err.error_description : 'error');
      }
    });
    // Dual-stack: IPv4 peers appear as ::ffff:127.0.0.1.
    await new Promise<void>((resolve) => server.listen(0, '::', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Sends a raw HTTP/1.1 request, so repeated header lines reach the server as written. */
  function send(path: string, headerLines: readonly string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end(`GET ${path} HTTP/1.1\r\nHost: api\r\n${headerLines.map((l) => `${l}\r\n`).join('')}Connection: close\r\n\r\n`);
      });
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
  }

  test('RFC 8705 §6.5: a certificate header from the trusted proxy (an IPv4-mapped peer) is read', async () => {
    const response = await send('/', [`ssl-client-cert: ${nginxEscape(pki.leaf.certPem)}`]);
    assert.match(response, /^HTTP\/1\.1 200 /);
    assert.ok(response.endsWith(`ok ${expectedThumbprint(pki.leaf.certPem)}`));
  });

  test('RS-B-09: two header lines, which node:http would join in req.headers, are refused', async () => {
    const value = nginxEscape(pki.leaf.certPem);
    const response = await send('/', [`ssl-client-cert: ${value}`, `SSL-Client-Cert: ${nginxEscape(pki.other.certPem)}`]);
    assert.match(response, /^HTTP\/1\.1 401 /);
    assert.ok(response.endsWith('certificate header repeated'));
  });

  test('RS-B-07: the same header from a peer outside trustedProxies is refused', async () => {
    const response = await send('/strict', [`ssl-client-cert: ${nginxEscape(pki.leaf.certPem)}`, 'X-Forwarded-For: 10.0.0.1']);
    assert.match(response, /^HTTP\/1\.1 401 /);
    assert.ok(response.endsWith('certificate header from an untrusted peer'));
  });
});
