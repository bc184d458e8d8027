import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseDn } from '../../src/core/dn.ts';
import { InvalidClientMetadata } from '../../src/core/errors.ts';
import type { SubjectMatcher, SubjectMatcherKind } from '../../src/core/model.ts';
import { matchesSubject, parseSubjectMatcher, type CertIdentity } from '../../src/core/subject-match.ts';
import { parseIp } from '../../src/core/ip.ts';

const KINDS: readonly SubjectMatcherKind[] = ['subject_dn', 'san_dns', 'san_uri', 'san_ip', 'san_email'];

function identity(parts: { subject?: string; dns?: string[]; uri?: string[]; ip?: string[]; email?: string[] }): CertIdentity {
  return {
    subject: parseDn(parts.subject ?? ''),
    san: { dns: parts.dns ?? [], uri: parts.uri ?? [], ip: (parts.ip ?? []).map(parseIp), email: parts.email ?? [] },
  };
}
const match = (kind: SubjectMatcherKind, value: string, id: CertIdentity): boolean => matchesSubject(parseSubjectMatcher(kind, value), id);
const isMetadataError = (err: unknown): boolean => err instanceof InvalidClientMetadata && err.error === 'invalid_client_metadata' && err.status === 400;

describe('parseSubjectMatcher (RFC 8705 §2.1.2 registration values)', () => {
  it('RFC 8705 §2.1.2: subject_dn is stored re-formatted by formatDn', () => {
    assert.deepEqual(parseSubjectMatcher('subject_dn', ' cn = svc , o=Partner A,c=DE'), { kind: 'subject_dn', value: 'CN=svc,O=Partner A,C=DE' });
    assert.deepEqual(parseSubjectMatcher('subject_dn', '2.5.4.3=#0c03737663'), { kind: 'subject_dn', value: 'CN=svc' });
  });

  it('RFC 8705 §2.1.2 / TE-D-13: a malformed or empty DN is invalid_client_metadata', () => {
    for (const bad of ['', 'CN', 'CN=a,,O=b', 'OID.2.5.4.3=a', 'CN=a\\00']) assert.throws(() => parseSubjectMatcher('subject_dn', bad), isMetadataError, bad);
  });

  it('TE-S-01/02: san_dns is lower-cased; wildcards, U-labels, trailing dots, empty labels, underscores refused', () => {
    assert.deepEqual(parseSubjectMatcher('san_dns', 'API.Partner-A.example'), { kind: 'san_dns', value: 'api.partner-a.example' });
    assert.deepEqual(parseSubjectMatcher('san_dns', 'xn--bcher-kva.example'), { kind: 'san_dns', value: 'xn--bcher-kva.example' });
    for (const bad of ['*.partner-a.example', 'a.*.example', 'bücher.example', 'api.partner-a.example.', 'a..example', '.a.example', '-a.example', 'a-.example', 'a_b.example', 'a b.example', `${'a'.repeat(64)}.example`, `${'a.'.repeat(127)}ab`, '10.0.0.1', 'a\u0000.example', '']) {
      assert.throws(() => parseSubjectMatcher('san_dns', bad), isMetadataError, bad);
    }
  });

  it('RFC 8705 §2.1.2: san_uri must be an absolute RFC 3986 URI and is stored as given', () => {
    assert.deepEqual(parseSubjectMatcher('san_uri', 'spiffe://Partner-A/c%31'), { kind: 'san_uri', value: 'spiffe://Partner-A/c%31' });
    assert.deepEqual(parseSubjectMatcher('san_uri', 'urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66'), { kind: 'san_uri', value: 'urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66' });
    for (const bad of ['/relative/path', 'spiffe://a/b c', 'spiffe://a/b\n', 'spiffe://a/%zz', 'spiffe://a/ü', '1http://a', 'http://', 'spiffe://a/<b>', `spiffe://a/${'b'.repeat(4100)}`]) {
      assert.throws(() => parseSubjectMatcher('san_uri', bad), isMetadataError, bad);
    }
  });

  it('TE-S-03: san_ip accepts canonical IPv4 / any IPv6 and keeps it as given; other spellings refused', () => {
    assert.deepEqual(parseSubjectMatcher('san_ip', '2001:DB8::1'), { kind: 'san_ip', value: '2001:DB8::1' });
    for (const bad of ['010.000.000.001', '0x0a000001', '167772161', 'fe80::1%eth0', 'localhost']) assert.throws(() => parseSubjectMatcher('san_ip', bad), isMetadataError, bad);
  });

  it('RFC 8705 §2.1.2: san_email is local@domain, domain lower-cased, local part kept', () => {
    assert.deepEqual(parseSubjectMatcher('san_email', 'Ops.Team@Partner-A.Example'), { kind: 'san_email', value: 'Ops.Team@partner-a.example' });
    for (const bad of ['@x.example', 'x@', 'x', 'a b@x.example', 'x@*.example', 'x@y.example.', 'ü@x.example', 'x@[10.0.0.1]', '']) {
      assert.throws(() => parseSubjectMatcher('san_email', bad), isMetadataError, bad);
    }
  });

  it('an unknown kind or a non-string value is invalid_client_metadata', () => {
    assert.throws(() => parseSubjectMatcher('san_rid' as SubjectMatcherKind, 'x'), isMetadataError);
    assert.throws(() => parseSubjectMatcher('san_dns', 42 as unknown as string), isMetadataError);
  });
});

describe('matchesSubject (RFC 8705 §2.1)', () => {
  const cert = identity({ subject: 'CN=svc,O=Partner A,C=DE', dns: ['API.Partner-A.example'], uri: ['spiffe://partner-a/c1'], ip: ['2001:db8::1', '10.0.0.1'], email: ['Ops@Partner-A.example'] });

  it('RFC 8705 §2.1: CN=svc,O=Partner A,C=DE matches a cert whose subject is encoded C=DE, O=Partner A, CN=svc', () => {
    assert.ok(match('subject_dn', 'CN=svc,O=Partner A,C=DE', cert));
    assert.ok(match('subject_dn', 'cn=SVC, o=partner a, c=de', cert));
  });

  it('TE-D-09: CN=svc,O=Partner A must not match CN=svc,O=Partner A2, nor a prefix of the subject', () => {
    assert.ok(!match('subject_dn', 'CN=svc,O=Partner A', cert));
    assert.ok(!match('subject_dn', 'CN=svc,O=Partner A2,C=DE', cert));
    assert.ok(!match('subject_dn', 'OU=x,CN=svc,O=Partner A,C=DE', cert));
  });

  it('TE-D-05: a value containing ", CN=victim" is one value, never a separate RDN', () => {
    const injected = identity({ subject: 'O=X\\, CN=victim' });
    assert.ok(!match('subject_dn', 'CN=victim,O=X', injected));
    assert.ok(!match('subject_dn', 'O=X,CN=victim', injected));
    assert.ok(match('subject_dn', 'O=X\\, CN=victim', injected));
  });

  it('TE-D-12: a NUL inside a certificate value never matches', () => {
    const nul: CertIdentity = { subject: [[{ type: '2.5.4.3', value: 'partner-a.example\u0000.evil.example' }]], san: { dns: ['partner-a.example\u0000.evil.example'], uri: [], ip: [], email: [] } };
    assert.ok(!match('subject_dn', 'CN=partner-a.example', nul));
    assert.ok(!match('san_dns', 'partner-a.example', nul));
  });

  it('TE-D-13: an empty registered DN never matches, not even a SAN-only cert with an empty subject', () => {
    const sanOnly = identity({ dns: ['a.example'] });
    assert.ok(!matchesSubject({ kind: 'subject_dn', value: '' }, sanOnly));
    assert.ok(!match('subject_dn', 'CN=a.example', sanOnly));
  });

  it('a corrupt stored DN matches nothing (fail closed)', () => {
    assert.ok(!matchesSubject({ kind: 'subject_dn', value: 'CN=svc,,' }, cert));
  });

  it('TE-S-02 / RFC 4343: san_dns compares with an ASCII case fold', () => {
    assert.ok(match('san_dns', 'api.partner-a.example', cert));
  });

  it('TE-S-01: a wildcard SAN *.partner-a.example does not satisfy api.partner-a.example; a stored wildcard matches nothing', () => {
    const wild = identity({ dns: ['*.partner-a.example'] });
    assert.ok(!match('san_dns', 'api.partner-a.example', wild));
    assert.ok(!matchesSubject({ kind: 'san_dns', value: '*.partner-a.example' }, wild));
  });

  it('TE-S-02: a trailing-dot SAN does not match, nor do non-ASCII lookalikes (no Unicode case fold)', () => {
    assert.ok(!match('san_dns', 'api.partner-a.example', identity({ dns: ['api.partner-a.example.'] })));
    assert.ok(!match('san_dns', 'kelvin.example', identity({ dns: ['\u212Aelvin.example'] })));
    assert.ok(!match('san_dns', 'api.partner-a.example', identity({ dns: ['api.partner-a.example '] })));
  });

  it('TE-S-07: only the registered SAN type counts; the CN or another SAN type is never a substitute', () => {
    const confused = identity({ subject: 'CN=partner-a.example', uri: ['partner-a.example'], email: ['partner-a.example'] });
    assert.ok(!match('san_dns', 'partner-a.example', confused));
    const emailInDn = identity({ subject: 'emailAddress=ops@partner-a.example' });
    assert.ok(!match('san_email', 'ops@partner-a.example', emailInDn));
    assert.ok(!match('san_uri', 'spiffe://partner-a/c1', identity({ dns: ['spiffe://partner-a/c1'] })));
    assert.ok(!match('san_ip', '10.0.0.1', identity({ dns: ['10.0.0.1'], subject: 'CN=10.0.0.1' })));
  });

  it('TE-S-08: a SAN value carrying ", DNS:victim.example" is one (non-matching) entry', () => {
    const injected = identity({ dns: ['a.example, DNS:victim.example'] });
    assert.ok(!match('san_dns', 'victim.example', injected));
    assert.ok(!match('san_dns', 'a.example', injected));
  });

  it('TE-S-09: any one entry of the registered type among many matches', () => {
    const many = identity({ dns: [...Array.from({ length: 500 }, (_, i) => `h${i}.example`), 'api.partner-a.example'] });
    assert.ok(match('san_dns', 'api.partner-a.example', many));
  });

  it('TE-S-06: san_uri is byte-exact: no case, percent-encoding or trailing-slash normalisation', () => {
    assert.ok(match('san_uri', 'spiffe://partner-a/c1', cert));
    for (const other of ['SPIFFE://Partner-A/c1', 'spiffe://partner-a/c%31', 'spiffe://partner-a/c1/', 'spiffe://partner-a/c']) {
      assert.ok(!match('san_uri', other, cert), other);
    }
  });

  it('TE-S-05 / RFC 5952 §8: san_ip compares octets, whatever the spelling', () => {
    assert.ok(match('san_ip', '2001:0db8:0:0:0:0:0:1', cert));
    assert.ok(match('san_ip', '2001:DB8::1', cert));
    assert.ok(match('san_ip', '10.0.0.1', cert));
    assert.ok(!match('san_ip', '2001:db8::2', cert));
  });

  it('TE-S-04: registered 10.0.0.1 does not match iPAddress ::ffff:10.0.0.1, and vice versa', () => {
    assert.ok(!match('san_ip', '10.0.0.1', identity({ ip: ['::ffff:10.0.0.1'] })));
    assert.ok(!match('san_ip', '::ffff:10.0.0.1', identity({ ip: ['10.0.0.1'] })));
    assert.ok(!matchesSubject({ kind: 'san_ip', value: '010.0.0.1' }, cert));
  });

  it('RFC 8705 §2.1.2: san_email local part is case-sensitive, domain case-insensitive', () => {
    assert.ok(match('san_email', 'Ops@partner-a.example', cert));
    assert.ok(!match('san_email', 'ops@partner-a.example', cert));
    assert.ok(!match('san_email', 'Ops@partner-b.example', cert));
    assert.ok(!match('san_email', 'Ops@partner-a.example', identity({ email: ['Ops@partner-a.example\u0000'] })));
  });

  it('matchers with an unknown kind or empty value match nothing', () => {
    assert.ok(!matchesSubject({ kind: 'san_rid', value: 'x' } as unknown as SubjectMatcher, cert));
    assert.ok(!matchesSubject({ kind: 'san_uri', value: '' }, identity({ uri: [''] })));
  });
});

describe('properties', () => {
  it('parseSubjectMatcher throws only InvalidClientMetadata, and its output is a fixed point', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: fc.constantFrom('a', 'Z', '0', '.', '-', '*', '@', ':', '/', '%', '=', ',', '+', '\\', ' ', 'C', 'N', '1'), maxLength: 30 }),
      fc.domain(),
      fc.webUrl(),
      fc.emailAddress(),
      fc.ipV6(),
    );
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), text, (kind, value) => {
        let m: SubjectMatcher;
        try {
          m = parseSubjectMatcher(kind, value);
        } catch (err) {
          assert.ok(isMetadataError(err), String(err));
          return;
        }
        assert.equal(m.kind, kind);
        assert.deepEqual(parseSubjectMatcher(kind, m.value), m);
      }),
      { numRuns: 5000 },
    );
  });
});
