import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import { parseXfcc, parseXfccElements, selectXfccElement, selectXfccElementBy, xfccElementCertificate, xfccParser } from '../../../src/core/proxy-cert/xfcc.ts';
import { albEscape, derOf, expectedThumbprint, isInvalidToken, isMalformed, mutation, nginxEscape, testPki, type TestPki } from './helpers.ts';

let pki: TestPki;
before(async () => {
  pki = await testPki();
});

const hexHash = (pem: string): string => createHash('sha256').update(derOf(pem)).digest('hex');
/** An element as Envoy writes it, in Envoy's key order. */
const envoyElement = (pem: string, by = 'spiffe://mesh.example/edge'): string =>
  `By=${by};Hash=${hexHash(pem)};Cert="${albEscape(pem)}";Subject="CN=client,O=acme";URI=spiffe://acme.example/c1;DNS=c1.acme.example`;
const isArgError = (err: unknown): boolean => err instanceof TypeError && (err as { code?: unknown }).code === 'ERR_INVALID_ARG_VALUE';

describe('parseXfccElements (Envoy XFCC syntax)', () => {
  test('RS-B-11: quoted values may hold , ; = and escaped quotes; keys are case-insensitive; DNS and URI repeat', () => {
    const subject = String.raw`"CN=a\,b;c=d,O=\"quoted\" org,OU=x\\y"`;
    const [element, ...rest] = parseXfccElements(`by=spiffe://p;HASH=${hexHash(pki.leaf.certPem)};Subject=${subject};uri=spiffe://u1;URI=spiffe://u2;Dns=a.example;DNS=b.example`);
    assert.deepEqual(rest, []);
    assert.deepEqual(element, {
      by: ['spiffe://p'],
      hash: hexHash(pki.leaf.certPem),
      cert: null,
      chain: null,
      subject: String.raw`CN=a,b;c=d,O="quoted" org,OU=x\y`,
      uri: ['spiffe://u1', 'spiffe://u2'],
      dns: ['a.example', 'b.example'],
    });
  });

  test('RS-B-10: elements are split on unquoted commas only', () => {
    const elements = parseXfccElements(`By=a;Subject="CN=x,O=y";URI=,By=b;Hash=${'0'.repeat(64)};URI=`);
    assert.deepEqual(elements.map((e) => [e.by, e.subject, e.uri]), [[['a'], 'CN=x,O=y', ['']], [['b'], null, ['']]]);
  });

  test('RS-B-11: malformed XFCC is invalid_token', () => {
    const hash = hexHash(pki.leaf.certPem);
    const cases: Record<string, string> = {
      empty: '',
      'no =': 'Hash',
      'unknown key': `Hash=${hash};Foo=bar`,
      'empty key': `=x;Hash=${hash}`,
      'space in key': `Hash =${hash}`,
      'trailing ;': `Hash=${hash};`,
      'trailing ,': `Hash=${hash},`,
      'leading ,': `,Hash=${hash}`,
      'empty element': `Hash=${hash},,Hash=${hash}`,
      'empty pair': `By=a;;Hash=${hash}`,
      'pair without =': `By=a;junk;Hash=${hash}`,
      'unterminated quote': `Hash=${hash};Subject="CN=a`,
      'dangling backslash in quotes': `Hash=${hash};Subject="CN=a\\`,
      'text after closing quote': `Hash=${hash};Subject="CN=a"b`,
      'quote inside unquoted value': `Hash=${hash};URI=a"b`,
      'backslash in unquoted value': `Hash=${hash};URI=a\\b`,
      'duplicated Hash': `Hash=${hash};Hash=${hash}`,
      'duplicated Hash, other case': `Hash=${hash};hash=${hash}`,
      'duplicated Cert': `Cert="${albEscape(pki.leaf.certPem)}";Cert="${albEscape(pki.leaf.certPem)}"`,
      'duplicated Subject': `Hash=${hash};Subject="a";Subject="b"`,
      'line feed': `Hash=${hash};\nURI=a`,
      'NUL': `Hash=${hash};URI=a\0`,
      'tab': `Hash=${hash};URI=\ta`,
    };
    for (const [name, value] of Object.entries(cases)) {
      assert.throws(() => parseXfccElements(value), isMalformed, name);
    }
  });

  test('RS-B-11: By, Hash, Cert or Chain after URI or DNS (an unquoted SAN posing as proxy fields) is invalid_token', () => {
    const hash = hexHash(pki.leaf.certPem);
    const victim = hexHash(pki.other.certPem);
    // Envoy does not quote DNS values: a SAN `x;Hash=…` would otherwise add a Hash of the attacker's choosing.
    for (const value of [`Cert="${albEscape(pki.leaf.certPem)}";DNS=x;Hash=${victim}`, `Hash=${hash};URI=u;Cert="x"`, `URI=u;By=b;Hash=${hash}`, `DNS=x;Chain="y"`]) {
      assert.throws(() => parseXfccElements(value), isMalformed, value);
    }
    // Subject is quoted (its quotes escaped), so it cannot inject; Envoy's own order is accepted.
    const [element] = parseXfccElements(`By=spiffe://a;By=spiffe://b;Hash=${hash};Subject="CN=x\\";Hash=${victim}";URI=u;DNS=d`);
    assert.deepEqual(element?.by, ['spiffe://a', 'spiffe://b']);
    assert.equal(element?.hash, hash);
    assert.equal(element?.subject, `CN=x";Hash=${victim}`);
  });
});

describe('xfccElementCertificate and parseXfcc', () => {
  test('RS-B-11: an Envoy element gives the certificate from Cert=, and Hash= agrees', () => {
    const cert = parseXfcc(envoyElement(pki.leaf.certPem));
    assert.equal(cert.thumbprint, expectedThumbprint(pki.leaf.certPem));
    assert.ok(cert.der && derOf(pki.leaf.certPem).equals(cert.der));
  });

  test('RS-B-13: Cert= is decoded as a URI component, whichever way + is written (literal, %2B), quoted or not', () => {
    const want = expectedThumbprint(pki.leaf.certPem);
    assert.match(albEscape(pki.leaf.certPem), /\+/);
    assert.equal(parseXfcc(`Cert="${albEscape(pki.leaf.certPem)}"`).thumbprint, want);
    assert.equal(parseXfcc(`Cert="${nginxEscape(pki.leaf.certPem)}"`).thumbprint, want);
    assert.equal(parseXfcc(`Cert=${nginxEscape(pki.leaf.certPem)}`).thumbprint, want);
    // A form decoder would have turned + into a space: that is not the certificate.
    assert.throws(() => parseXfcc(`Cert="${albEscape(pki.leaf.certPem).replaceAll('+', '%20')}"`), isMalformed);
    assert.throws(() => parseXfcc(`Cert="${encodeURIComponent(nginxEscape(pki.leaf.certPem))}"`), isMalformed);
  });

  test('RS-B-11: a Hash-only element gives the thumbprint (hex → bytes → base64url) and no DER', () => {
    const hash = hexHash(pki.leaf.certPem);
    assert.deepEqual(parseXfcc(`By=spiffe://edge;Hash=${hash};Subject="CN=client"`), { der: null, thumbprint: expectedThumbprint(pki.leaf.certPem) });
    assert.deepEqual(parseXfcc(`Hash=${hash.toUpperCase()}`), { der: null, thumbprint: expectedThumbprint(pki.leaf.certPem) });
  });

  test('RS-B-11: Hash and Cert that name different certificates are invalid_token', () => {
    assert.throws(() => parseXfcc(`Hash=${hexHash(pki.other.certPem)};Cert="${albEscape(pki.leaf.certPem)}"`), isMalformed);
  });

  test('RS-B-15: Chain= alone gives its leaf; a Chain whose leaf differs from Cert= is invalid_token', () => {
    const chain = albEscape(`${pki.leaf.certPem}${pki.issuing.certPem}`);
    assert.equal(parseXfcc(`Chain="${chain}"`).thumbprint, expectedThumbprint(pki.leaf.certPem));
    assert.equal(parseXfcc(`Hash=${hexHash(pki.leaf.certPem)};Cert="${albEscape(pki.leaf.certPem)}";Chain="${chain}"`).thumbprint, expectedThumbprint(pki.leaf.certPem));
    assert.throws(() => parseXfcc(`Cert="${albEscape(pki.other.certPem)}";Chain="${chain}"`), isMalformed);
    assert.throws(() => parseXfcc(`Hash=${hexHash(pki.other.certPem)};Chain="${chain}"`), isMalformed);
  });

  test('RS-B-11 / RS-B-12: no certificate, a malformed Hash, two certificates in Cert=, a PEM with junk: invalid_token', () => {
    const hash = hexHash(pki.leaf.certPem);
    for (const value of [
      'By=spiffe://edge;Subject="CN=x";URI=u;DNS=d',
      `Hash=${hash.slice(1)}`,
      `Hash=${hash}0`,
      `Hash=${hash.replace(/.$/, 'g')}`,
      'Hash=',
      `Cert="${albEscape(`${pki.leaf.certPem}${pki.other.certPem}`)}"`,
      `Cert="${albEscape(`${pki.leaf.certPem}junk`)}"`,
      `Cert="${pki.leaf.certPem.replaceAll('\n', '')}"`,
      'Cert=""',
    ]) {
      assert.throws(() => parseXfcc(value), isMalformed, value);
    }
  });

  test('RS-B-09 / RS-B-10: several elements are invalid_token without hops', () => {
    assert.throws(() => parseXfcc(`${envoyElement(pki.leaf.certPem)},${envoyElement(pki.other.certPem)}`), isMalformed);
    assert.throws(() => parseXfcc(`Hash=${hexHash(pki.other.certPem)},${envoyElement(pki.leaf.certPem)}`), isMalformed);
  });

  test('RS-B-10: with hops = N, exactly N elements are required and the first (the client\'s) is used', () => {
    const client = envoyElement(pki.leaf.certPem, 'spiffe://mesh.example/edge');
    const edge = envoyElement(pki.other.certPem, 'spiffe://mesh.example/inner');
    const two = xfccParser(2);
    assert.equal(two(`${client},${edge}`).thumbprint, expectedThumbprint(pki.leaf.certPem));
    assert.throws(() => two(client), isMalformed);
    assert.throws(() => two(`${client},${edge},${edge}`), isMalformed);
    // A client-supplied element in front (a hop that appended instead of sanitising) changes the count.
    assert.throws(() => two(`Hash=${hexHash(pki.other.certPem)},${client},${edge}`), isMalformed);
    assert.equal(xfccParser(1)(client).thumbprint, expectedThumbprint(pki.leaf.certPem));
    const elements = parseXfccElements(`${client},${edge}`);
    assert.equal(xfccElementCertificate(selectXfccElement(elements, 2)).thumbprint, expectedThumbprint(pki.leaf.certPem));
    assert.throws(() => selectXfccElement(elements, 1), isMalformed);
    assert.throws(() => selectXfccElement([], 1), isMalformed);
  });

  test('RS-B-10: with proxyIdentity, the one element whose By= names the proxy is used; none or two naming it is invalid_token', () => {
    const EDGE = 'spiffe://mesh.example/edge';
    const notByEdge = (err: unknown): boolean => isInvalidToken(err) && (err as Error).message === 'client certificate header not written by the trusted proxy';
    const byEdge = xfccParser(1, EDGE);
    assert.equal(byEdge(envoyElement(pki.leaf.certPem, EDGE)).thumbprint, expectedThumbprint(pki.leaf.certPem));
    // Envoy writes one By= per URI SAN of its certificate: any of them names it.
    assert.equal(byEdge(`By=spiffe://mesh.example/other;${envoyElement(pki.leaf.certPem, EDGE)}`).thumbprint, expectedThumbprint(pki.leaf.certPem));
    // A client's own XFCC passed through unchanged, or written by another proxy, or with no By= at all.
    assert.throws(() => byEdge(envoyElement(pki.leaf.certPem, 'spiffe://mesh.example/rogue')), notByEdge);
    assert.throws(() => byEdge(`Hash=${hexHash(pki.leaf.certPem)}`), notByEdge);
    // Exact comparison: no prefix, case or trailing-slash variants.
    for (const near of [`${EDGE}/`, 'SPIFFE://mesh.example/edge', 'spiffe://mesh.example/edg', `${EDGE}x`]) {
      assert.throws(() => byEdge(envoyElement(pki.leaf.certPem, near)), notByEdge, near);
    }
    // APPEND_FORWARD behind a client that sent its own element: two elements, refused by count...
    const forged = envoyElement(pki.other.certPem, EDGE);
    assert.throws(() => byEdge(`${forged},${envoyElement(pki.leaf.certPem, EDGE)}`), isMalformed);
    // ...and with hops = 2, the element the proxy wrote is picked by By=, wherever it stands; two naming it are refused.
    const twoHops = xfccParser(2, EDGE);
    const inner = envoyElement(pki.other.certPem, 'spiffe://mesh.example/inner');
    assert.equal(twoHops(`${envoyElement(pki.leaf.certPem, EDGE)},${inner}`).thumbprint, expectedThumbprint(pki.leaf.certPem));
    assert.throws(() => twoHops(`${forged},${envoyElement(pki.leaf.certPem, EDGE)}`), notByEdge);
    assert.throws(() => selectXfccElementBy(parseXfccElements(inner), 1, EDGE), notByEdge);
    assert.throws(() => selectXfccElementBy([], 1, EDGE), isMalformed);
  });

  test('xfccParser refuses a proxyIdentity that is not a URI', () => {
    for (const identity of ['', 'edge', 'spiffe://a\nb']) assert.throws(() => xfccParser(1, identity), isArgError, identity);
  });

  test('xfccParser refuses hops that are not a positive integer', () => {
    for (const hops of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => xfccParser(hops), isArgError, String(hops));
  });

  test('RFC 8705 §7.5: a value over 32 KiB is refused', () => {
    assert.throws(() => parseXfcc(`Hash=${'0'.repeat(64)};URI=${'a'.repeat(33_000)}`), isMalformed);
  });

  test('properties: arbitrary strings and mutations of a valid value throw only invalid_token', () => {
    const valid = `Hash=${hexHash(pki.leaf.certPem)};Cert=${nginxEscape(pki.leaf.certPem)};Subject="CN=a\\"b,c;d=e";DNS=x`;
    assert.equal(parseXfcc(valid).thumbprint, expectedThumbprint(pki.leaf.certPem));
    assert.equal(parseXfcc(envoyElement(pki.leaf.certPem)).thumbprint, expectedThumbprint(pki.leaf.certPem));
    const xfccish = fc.string({ unit: fc.constantFrom('By', 'Hash', 'Cert', 'URI', 'DNS', '=', ';', ',', '"', '\\', 'a', '0', ' ', '%0A'), maxLength: 40 });
    const two = xfccParser(2);
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), xfccish, mutation(envoyElement(pki.leaf.certPem)), mutation(valid)), (text) => {
        for (const parse of [parseXfcc, two]) {
          try {
            const cert = parse(text);
            if (cert.der !== null) assert.equal(cert.thumbprint, createHash('sha256').update(new X509Certificate(cert.der).raw).digest('base64url'));
          } catch (err) {
            assert.ok(isInvalidToken(err), String(err));
          }
        }
      }),
    );
  });
});
