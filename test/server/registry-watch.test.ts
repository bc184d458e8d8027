// Several token-service instances on one store: an admin change made anywhere (another
// instance's admin API, the CLI on the database) is applied by every instance within its poll
// interval, with no SIGHUP — a revocation is never enforced by one instance only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { operation } from '../../src/admin/operations.ts';
import { runOperation } from '../../src/admin/run.ts';
import { startTokenService, type TokenService } from '../../src/server/service.ts';
import { send, type Response } from '../helpers/https.ts';
import { until } from '../helpers/until.ts';
import { credentials, startWorld, type Harness } from '../helpers/world.ts';

async function token(service: TokenService): Promise<Response> {
  const a = await credentials('acme-a');
  return send(`${service.issuer}/token`, { ca: a.ca, identity: a, form: { grant_type: 'client_credentials', client_id: 'acme-a' } });
}

/** Polls until `check` holds (each poll is a real request): the other instance's poll timer offers nothing to await. */
function eventually(check: () => Promise<boolean>): Promise<void> {
  return until('the change reaching the second instance', check, { timeoutMs: 10_000, intervalMs: 50 });
}

describe('registry changes reach every instance on the store', () => {
  let h: Harness;
  let second: TokenService;
  before(async () => {
    h = await startWorld({ registryPollMs: 0 });
    second = await startTokenService({ store: h.store, issuer: (port) => `https://localhost:${port}`, port: 0, logger: false, registryPollMs: 50 });
  });
  after(async () => {
    await second.close();
    await h.close();
  });

  test('an admin change made through another instance (no reload here) is applied within the poll interval', async () => {
    assert.equal((await token(second)).status, 200);
    await runOperation({ store: h.store, actor: 'test' }, operation('disablePartner'), { partner: 'acme' });
    await eventually(async () => (await token(second)).status === 401);
    const refused = await token(second);
    assert.equal(refused.json?.['error'], 'invalid_client');
    await runOperation({ store: h.store, actor: 'test' }, operation('enablePartner'), { partner: 'acme' });
    await eventually(async () => (await token(second)).status === 200);
  });

  test('with polling off (registryPollMs 0) an instance applies changes only on reload()', async () => {
    await runOperation({ store: h.store, actor: 'test' }, operation('disableClient'), { client: 'acme-a' });
    // The polling instance beside it is the yardstick: once it has applied the change, polls have happened.
    await eventually(async () => (await token(second)).status === 401);
    assert.equal((await token(h.service)).status, 200, 'not polled: the old registry still answers');
    await h.service.reload();
    const res = await token(h.service);
    assert.equal(res.status, 401);
    assert.equal(res.json?.['error'], 'invalid_client');
  });
});
