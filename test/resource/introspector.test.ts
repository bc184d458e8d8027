// The guard's introspection client against a real HTTPS introspection endpoint that fails on
// demand (500s, dropped connections), on an injected clock: the circuit breaker (REL-08), its
// Retry-After, the probe, and no failure ever cached as "inactive".
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { JWTPayload } from 'jose';
import { createIntrospector, type Introspector } from '../../src/resource/introspector.ts';
import { BackendUnavailable } from '../../src/resource/unavailable.ts';
import { startApi, type Api } from '../helpers/api.ts';
import { capturedLogger } from '../helpers/log.ts';
import { credentials } from '../helpers/world.ts';

type Mode = 'up' | 'error' | 'drop';

describe('introspection circuit breaker (REL-08)', () => {
  let service: Api;
  let mode: Mode = 'up';
  let asked = 0;
  let t = 0;
  const log = capturedLogger();
  let introspector: Introspector;
  const claims: JWTPayload = { jti: 'j-1', exp: Math.floor(Date.now() / 1000) + 3600 };

  before(async () => {
    service = await startApi((req, res) => {
      if (req.url === '/.well-known/oauth-authorization-server') {
        const issuer = service.url;
        return res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({ issuer, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`, introspection_endpoint: `${issuer}/introspect` }),
        );
      }
      asked++;
      if (mode === 'drop') return req.socket.destroy();
      if (mode === 'error') return res.writeHead(500).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ active: true, jti: 'j-1' }));
    });
    const rs = await credentials('acme-rs');
    introspector = createIntrospector(
      service.url,
      { clientId: 'acme-rs', cert: rs.cert, key: rs.key, cacheSeconds: 30, circuitBreaker: { failureThreshold: 3, cooldownMs: 2000, maxCooldownMs: 8000 } },
      { ca: service.ca },
      // The longest wait of each cool-down (random 1): the schedule is exact.
      { timeoutMs: 5000, now: () => t, random: () => 1, logger: log.logger },
    );
  });
  after(async () => {
    await introspector.close();
    await service.close();
  });

  // A new token each time (answers are cached 30 s), except where a test names one.
  let n = 0;
  const active = (token = `token-${++n}`) => introspector.active(token, claims, undefined);
  const refusal = async (token?: string): Promise<BackendUnavailable> =>
    active(token).then(
      () => assert.fail('answered while the service fails'),
      (err: unknown) => {
        assert.ok(err instanceof BackendUnavailable, String(err));
        assert.equal(err.status, 503);
        assert.equal(err.error, 'temporarily_unavailable');
        return err;
      },
    );
  const circuitLog = () => log.lines().filter((l) => l['event'] === 'introspection').map((l) => l['circuit']);

  test('REL-08: 5xx answers and dropped connections are 503 each, and after failureThreshold in a row the circuit opens', async () => {
    assert.equal(await active(), true);
    mode = 'error';
    assert.equal((await refusal()).retryAfter, 1, 'closed: ask again at once');
    mode = 'drop';
    await refusal();
    mode = 'error';
    assert.equal((await refusal()).retryAfter, 2, 'the third failure opens the circuit for the first cool-down');
    assert.equal(asked, 4);
    assert.deepEqual(circuitLog(), ['open']);
  });

  test('REL-08: while open every request is 503 with the seconds left as Retry-After, and the service is not asked', async () => {
    t = 500;
    assert.equal((await refusal()).retryAfter, 2);
    t = 1999;
    assert.equal((await refusal('failed-token')).retryAfter, 1);
    assert.equal(asked, 4);
  });

  test('REL-08: after the cool-down one request probes; a failed probe reopens for double the cool-down, up to the cap', async () => {
    t = 2000;
    assert.equal((await refusal()).retryAfter, 4);
    assert.equal(asked, 5);
    t = 5999;
    await refusal();
    t = 6000;
    assert.equal((await refusal()).retryAfter, 8);
    t = 14_000;
    assert.equal((await refusal()).retryAfter, 8, 'capped at maxCooldownMs');
    assert.equal(asked, 7);
    assert.deepEqual(circuitLog(), ['open'], 'logged once for the whole outage');
  });

  test('REL-08: a successful probe closes the circuit, and no failure was cached: the token is active, not inactive', async () => {
    mode = 'up';
    t = 22_000;
    assert.equal(await active(), true);
    assert.equal(await active('failed-token'), true, 'refused during the outage, active now');
    assert.equal(asked, 9);
    assert.deepEqual(circuitLog(), ['open', 'closed']);
  });
});
