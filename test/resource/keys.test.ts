// The guard's JWKS cache against a real HTTP JWKS endpoint that fails on demand, on an
// injected clock: the last good key set during an outage (REL-09), the backoff between
// attempts, failing closed past the maximum staleness, and recovery.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { errors as joseErrors, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose';
import { boundFetch } from '../../src/resource/fetcher.ts';
import { createKeyResolver, type KeyResolver, type KeyTiming } from '../../src/resource/keys.ts';
import { BackendUnavailable } from '../../src/resource/unavailable.ts';
import { capturedLogger } from '../helpers/log.ts';

const ISSUER = 'https://as.example';
const MAX_AGE = 10_000;
const MAX_STALE = 60_000;
const COOLDOWN = 1000;
const CAP = 8000;

/** A JWKS endpoint: serves `keys` while up, 503 while down; with `hang`, holds each answer until `release()`; counts requests. */
interface JwksEndpoint {
  url: string;
  up: boolean;
  hang: boolean;
  keys: JWK[];
  hits: number;
  held: (() => void)[];
  server: Server;
}

async function jwksEndpoint(): Promise<JwksEndpoint> {
  const endpoint = { up: true, hang: false, keys: [] as JWK[], hits: 0, held: [] } as unknown as JwksEndpoint;
  endpoint.server = createServer((_req, res) => {
    endpoint.hits++;
    if (endpoint.hang) return void endpoint.held.push(() => res.writeHead(503).end());
    if (!endpoint.up) return void res.writeHead(503).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: endpoint.keys }));
  });
  await new Promise<void>((resolve) => endpoint.server.listen(0, '127.0.0.1', resolve));
  endpoint.url = `http://127.0.0.1:${(endpoint.server.address() as AddressInfo).port}/jwks`;
  return endpoint;
}

type Signer = { kid: string; jwk: JWK; sign(): Promise<string> };

async function signer(kid: string): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const now = Math.floor(Date.now() / 1000);
  // Lives two days: the injected clock moves the cache, never the token's lifetime.
  const sign = () => new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid }).setIssuer(ISSUER).setIssuedAt(now).setExpirationTime(now + 172_800).sign(privateKey);
  return { kid, jwk, sign };
}

describe('JWKS cache during an outage (REL-09)', () => {
  let endpoint: JwksEndpoint;
  let k1: Signer;
  let k2: Signer;
  let t = 0;
  const log = capturedLogger();
  const http = boundFetch({});
  let keys: KeyResolver;
  const verify = async (who: Signer) => (await jwtVerify(await who.sign(), keys, { issuer: ISSUER })).payload;

  before(async () => {
    endpoint = await jwksEndpoint();
    [k1, k2] = await Promise.all([signer('k1'), signer('k2')]);
    endpoint.keys = [k1.jwk];
    const timing: KeyTiming = {
      timeout: 2000, cooldown: COOLDOWN, maxAge: MAX_AGE, maxStale: MAX_STALE, retryCap: CAP,
      now: () => t,
      // The longest wait of each interval: the schedule below is exact.
      random: () => 1,
      logger: log.logger,
    };
    keys = createKeyResolver({ issuer: ISSUER, jwksUri: endpoint.url }, http.fetch, timing);
  });
  after(async () => {
    await http.close();
    endpoint.server.closeAllConnections();
    await new Promise<void>((resolve) => endpoint.server.close(() => resolve()));
  });

  const at = async (time: number) => {
    t = time;
    await keys.settled();
  };
  const healthLog = () => log.lines().filter((l) => l['event'] === 'jwks').map((l) => l['health']);

  test('REL-09: while the token service answers, tokens of its keys verify with one fetch per max age', async () => {
    await verify(k1);
    await verify(k1);
    assert.equal(endpoint.hits, 1);
    await at(MAX_AGE);
    await verify(k1);
    assert.equal(endpoint.hits, 2, 'refreshed once the set reached its max age');
    assert.deepEqual(healthLog(), []);
  });

  test('REL-09: JWKS down past its max age: a token of a held key still verifies with the last good set, and the outage is logged once', async () => {
    endpoint.up = false;
    await at(2 * MAX_AGE); // fetched at MAX_AGE: now due for a refresh
    await verify(k1);
    assert.equal(endpoint.hits, 3, 'the refresh was tried, and failed');
    await verify(k1);
    assert.equal(endpoint.hits, 3, 'not tried again within the backoff');
    assert.deepEqual(healthLog(), ['stale']);
  });

  test('REL-09: an unknown kid during the outage is invalid_token (JWKSNoMatchingKey), not 503', async () => {
    await assert.rejects(verify(k2), joseErrors.JWKSNoMatchingKey);
    assert.equal(endpoint.hits, 3, 'within the backoff, an unknown kid does not reach the failing service');
    await at(2 * MAX_AGE + COOLDOWN);
    // Past the first wait an unknown kid may ask (and wait for) the service once: it still fails, so still unknown.
    await assert.rejects(verify(k2), joseErrors.JWKSNoMatchingKey);
    assert.equal(endpoint.hits, 4);
  });

  test('REL-09: while the service fails it is asked at most once per backoff interval, doubling up to the cap, while the held keys answer', async () => {
    let attempt = 2 * MAX_AGE + COOLDOWN; // the last failure: the second in a row
    for (const wait of [2000, 4000, CAP, CAP]) {
      const before = endpoint.hits;
      await at(attempt + wait - 1);
      await verify(k1);
      assert.equal(endpoint.hits, before, `no attempt before ${wait} ms`);
      await at(attempt + wait);
      await verify(k1); // answered from the held set; the attempt runs behind it
      await keys.settled();
      assert.equal(endpoint.hits, before + 1, `one attempt after ${wait} ms`);
      attempt += wait;
    }
    assert.deepEqual(healthLog(), ['stale'], 'still one line for the whole outage');
  });

  test('REL-09: past jwksMaxStale every token, of a held key or not, is 503 temporarily_unavailable with the time of the next attempt', async () => {
    await at(MAX_AGE + MAX_STALE - 1);
    await verify(k1);
    await at(MAX_AGE + MAX_STALE);
    const refused = await verify(k1).then(
      () => assert.fail('verified with keys older than the maximum staleness'),
      (err: unknown) => err,
    );
    assert.ok(refused instanceof BackendUnavailable);
    assert.equal(refused.status, 503);
    assert.equal(refused.error, 'temporarily_unavailable');
    assert.ok(refused.retryAfter >= 1 && refused.retryAfter <= CAP / 1000, String(refused.retryAfter));
    await assert.rejects(verify(k2), BackendUnavailable);
    assert.deepEqual(healthLog(), ['stale', 'expired']);
  });

  test('REL-09: when the service answers again the next attempt restores the keys (new ones included) and the staleness clock restarts', async () => {
    endpoint.up = true;
    endpoint.keys = [k1.jwk, k2.jwk];
    await at(MAX_AGE + MAX_STALE + CAP);
    await verify(k1);
    await verify(k2);
    assert.deepEqual(healthLog(), ['stale', 'expired', 'ok']);
    endpoint.up = false;
    await at(MAX_AGE + MAX_STALE + CAP + MAX_STALE - 1);
    await verify(k1);
  });
});

describe('JWKS retries during an outage do not hold requests up (REL-09)', () => {
  let endpoint: JwksEndpoint;
  let k1: Signer;
  let t = 0;
  const http = boundFetch({});
  let keys: KeyResolver;

  before(async () => {
    endpoint = await jwksEndpoint();
    k1 = await signer('k1');
    endpoint.keys = [k1.jwk];
    keys = createKeyResolver({ issuer: ISSUER, jwksUri: endpoint.url }, http.fetch, {
      timeout: 60_000, cooldown: COOLDOWN, maxAge: MAX_AGE, maxStale: MAX_STALE, retryCap: CAP, now: () => t, random: () => 1,
    });
  });
  after(async () => {
    for (const answer of endpoint.held) answer();
    await http.close();
    endpoint.server.closeAllConnections();
    await new Promise<void>((resolve) => endpoint.server.close(() => resolve()));
  });

  test('REL-09: once an outage is known, a token of a held key is answered from the held set while the retry hangs', async () => {
    await jwtVerify(await k1.sign(), keys, { issuer: ISSUER });
    endpoint.up = false;
    t = MAX_AGE;
    await jwtVerify(await k1.sign(), keys, { issuer: ISSUER }); // the first failure is awaited: the service was healthy until now
    endpoint.hang = true;
    t = MAX_AGE + COOLDOWN;
    const arrived = once(endpoint.server, 'request');
    // Verified while the retry's answer is held back by the endpoint (for as long as the test likes): nothing waits for it.
    const { payload } = await jwtVerify(await k1.sign(), keys, { issuer: ISSUER });
    assert.equal(payload.iss, ISSUER);
    await arrived;
    assert.equal(endpoint.held.length, 1, 'the retry is under way, unanswered');
    const settled = keys.settled();
    endpoint.held.shift()?.();
    await settled;
    assert.equal(endpoint.hits, 3);
  });
});
