// A hostile partner that imports its own CA cannot authenticate as another partner's client by
// confusing the path: OpenSSL may validate a chain through the attacker's look-alike copy of a
// victim certificate, but certbound validates the path itself, against the victim client's own
// partner's anchors only, with every RFC 5280 check on every certificate. And a connection's
// verdict follows the registry: the next request on an open connection is judged by the trust
// in force now, in both directions.
import assert from 'node:assert/strict';
import { Agent, request } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { importAnchors } from '../../src/admin/anchors.ts';
import { registerClient } from '../../src/admin/clients.ts';
import { addPartner, setPartnerStatus } from '../../src/admin/partners.ts';
import { loadRegistry } from '../../src/server/registry.ts';
import { x5tS256 } from '../../src/core/thumbprint.ts';
import type { PeerCertificate } from '../../src/transport/tls.ts';
import { forge, forgeCa, type Forged } from '../helpers/forge.ts';
import { collect, formBody, send, type Response } from '../helpers/https.ts';
import { credentials, startWorld, type Harness } from '../helpers/world.ts';

const VICTIM_DN = 'CN=victim-a,O=victim';

function chain(leaf: Forged, ...rest: Forged[]): { cert: string; key: string } {
  return { cert: [leaf, ...rest].map((c) => c.certPem).join(''), key: leaf.keyPem };
}

function assertInvalidClient(res: Response): void {
  assert.equal(res.status, 401, res.text);
  assert.equal(res.json?.['error'], 'invalid_client', res.text);
  assert.equal(res.json?.['access_token'], undefined);
}

describe('RFC 8705 §7.4 / RFC 5280 §6.1: path confusion through a partner\'s imported look-alike CA', () => {
  let h: Harness;
  let platformCa: string;
  let victimRoot: Forged;
  let malloryRoot: Forged;

  const token = (identity: { cert: string; key: string }, clientId = 'victim-a') =>
    send(`${h.issuer}/token`, { ca: platformCa, identity, form: { grant_type: 'client_credentials', client_id: clientId } });

  before(async () => {
    h = await startWorld();
    platformCa = (await credentials('acme-a')).ca;
    victimRoot = await forgeCa('CN=victim own root,O=victim', undefined, { days: [-60, 3650] });
    malloryRoot = await forgeCa('CN=mallory own root,O=mallory', undefined, { days: [-60, 3650] });
    await addPartner(h.store, 'victim', { caPem: victimRoot.certPem });
    await addPartner(h.store, 'mallory', { caPem: malloryRoot.certPem });
    await registerClient(h.store, { id: 'victim-a', partnerId: 'victim', subject: { kind: 'subject_dn', value: VICTIM_DN }, scope: 'orders:read' });
    await h.service.reload();
  });
  after(() => h.close());

  test('control: a leaf the victim\'s root issued through a valid intermediate gets a token', async () => {
    const issuing = await forgeCa('CN=victim issuing,O=victim', victimRoot);
    const res = await token(chain(await forge({ subject: VICTIM_DN, issuer: issuing }), issuing));
    assert.equal(res.status, 200, res.text);
  });

  test('expired intermediate: a leaf signed with an expired victim intermediate\'s key, with mallory\'s valid copy of it, is 401 invalid_client in either chain order', async () => {
    const expired = await forgeCa('CN=victim old issuing,O=victim', victimRoot, { days: [-30, -1] });
    const copy = await forgeCa(expired.subject, malloryRoot, { keys: expired.keys });
    const leaf = await forge({ subject: VICTIM_DN, issuer: expired });
    assertInvalidClient(await token(chain(leaf, expired, copy)));
    assertInvalidClient(await token(chain(leaf, copy, expired)));
    assertInvalidClient(await token(chain(leaf, copy)));
  });

  test('a victim leaf without keyUsage used as an issuer, with mallory\'s CA copy of it, is 401 invalid_client in either chain order', async () => {
    const service = await forge({ subject: 'CN=victim-batch,O=victim', issuer: victimRoot, basic: 'none', keyUsage: 'none' });
    const copy = await forgeCa(service.subject, malloryRoot, { keys: service.keys });
    const leaf = await forge({ subject: VICTIM_DN, issuer: service });
    assertInvalidClient(await token(chain(leaf, service, copy)));
    assertInvalidClient(await token(chain(leaf, copy, service)));
    assertInvalidClient(await token(chain(leaf, copy)));
  });

  test('a valid victim intermediate X with mallory\'s same-name, same-key-id copy Y: [L, X] and [L, X, Y] with L under Y are 401 invalid_client', async () => {
    const x = await forgeCa('CN=victim issuing 2,O=victim', victimRoot);
    const y = await forgeCa(x.subject, malloryRoot);
    const leaf = await forge({ subject: VICTIM_DN, issuer: y });
    assertInvalidClient(await token(chain(leaf, x)));
    assertInvalidClient(await token(chain(leaf, x, y)));
    assertInvalidClient(await token(chain(leaf, y, x)));
  });

  test('an issuer without cA, an exceeded pathLen, an expired and a not-yet-valid intermediate under the victim\'s own root are each 401 invalid_client', async () => {
    const notCa = await forge({ subject: 'CN=victim not ca,O=victim', issuer: victimRoot, keyUsage: 0x20 | 0x80 });
    const shallow = await forgeCa('CN=victim shallow,O=victim', victimRoot, { pathLen: 0 });
    const deep = await forgeCa('CN=victim deep,O=victim', shallow);
    const expired = await forgeCa('CN=victim expired,O=victim', victimRoot, { days: [-30, -1] });
    const future = await forgeCa('CN=victim future,O=victim', victimRoot, { days: [2, 30] });
    for (const [issuer, ...above] of [[notCa], [deep, shallow], [expired], [future]] as Forged[][]) {
      assertInvalidClient(await token(chain(await forge({ subject: VICTIM_DN, issuer: issuer! }), issuer!, ...above)));
    }
  });

  test('a victim sub-CA restricted to serverAuth, whose key mallory holds, with a self-signed look-alike of it imported by mallory: OpenSSL validates through the look-alike, certbound refuses the sub-CA\'s purpose → 401 invalid_client', async () => {
    const webOnly = await forgeCa('CN=victim web hosting,O=victim', victimRoot, { extKeyUsage: ['1.3.6.1.5.5.7.3.1'] });
    const leaf = await forge({ subject: VICTIM_DN, issuer: webOnly });
    assertInvalidClient(await token(chain(leaf, webOnly)));
    const lookAlike = await forgeCa(webOnly.subject, undefined, { keys: webOnly.keys });
    await addPartner(h.store, 'mallory-web', { caPem: lookAlike.certPem });
    await h.service.reload();
    assertInvalidClient(await token(chain(leaf, webOnly)));
    assertInvalidClient(await token(chain(leaf)));
  });

  test('a CA with name constraints or restricted to serverAuth is refused at import with ERR_CERTBOUND_INVALID_CERTIFICATE', async () => {
    const invalid = { name: 'CertboundError', code: 'ERR_CERTBOUND_INVALID_CERTIFICATE' };
    await assert.rejects(importAnchors(h.store, 'mallory', (await forgeCa('CN=mallory constrained', undefined, { permittedDns: 'mallory.example', constraintsCritical: false })).certPem), invalid);
    await assert.rejects(importAnchors(h.store, 'mallory', (await forgeCa('CN=mallory web only', undefined, { extKeyUsage: ['1.3.6.1.5.5.7.3.1'] })).certPem), invalid);
  });

  test('a CA whose subject looks like another partner\'s anchor is refused at import with ERR_CERTBOUND_PARTNER_ANCHOR_CONFLICT, and the victim keeps working', async () => {
    const lookAlike = await forgeCa('cn=Victim  Own Root,o=VICTIM');
    await assert.rejects(importAnchors(h.store, 'mallory', lookAlike.certPem), { name: 'CertboundError', code: 'ERR_CERTBOUND_PARTNER_ANCHOR_CONFLICT' });
    await assert.rejects(addPartner(h.store, 'mallory2', { caPem: (await forgeCa(victimRoot.subject)).certPem }), { code: 'ERR_CERTBOUND_PARTNER_ANCHOR_CONFLICT' });
    assert.equal(await h.store.getPartner('mallory2'), null);
    await h.service.reload();
    const res = await token(chain(await forge({ subject: VICTIM_DN, issuer: victimRoot })));
    assert.equal(res.status, 200, res.text);
  });

  test('the verdict is remembered per whole presented chain: a leaf accepted with its intermediate is refused without it', async () => {
    const registry = await loadRegistry(h.store);
    const issuing = await forgeCa('CN=victim issuing 3,O=victim', victimRoot);
    const leaf = await forge({ subject: VICTIM_DN, issuer: issuing });
    const peer = (issuers: Forged[]): PeerCertificate => ({
      x509: leaf.x509,
      thumbprint: x5tS256(leaf.x509.raw),
      authorized: true,
      authorizationError: null,
      issuers: () => issuers.map((c) => c.x509),
    });
    const accepted = registry.pathFor(peer([issuing]), 'victim', new Date());
    assert.equal(typeof accepted, 'object', String(accepted));
    assert.match(String(registry.pathFor(peer([]), 'victim', new Date())), /does not chain/);
    assert.match(String(registry.pathFor(peer([issuing]), 'mallory', new Date())), /does not chain/, 'nor for another partner');
  });

  test('a remembered acceptance does not outlive the path: past the intermediate\'s notAfter the same chain is refused', async () => {
    const registry = await loadRegistry(h.store);
    const shortLived = await forgeCa('CN=victim short,O=victim', victimRoot, { days: [-1, 2] });
    const leaf = await forge({ subject: VICTIM_DN, issuer: shortLived });
    const peer: PeerCertificate = { x509: leaf.x509, thumbprint: x5tS256(leaf.x509.raw), authorized: true, authorizationError: null, issuers: () => [shortLived.x509] };
    assert.equal(typeof registry.pathFor(peer, 'victim', new Date()), 'object');
    assert.match(String(registry.pathFor(peer, 'victim', new Date(Date.now() + 3 * 86_400_000))), /validity/);
  });
});

/**
 * Runs `steps` with a function that asks for a token for `clientId` over one keep-alive TLS
 * connection presenting `identity`, checking that every answer came over that same connection.
 */
async function onOneConnection(
  url: string,
  ca: string,
  identity: { cert: string; key: string },
  clientId: string,
  steps: (token: () => Promise<Response>) => Promise<void>,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, cert: identity.cert, key: identity.key, ca });
  const target = new URL(url);
  const body = formBody({ grant_type: 'client_credentials', client_id: clientId });
  let port: number | undefined;
  const token = () =>
    new Promise<Response>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', servername: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { host: target.host, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const local = res.socket.localPort;
          port ??= local;
          if (local !== port) reject(new assert.AssertionError({ message: 'every request goes over the same connection', actual: local, expected: port }));
          else collect(res).then(resolve, reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  try {
    await steps(token);
  } finally {
    agent.destroy();
  }
}

describe('a connection\'s verdict follows the registry: the next request on an open connection is judged by the trust in force', () => {
  let h: Harness;
  let platformCa: string;

  before(async () => {
    h = await startWorld();
    platformCa = (await credentials('acme-a')).ca;
  });
  after(() => h.close());

  /** A partner with an imported root of its own and one client `<id>-a` with subject `CN=<id>-a`. */
  async function partnerWithClient(id: string): Promise<Forged> {
    const root = await forgeCa(`CN=${id} own root`, undefined, { days: [-60, 3650] });
    await addPartner(h.store, id, { caPem: root.certPem });
    await registerClient(h.store, { id: `${id}-a`, partnerId: id, subject: { kind: 'subject_dn', value: `CN=${id}-a` } });
    return root;
  }

  async function setStatus(partner: string, status: 'active' | 'disabled'): Promise<void> {
    await setPartnerStatus(h.store, partner, status);
    await h.service.reload();
  }

  test('connected while its partner was disabled: 401; after partner enable, the same connection gets a token, and 401 again after disable', async () => {
    const root = await partnerWithClient('sleepy');
    await setStatus('sleepy', 'disabled');
    await onOneConnection(`${h.issuer}/token`, platformCa, chain(await forge({ subject: 'CN=sleepy-a', issuer: root })), 'sleepy-a', async (token) => {
      assertInvalidClient(await token());
      await setStatus('sleepy', 'active');
      const granted = await token();
      assert.equal(granted.status, 200, granted.text);
      await setStatus('sleepy', 'disabled');
      assertInvalidClient(await token());
    });
  });

  test('connected before its CA was imported: 401; after partner trust --add-ca, the same connection gets a token', async () => {
    await partnerWithClient('newco');
    await h.service.reload();
    const second = await forgeCa('CN=newco second root', undefined, { days: [-60, 3650] });
    await onOneConnection(`${h.issuer}/token`, platformCa, chain(await forge({ subject: 'CN=newco-a', issuer: second })), 'newco-a', async (token) => {
      assertInvalidClient(await token());
      await importAnchors(h.store, 'newco', second.certPem);
      await h.service.reload();
      const granted = await token();
      assert.equal(granted.status, 200, granted.text);
    });
  });

  test('a stale verdict other than issuer-unknown stands: a chain OpenSSL refused for its purpose stays 401 on the same connection after partner enable', async () => {
    const root = await partnerWithClient('purposeful');
    await setStatus('purposeful', 'disabled');
    const webOnly = await forgeCa('CN=purposeful web', root, { extKeyUsage: ['1.3.6.1.5.5.7.3.1'] });
    await onOneConnection(`${h.issuer}/token`, platformCa, chain(await forge({ subject: 'CN=purposeful-a', issuer: webOnly }), webOnly), 'purposeful-a', async (token) => {
      assertInvalidClient(await token());
      await setStatus('purposeful', 'active');
      assertInvalidClient(await token());
    });
  });

  test('a stale verdict is no licence: a certificate from a CA that was never imported stays 401 after an unrelated change', async () => {
    const stranger = await forgeCa('CN=stranger root', undefined, { days: [-60, 3650] });
    await onOneConnection(`${h.issuer}/token`, platformCa, chain(await forge({ subject: 'CN=acme-a,O=acme', issuer: stranger })), 'acme-a', async (token) => {
      assertInvalidClient(await token());
      await setStatus('globex', 'disabled');
      try {
        assertInvalidClient(await token());
      } finally {
        await setStatus('globex', 'active');
      }
    });
  });
});
