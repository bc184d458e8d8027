// Token and partner lifecycle across clients and partners: who may introspect what (LC-06),
// tokens capped by their certificate's lifetime (LC-11), a partner switched off and on (LC-12).
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { registerClient } from '../../src/admin/clients.ts';
import { addResource } from '../../src/admin/resources.ts';
import { issueCertificate } from '../../src/pki/issue.ts';
import { createSelfSignedCertificate } from '../../src/pki/self-signed.ts';
import { loadKeys } from '../../src/server/service.ts';
import { introspect, type TokenContext } from '../../src/server/introspection.ts';
import { loadRegistry } from '../../src/server/registry.ts';
import { API, asCredentials, authority, credentials, secret, startWorld, type Harness } from '../helpers/world.ts';
import { jwtPayload, send, type Response, type TlsIdentity } from '../helpers/https.ts';
import { run } from '../helpers/run.ts';

const INACTIVE = '{"active":false}';
const INVALID_CLIENT_BODY = '{"error":"invalid_client","error_description":"client authentication failed"}';
const DAY = 86_400_000;

const cc = (clientId: string) => ({ grant_type: 'client_credentials', client_id: clientId });
const basic = (id: string, pass: string) => `Basic ${Buffer.from(`${id}:${pass}`).toString('base64')}`;

/** A token for a certificate client of the world, from the service of `h`. */
async function tokenFor(h: Harness, clientId: string): Promise<string> {
  const c = await credentials(clientId);
  const res = await send(`${h.issuer}/token`, { ca: c.ca, identity: c, form: cc(clientId) });
  assert.equal(res.status, 200, res.text);
  return String(res.json?.['access_token']);
}

/** Introspects `token` on `h` as the certificate client `caller`, with the given certificate. */
function introspectAs(h: Harness, caller: string, identity: TlsIdentity & { ca: string }, token: string): Promise<Response> {
  return send(`${h.issuer}/introspect`, { ca: identity.ca, identity, form: { client_id: caller, token } });
}

function assertInactive(res: Response): void {
  assert.equal(res.status, 200, res.text);
  assert.equal(res.text, INACTIVE, 'exactly {"active":false}, no other member');
}

function assertActive(res: Response, clientId: string): Record<string, unknown> {
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json?.['active'], true, res.text);
  assert.equal(res.json?.['client_id'], clientId);
  return res.json!;
}

function assertInvalidClient(res: Response, issuer: string): void {
  assert.equal(res.status, 401, res.text);
  assert.equal(res.text, INVALID_CLIENT_BODY);
  assert.equal(res.headers['www-authenticate'], `Basic realm="${issuer}"`);
}

/** Registers a tls_client_auth client with a certificate issued into the harness directory, and reloads. */
async function addCertificateClient(h: Harness, reg: { id: string; partnerId: string; introspects?: string[]; resources?: string[] }) {
  const { files } = await registerClient(h.store, { ...reg, issueCertTo: join(h.dir, 'issued', reg.id) });
  await h.service.reload();
  assert.ok(files?.key);
  const [cert, key, ca] = await Promise.all([readFile(files.cert, 'utf8'), readFile(files.key, 'utf8'), readFile(files.ca, 'utf8')]);
  return { cert, key, ca };
}

describe('LC-06 / RFC 7662 §2.2: introspection never crosses partners', () => {
  let h: Harness;
  before(async () => {
    h = await startWorld();
  });
  after(() => h.close());

  test('LC-06: a globex client registered to introspect the issuer sees acme-noaud\'s default-audience token as exactly {"active":false}; its owner sees it active', async () => {
    await addResource(h.store, h.issuer, 'globex');
    const globexIx = await addCertificateClient(h, { id: 'globex-ix', partnerId: 'globex', introspects: [h.issuer] });
    const token = await tokenFor(h, 'acme-noaud');
    assert.equal(jwtPayload(token)['aud'], h.issuer, 'a client without resources gets the issuer as audience');
    assertInactive(await introspectAs(h, 'globex-ix', globexIx, token));
    assertActive(await introspectAs(h, 'acme-noaud', await credentials('acme-noaud'), token), 'acme-noaud');
  });

  test('LC-06: acme-rs sees a globex-g token for globex\'s API as exactly {"active":false}; globex-rs sees it active', async () => {
    const token = await tokenFor(h, 'globex-g');
    assert.equal(jwtPayload(token)['aud'], API.globex);
    assertInactive(await introspectAs(h, 'acme-rs', await credentials('acme-rs'), token));
    assertActive(await introspectAs(h, 'globex-rs', await credentials('globex-rs'), token), 'globex-g');
  });

  test('LC-06: a resource registered without an owner gives no other partner\'s resource server a view of the token', async () => {
    const shared = 'https://shared.example/api';
    await h.store.addResource({ uri: shared, partnerId: null });
    const acme = await addCertificateClient(h, { id: 'acme-shared', partnerId: 'acme', resources: [shared] });
    const globexIx = await addCertificateClient(h, { id: 'globex-shared-ix', partnerId: 'globex', introspects: [shared] });
    const res = await send(`${h.issuer}/token`, { ca: acme.ca, identity: acme, form: cc('acme-shared') });
    assert.equal(res.status, 200, res.text);
    const token = String(res.json?.['access_token']);
    assert.equal(jwtPayload(token)['aud'], shared);
    assertInactive(await introspectAs(h, 'globex-shared-ix', globexIx, token));
    assertActive(await introspectAs(h, 'acme-shared', acme, token), 'acme-shared');
  });

  test('RFC 7662 §2.2: a token for the default audience is its owner\'s alone, even to a same-partner client registered to introspect the issuer', async () => {
    // The issuer resource is globex's in the harness above: this needs a world of its own.
    const own = await startWorld();
    try {
      await addResource(own.store, own.issuer, 'acme');
      const acmeIx = await addCertificateClient(own, { id: 'acme-ix', partnerId: 'acme', introspects: [own.issuer] });
      const token = await tokenFor(own, 'acme-noaud');
      assertInactive(await introspectAs(own, 'acme-ix', acmeIx, token));
      assertActive(await introspectAs(own, 'acme-noaud', await credentials('acme-noaud'), token), 'acme-noaud');
    } finally {
      await own.close();
    }
  });

  test('RFC 8705 §6.3 (LC-11): a token is capped at its certificate\'s notAfter', async () => {
    const notAfter = new Date(Date.now() + 120_000);
    const leaf = await issueCertificate(await authority('acme'), { subject: 'CN=acme-a,O=acme', usage: 'client', notAfter });
    const identity = await asCredentials(leaf);
    const res = await send(`${h.issuer}/token`, { ca: identity.ca, identity, form: cc('acme-a') });
    assert.equal(res.status, 200, res.text);
    const claims = jwtPayload(String(res.json?.['access_token']));
    const lifetime = Number(claims['exp']) - Number(claims['iat']);
    assert.ok(lifetime > 0 && lifetime <= 120, `lifetime ${lifetime} s, the client's own is 600 s`);
    assert.equal(res.json?.['expires_in'], lifetime);
    assert.ok(Number(claims['exp']) <= Math.floor(new X509Certificate(leaf.certPem).validToDate.getTime() / 1000), 'exp ≤ notAfter');
  });

  test('RFC 8705 §6.3 (LC-11): a secret client presenting an expired certificate with the right secret is 400 invalid_request: no token is bound to it', async () => {
    const now = Date.now();
    const dead = await asCredentials(
      await createSelfSignedCertificate({ subject: 'CN=acme-basic', notBefore: new Date(now - 30 * DAY), notAfter: new Date(now - DAY) }),
    );
    const tokenUrl = `${h.issuer}/token`;
    for (const res of [
      await send(tokenUrl, { ca: dead.ca, identity: dead, headers: { authorization: basic('acme-basic', await secret('acme-basic')) }, form: { grant_type: 'client_credentials' } }),
      // Even a client whose tokens need not be bound: a presented certificate is bound, so a dead one is refused.
      await send(tokenUrl, { ca: dead.ca, identity: dead, form: { ...cc('acme-post'), client_secret: await secret('acme-post') } }),
    ]) {
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json?.['error'], 'invalid_request');
      assert.equal(res.json?.['access_token'], undefined);
      assert.equal(res.headers['www-authenticate'], undefined);
    }
  });
});

describe('TE-A-12 / LC-12: a disabled partner', () => {
  let h: Harness;
  /** Issued before the partner is disabled. */
  let acmeToken: string;
  let globexToken: string;

  before(async () => {
    h = await startWorld();
    [acmeToken, globexToken] = await Promise.all([tokenFor(h, 'acme-a'), tokenFor(h, 'globex-g')]);
  });
  after(() => h.close());

  const tokenUrl = () => `${h.issuer}/token`;
  const setAcme = async (status: 'active' | 'disabled') => {
    await h.store.setPartnerStatus('acme', status);
    await h.service.reload();
  };

  /** The service's view of a token, computed the way /introspect does, for any caller of the registry. */
  async function introspectFor(callerId: string, token: string): Promise<Record<string, unknown>> {
    const keys = await loadKeys(h.store);
    const registry = await loadRegistry(h.store);
    const ctx: TokenContext = { issuer: h.issuer, keys, registry, store: h.store, now: new Date(), defaultAudience: h.issuer };
    return introspect(new Map([['token', [token]]]), registry.clients.get(callerId)!, ctx);
  }

  /** The CA names the listener asks client certificates to chain to, as openssl prints them. */
  async function acceptableCaNames(): Promise<string> {
    const a = await credentials('acme-a');
    const res = await run(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${h.service.port}`, '-servername', 'localhost', '-CAfile', a.files.ca],
      { timeoutMs: 15_000 },
    );
    const section = /Acceptable client certificate CA names\n((?:.+\n)+?)(?:Requested Signature Algorithms|Client Certificate Types|---)/.exec(res.stdout);
    assert.ok(section?.[1], `no certificate_authorities list:\n${res.stdout}\n${res.stderr}`);
    return section[1];
  }
  const caName = async (partner: string) => new X509Certificate((await authority(partner)).certPem).subject.replace(/^CN=/, '');

  test('control: before the disable, acme-rs sees acme-a\'s token active and the listener trusts acme\'s CA', async () => {
    assertActive(await introspectAs(h, 'acme-rs', await credentials('acme-rs'), acmeToken), 'acme-a');
    assert.ok((await acceptableCaNames()).includes(await caName('acme')));
  });

  test('TE-A-12 / LC-12: every client of a disabled partner is 401 invalid_client at /token, whatever its method', async () => {
    await setAcme('disabled');
    for (const id of ['acme-a', 'acme-san', 'acme-self', 'acme-noaud']) {
      const c = await credentials(id);
      assertInvalidClient(await send(tokenUrl(), { ca: c.ca, identity: c, form: cc(id) }), h.issuer);
    }
    const b = await credentials('acme-basic');
    assertInvalidClient(await send(tokenUrl(), { ca: b.ca, identity: b, headers: { authorization: basic('acme-basic', await secret('acme-basic')) }, form: { grant_type: 'client_credentials' } }), h.issuer);
    assertInvalidClient(await send(tokenUrl(), { ca: b.ca, form: { ...cc('acme-post'), client_secret: await secret('acme-post') } }), h.issuer);
  });

  test('LC-12: a disabled partner\'s clients cannot introspect or revoke (401 invalid_client)', async () => {
    const [a, rs] = await Promise.all([credentials('acme-a'), credentials('acme-rs')]);
    assertInvalidClient(await introspectAs(h, 'acme-rs', rs, acmeToken), h.issuer);
    assertInvalidClient(await introspectAs(h, 'acme-a', a, acmeToken), h.issuer);
    assertInvalidClient(await send(`${h.issuer}/revoke`, { ca: a.ca, identity: a, form: { client_id: 'acme-a', token: acmeToken } }), h.issuer);
  });

  test('LC-12: a token issued before the disable is exactly {"active":false} to anyone, even to the resource server that saw it active', async () => {
    assertInactive(await introspectAs(h, 'globex-rs', await credentials('globex-rs'), acmeToken));
    // acme-rs can no longer authenticate; the answer it would get is the service's answer for any caller.
    assert.deepEqual(await introspectFor('acme-rs', acmeToken), { active: false });
    assert.deepEqual(await introspectFor('acme-a', acmeToken), { active: false });
  });

  test('LC-12: other partners are unaffected', async () => {
    assertActive(await introspectAs(h, 'globex-rs', await credentials('globex-rs'), globexToken), 'globex-g');
    await tokenFor(h, 'globex-g');
  });

  test('LC-12: the disabled partner\'s CA leaves the listener\'s trust set; the others stay', async () => {
    const names = await acceptableCaNames();
    assert.ok(!names.includes(await caName('acme')), names);
    assert.ok(names.includes(await caName('globex')), names);
  });

  test('LC-12: re-enabled, the partner\'s clients authenticate again and its unexpired tokens are active again (a disable suspends, it does not revoke)', async () => {
    await setAcme('active');
    await tokenFor(h, 'acme-a');
    assertActive(await introspectAs(h, 'acme-rs', await credentials('acme-rs'), acmeToken), 'acme-a');
    assert.ok((await acceptableCaNames()).includes(await caName('acme')));
  });
});
