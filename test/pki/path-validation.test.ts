// RFC 5280 §6.1 path validation of client certificates against one partner's anchors: every
// check on every certificate, every candidate path tried, nothing the client sent trusted.
import assert from 'node:assert/strict';
import { createHash, type X509Certificate } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { validatePath, type PathAnchor } from '../../src/pki/path-validation.ts';
import { forge, forgeCa, type Forged } from '../helpers/forge.ts';

function anchor(ca: Forged): PathAnchor {
  return { x509: ca.x509, fingerprint: createHash('sha256').update(ca.x509.raw).digest('hex') };
}

function validate(leaf: Forged, candidates: readonly Forged[], anchors: readonly Forged[], at = new Date()) {
  return validatePath({ leaf: leaf.x509, candidates: candidates.map((c) => c.x509), anchors: anchors.map(anchor), at });
}

function assertRefused(result: ReturnType<typeof validate>, reason: RegExp): void {
  assert.equal(result.valid, false, 'the path must be refused');
  if (!result.valid) assert.match(result.reason, reason);
}

function fingerprints(path: readonly { x509: X509Certificate }[]): string[] {
  return path.map((c) => c.x509.subject);
}

describe('RFC 5280 §6.1: client certificate path validation', () => {
  let root: Forged;
  let intermediate: Forged;
  let leaf: Forged;

  before(async () => {
    root = await forgeCa('CN=victim root', undefined, { days: [-60, 3650] });
    intermediate = await forgeCa('CN=victim issuing,O=victim', root, { pathLen: 0 });
    leaf = await forge({ subject: 'CN=victim-a,O=victim', issuer: intermediate });
  });

  test('a leaf, its intermediate (a candidate) and the anchor form a valid path, leaf first and anchor last', () => {
    const result = validate(leaf, [intermediate], [root]);
    assert.equal(result.valid, true);
    if (result.valid) {
      assert.deepEqual(fingerprints(result.path), [leaf.x509.subject, intermediate.x509.subject, root.x509.subject]);
      assert.equal(result.anchor.x509.raw.equals(root.x509.raw), true);
      assert.equal(result.notAfter, Math.min(...[leaf, intermediate, root].map((c) => c.x509.validToDate.getTime())));
    }
  });

  test('an intermediate that is itself the anchor ends the path there', () => {
    assert.equal(validate(leaf, [], [intermediate]).valid, true);
  });

  test('without the intermediate among the candidates, no path reaches the root', () => {
    assertRefused(validate(leaf, [], [root]), /does not chain/);
  });

  test("another partner's anchors are never used: the same leaf against other anchors is refused", async () => {
    const other = await forgeCa('CN=other root');
    assertRefused(validate(leaf, [intermediate, root], [other]), /does not chain/);
  });

  test('a candidate with the anchor\'s name but another key is not the anchor (name chaining needs the signature)', async () => {
    const lookAlike = await forgeCa('CN=victim root');
    const forgedIntermediate = await forgeCa('CN=victim issuing,O=victim', lookAlike, { keys: intermediate.keys, pathLen: 0 });
    assertRefused(validate(leaf, [forgedIntermediate, lookAlike], [root]), /does not chain/);
  });

  test('an issuer without basicConstraints cA is refused, even with keyCertSign', async () => {
    const notCa = await forge({ subject: 'CN=not a ca', issuer: root, basic: 'leaf', keyUsage: 0x04 | 0x20 });
    assertRefused(validate(await forge({ subject: 'CN=x', issuer: notCa }), [notCa], [root]), /not a CA/);
  });

  test('an issuer with no basicConstraints at all is refused', async () => {
    const bare = await forge({ subject: 'CN=bare', issuer: root, basic: 'none', keyUsage: 'none' });
    assertRefused(validate(await forge({ subject: 'CN=x', issuer: bare }), [bare], [root]), /not a CA/);
  });

  test('an issuer whose keyUsage lacks keyCertSign is refused', async () => {
    const noSign = await forgeCa('CN=no cert sign', root, { keyUsage: 0x40 });
    const result = validate(await forge({ subject: 'CN=x', issuer: noSign }), [noSign], [root]);
    assert.equal(result.valid, false);
  });

  test('pathLenConstraint 0 on the root refuses a path with one intermediate below it', async () => {
    const strictRoot = await forgeCa('CN=strict root', undefined, { pathLen: 0 });
    const mid = await forgeCa('CN=mid', strictRoot);
    assertRefused(validate(await forge({ subject: 'CN=x', issuer: mid }), [mid], [strictRoot]), /pathLenConstraint/);
  });

  test('pathLenConstraint 0 on an intermediate refuses a second intermediate below it; 1 allows it', async () => {
    const second = await forgeCa('CN=second', intermediate);
    assertRefused(validate(await forge({ subject: 'CN=x', issuer: second }), [second, intermediate], [root]), /pathLenConstraint/);
    const roomy = await forgeCa('CN=roomy', root, { pathLen: 1 });
    const below = await forgeCa('CN=below', roomy);
    assert.equal(validate(await forge({ subject: 'CN=x', issuer: below }), [below, roomy], [root]).valid, true);
  });

  test('an expired intermediate is refused', async () => {
    const expired = await forgeCa('CN=expired issuing', root, { days: [-30, -1] });
    assertRefused(validate(await forge({ subject: 'CN=x', issuer: expired }), [expired], [root]), /validity/);
  });

  test('a not-yet-valid intermediate is refused', async () => {
    const future = await forgeCa('CN=future issuing', root, { days: [1, 30] });
    assertRefused(validate(await forge({ subject: 'CN=x', issuer: future }), [future], [root]), /validity/);
  });

  test('an expired anchor is refused', async () => {
    const oldRoot = await forgeCa('CN=old root', undefined, { days: [-30, -1] });
    assertRefused(validate(await forge({ subject: 'CN=x', issuer: oldRoot }), [], [oldRoot]), /validity/);
  });

  test('validity is judged at the given time: the same path passes before its intermediate expires', async () => {
    const expired = await forgeCa('CN=expired later', root, { days: [-30, -1] });
    const child = await forge({ subject: 'CN=x', issuer: expired, days: [-20, 300] });
    assert.equal(validate(child, [expired], [root], new Date(Date.now() - 10 * 86_400_000)).valid, true);
    assert.equal(validate(child, [expired], [root]).valid, false);
  });

  test('an expired leaf and a not-yet-valid leaf are refused', async () => {
    assertRefused(validate(await forge({ subject: 'CN=x', issuer: intermediate, days: [-30, -1] }), [intermediate], [root]), /validity/);
    assertRefused(validate(await forge({ subject: 'CN=x', issuer: intermediate, days: [1, 30] }), [intermediate], [root]), /validity/);
  });

  test('a leaf that is a CA certificate is refused (a client certificate never is)', async () => {
    assertRefused(validate(await forgeCa('CN=leaf ca', intermediate), [intermediate], [root]), /CA certificate/);
  });

  test('an unknown critical extension on the leaf or on an issuer refuses the path', async () => {
    assertRefused(validate(await forge({ subject: 'CN=x', issuer: intermediate, unknownCritical: true }), [intermediate], [root]), /critical extension/);
    const odd = await forgeCa('CN=odd', root, { unknownCritical: true });
    assertRefused(validate(await forge({ subject: 'CN=x', issuer: odd }), [odd], [root]), /critical extension/);
  });

  test('a failing candidate never hides a good one: an expired copy of the intermediate first, the valid one second', async () => {
    const expiredCopy = await forgeCa('CN=victim issuing,O=victim', root, { keys: intermediate.keys, days: [-30, -1], pathLen: 0 });
    assert.equal(validate(leaf, [expiredCopy, intermediate], [root]).valid, true);
    assert.equal(validate(leaf, [intermediate, expiredCopy], [root]).valid, true);
  });

  test('a loop of cross-signed candidates ends without a path and without running away', async () => {
    const a = await forgeCa('CN=loop a');
    const b = await forgeCa('CN=loop b', a);
    const aByB = await forgeCa('CN=loop a', b, { keys: a.keys });
    const child = await forge({ subject: 'CN=x', issuer: b });
    assertRefused(validate(child, [b, aByB, a], [root]), /does not chain/);
  });

  test('an issuer restricted by extKeyUsage to serverAuth is refused; one allowing clientAuth or anyExtendedKeyUsage passes', async () => {
    const webOnly = await forgeCa('CN=web only', root, { extKeyUsage: ['1.3.6.1.5.5.7.3.1'] });
    assertRefused(validate(await forge({ subject: 'CN=x', issuer: webOnly }), [webOnly], [root]), /purposes other than clientAuth/);
    const clients = await forgeCa('CN=clients', root, { extKeyUsage: ['1.3.6.1.5.5.7.3.2'] });
    assert.equal(validate(await forge({ subject: 'CN=x', issuer: clients }), [clients], [root]).valid, true);
    const any = await forgeCa('CN=any purpose', root, { extKeyUsage: ['2.5.29.37.0'] });
    assert.equal(validate(await forge({ subject: 'CN=x', issuer: any }), [any], [root]).valid, true);
  });

  test('an issuer with name constraints (not processed by certbound) is refused rather than judged without them, critical or not', async () => {
    const critical = await forgeCa('CN=constrained', root, { permittedDns: 'victim.example' });
    assertRefused(validate(await forge({ subject: 'CN=x', issuer: critical }), [critical], [root]), /critical extension|constraints/);
    const lax = await forgeCa('CN=constrained lax', root, { permittedDns: 'victim.example', constraintsCritical: false });
    assertRefused(validate(await forge({ subject: 'CN=x', issuer: lax }), [lax], [root]), /name or policy constraints/);
  });

  test('a SHA-1 signature on the leaf or on an intermediate is refused', async () => {
    assertRefused(validate(await forge({ subject: 'CN=x', issuer: intermediate, hash: 'SHA-1' }), [intermediate], [root]), /too weak/);
    const sha1 = await forgeCa('CN=sha1 issuing', root, { hash: 'SHA-1' });
    assertRefused(validate(await forge({ subject: 'CN=x', issuer: sha1 }), [sha1], [root]), /algorithm certbound does not rely on/);
  });
});
