// The token store failing under a running service (ST-01/03/04), and a store that cannot
// start one (ST-07).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { dataDirFiles } from '../../src/admin/files.ts';
import { CertboundError } from '../../src/core/certbound-error.ts';
import { startTokenService, type TokenServiceOptions } from '../../src/server/service.ts';
import { generateSigningKey } from '../../src/server/signing-keys.ts';
import { openStore } from '../../src/storage/open.ts';
import type { Store } from '../../src/storage/store.ts';
import { credentials, startWorld, world, type Credentials, type Harness } from '../helpers/world.ts';
import { send, type Response } from '../helpers/https.ts';

const UNAVAILABLE_BODY = '{"error":"temporarily_unavailable"}';

describe('ST-01/03/04: the token store goes away under a running service', () => {
  let h: Harness;
  let a: Credentials;
  /** Issued while the store was up. */
  let token: string;

  before(async () => {
    h = await startWorld();
    a = await credentials('acme-a');
    token = await tokenAsAcmeA();
    assert.equal((await send(`${h.issuer}/readyz`, { ca: a.ca })).status, 200);
    // The database goes away: every store call from now on fails.
    await h.store.close();
  });
  after(async () => {
    // h.close() would close the store a second time.
    await h.service.close();
    await rm(h.dir, { recursive: true, force: true });
  });

  async function tokenAsAcmeA(): Promise<string> {
    const res = await send(`${h.issuer}/token`, { ca: a.ca, identity: a, form: { grant_type: 'client_credentials', client_id: 'acme-a' } });
    assert.equal(res.status, 200, res.text);
    return String(res.json?.['access_token']);
  }
  const postAsAcmeA = (path: string, form: Record<string, string>) =>
    send(`${h.issuer}${path}`, { ca: a.ca, identity: a, form: { client_id: 'acme-a', ...form } });

  function assertUnavailable(res: Response): void {
    assert.equal(res.status, 503, res.text);
    assert.equal(res.text, UNAVAILABLE_BODY, 'the bare error code: no error_description, no detail of the failure');
    assert.equal(res.headers['retry-after'], '5');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['www-authenticate'], undefined);
  }

  test('ST-03 / RFC 7662: introspecting a live token is 503 temporarily_unavailable with Retry-After, never a guess of active or inactive', async () => {
    assertUnavailable(await postAsAcmeA('/introspect', { token }));
  });

  test('ST-03: a token that is not a live token of ours needs no store and is still exactly {"active":false}', async () => {
    const res = await postAsAcmeA('/introspect', { token: 'not-a-token' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, '{"active":false}');
  });

  test('ST-04 / RFC 7009 §2.2: revoking a live token is 503 temporarily_unavailable, never a 200 for an unsaved revocation', async () => {
    assertUnavailable(await postAsAcmeA('/revoke', { token }));
  });

  test('ST-01 (by design, issuance is stateless): /token still issues a valid token with the store down — tokens are self-contained JWTs, revocation is by jti, so no database round trip is on the hot path', async () => {
    const fresh = await tokenAsAcmeA();
    const jwks = await send(`${h.issuer}/jwks`, { ca: a.ca });
    assert.equal(jwks.status, 200, jwks.text);
    const { payload } = await jwtVerify(fresh, createLocalJWKSet(jwks.json as unknown as JSONWebKeySet), { issuer: h.issuer, typ: 'at+jwt' });
    assert.equal(payload['client_id'], 'acme-a');
  });

  test('ST-01: /readyz is 503 while the store is down; /healthz (liveness) stays 200', async () => {
    const ready = await send(`${h.issuer}/readyz`, { ca: a.ca });
    assert.equal(ready.status, 503, ready.text);
    assert.deepEqual(ready.json, { status: 'unavailable', failing: ['store'] });
    assert.equal((await send(`${h.issuer}/healthz`, { ca: a.ca })).status, 200);
  });
});

describe('ST-07: the service refuses to start without an active signing key', () => {
  let dir: string;
  let store: Store;
  let tls: { cert: string; key: string };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certbound-empty-'));
    store = await openStore(dir); // a fresh, never initialised data directory
    const files = dataDirFiles((await world()).template);
    tls = { cert: await readFile(files.tlsCert, 'utf8'), key: await readFile(files.tlsKey, 'utf8') };
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const options = (extra: Partial<TokenServiceOptions> = {}): TokenServiceOptions => ({
    store,
    issuer: 'https://localhost:1',
    port: 0,
    logger: false,
    tls,
    ...extra,
  });
  /** Matches the catalogue error, naming what is missing. */
  const notInitialised = (missing: RegExp) => (err: unknown) => {
    assert.ok(err instanceof CertboundError, String(err));
    assert.equal(err.code, 'ERR_CERTBOUND_NOT_INITIALISED');
    assert.match(err.message, missing);
    return true;
  };

  test('ST-07: an uninitialised store (no TLS credential, no key) is ERR_CERTBOUND_NOT_INITIALISED', async () => {
    const { tls: _tls, ...withoutTls } = options();
    await assert.rejects(startTokenService(withoutTls), notInitialised(/TLS certificate/));
  });

  test('ST-07: a store with no signing key is ERR_CERTBOUND_NOT_INITIALISED, even with a TLS certificate given', async () => {
    assert.equal((await store.listSigningKeys()).length, 0);
    await assert.rejects(startTokenService(options()), notInitialised(/active signing key/));
  });

  test('ST-07: a store whose only signing key is inactive is ERR_CERTBOUND_NOT_INITIALISED, never an ephemeral key', async () => {
    await store.addSigningKey({ ...(await generateSigningKey()), active: false });
    await assert.rejects(startTokenService(options()), notInitialised(/active signing key/));
  });

  test('control: with an active signing key the same store starts', async () => {
    await store.addSigningKey(await generateSigningKey());
    const service = await startTokenService(options());
    await service.close();
  });

  test('ST-07: an unreadable (corrupt) signing key makes start-up fail, without echoing the key', async () => {
    const corrupt = new Uint8Array(Buffer.from('not a PKCS#8 key, just bytes'));
    await store.addSigningKey({ ...(await generateSigningKey()), keyPkcs8: corrupt });
    await assert.rejects(startTokenService(options()), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.doesNotMatch(err.message, /not a PKCS#8 key, just bytes/);
      return true;
    });
  });
});
