// The token service's own key maintenance: scheduled rotation (serve --key-rotation, or the
// schedule stored by keys rotate --schedule) and retirement, announced to every instance.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { writeRotationSchedule } from '../../src/server/key-rotation.ts';
import { registryVersion } from '../../src/storage/registry-version.ts';
import { jwtHeader, send } from '../helpers/https.ts';
import { credentials, startWorld, type Credentials, type Harness } from '../helpers/world.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('scheduled signing-key rotation', () => {
  let h: Harness;
  let a: Credentials;
  let clock = Date.now();

  before(async () => {
    h = await startWorld({ keyMaintenanceMs: 0, now: () => new Date(clock) });
    a = await credentials('acme-a');
  });
  after(() => h.close());

  const kid = async (): Promise<string> => {
    const res = await send(`${h.issuer}/token`, { ca: a.ca, identity: a, form: { grant_type: 'client_credentials', client_id: 'acme-a' } });
    assert.equal(res.status, 200, res.text);
    return String(jwtHeader(String(res.json?.['access_token']))['kid']);
  };

  test('the schedule stored by keys rotate --schedule rotates once a period has passed, a lead time early, once', async () => {
    const first = await kid();
    const created = (await h.store.listSigningKeys()).find((k) => k.kid === first)!.activatesAt.getTime();
    await writeRotationSchedule(h.store, { everyMs: 30 * DAY, leadTimeMs: HOUR });
    clock = created + 30 * DAY - HOUR - 1_000;
    assert.equal((await h.service.maintainKeys()).rotated, null, 'not due yet');
    const version = await registryVersion(h.store);
    clock = created + 30 * DAY - HOUR;
    const { rotated } = await h.service.maintainKeys();
    assert.ok(rotated, 'due');
    assert.equal(rotated.activatesAt.getTime(), created + 30 * DAY, 'it signs exactly one period after the first key');
    assert.notEqual(await registryVersion(h.store), version, 'every instance is told');
    assert.equal((await h.service.maintainKeys()).rotated, null, 'a second pass finds it done');
    assert.equal(await kid(), first, 'the old key signs through the lead time');
    clock = created + 30 * DAY;
    assert.equal(await kid(), rotated.kid);
    const events = await h.store.queryAudit({});
    assert.ok(events.some((e) => e.event === 'keys.rotated' && e.actor === 'schedule' && (e.detail as { kid?: string } | null)?.kid === rotated.kid));
  });

  test("an instance's own --key-rotation schedule overrides the stored one; retired keys are audited", async () => {
    const g = await startWorld({ keyMaintenanceMs: 0, now: () => new Date(clock), keyRotation: { everyMs: 2 * DAY, leadTimeMs: HOUR } });
    try {
      await writeRotationSchedule(g.store, null);
      const [only] = await g.store.listSigningKeys();
      clock = only!.activatesAt.getTime() + 2 * DAY - HOUR;
      const { rotated } = await g.service.maintainKeys();
      assert.ok(rotated);
      clock = rotated.activatesAt.getTime() + DAY + 5 * 60_000;
      assert.deepEqual((await g.service.maintainKeys()).retired, [only!.kid]);
      const events = await g.store.queryAudit({});
      assert.ok(events.some((e) => e.event === 'keys.retired' && (e.detail as { kids?: string[] } | null)?.kids?.[0] === only!.kid));
    } finally {
      await g.close();
    }
  });
});
