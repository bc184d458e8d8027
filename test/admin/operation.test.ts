// Every admin operation's input is checked against its schema on the local path too (the CLI on a
// data directory runs runOperation on its store): the same validator and wording as over HTTP,
// before anything runs or is audited.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { pathParamSchema } from '../../src/admin/input-schemas.ts';
import { operation, OPERATIONS } from '../../src/admin/operations.ts';
import { runOperation } from '../../src/admin/run.ts';
import { startWorld, type Harness } from '../helpers/world.ts';

describe('admin operations check their input against their schema on a local store', () => {
  let h: Harness;
  before(async () => {
    h = await startWorld({ registryPollMs: 0 });
  });
  after(async () => {
    await h.close();
  });

  /** The CLI's local invoke: runOperation on the data directory's store, as `local`. */
  const local = (id: string, input: Record<string, unknown>) => runOperation({ store: h.store, actor: 'local' }, operation(id), input);

  /** Refused with ERR_CERTBOUND_INVALID_INPUT and exactly this message (what the CLI prints, exit 1). */
  async function assertRefused(id: string, input: Record<string, unknown>, message: string): Promise<void> {
    await assert.rejects(local(id, input), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_CERTBOUND_INVALID_INPUT', `${id} ${JSON.stringify(input)}`);
      assert.equal(err.message, message);
      return true;
    });
  }

  test('a wrong JSON type is refused naming the field, as over HTTP: token_ttl "60", within_seconds "5", partner 42', async () => {
    await assertRefused('addClient', { client: 'typed-c', partner: 'acme', token_ttl: '60' }, 'input/token_ttl must be integer');
    await assertRefused('listExpiringCertificates', { within_seconds: '5' }, 'input/within_seconds must be integer');
    await assertRefused('listClients', { partner: 42 }, 'input/partner must be string');
    assert.equal(await h.store.getClient('typed-c'), null);
  });

  test('an unknown field is refused, not dropped: addPartner {"colour":"red"} creates no partner', async () => {
    await assertRefused('addPartner', { partner: 'typo-co', colour: 'red' }, "input has an unknown field 'colour'");
    assert.equal(await h.store.getPartner('typo-co'), null);
  });

  test('integer bounds hold locally: limit 0 and 10001, within_seconds above ten years, a missing required field', async () => {
    await assertRefused('queryAudit', { limit: 0 }, 'input/limit must be >= 1');
    await assertRefused('queryAudit', { limit: 10_001 }, 'input/limit must be <= 10000');
    await assertRefused('listExpiringCertificates', { within_seconds: 315_360_001 }, 'input/within_seconds must be <= 315360000');
    await assertRefused('pruneAudit', {}, "input must have required property 'before'");
    for (const partner of ['bound-co-1', 'bound-co-2', 'bound-co-3', 'bound-co-4']) await local('addPartner', { partner });
    assert.equal(((await local('queryAudit', { limit: 3 })) as unknown[]).length, 3);
  });

  test('path parameters are checked too: a control character or an over-long id is refused before the store is asked', async () => {
    await assertRefused('showPartner', { partner: 'acme\u001b[2J' }, 'input/partner has a control character or is not in the expected form');
    await assertRefused('showClient', { client: 'c'.repeat(129) }, 'input/client must NOT have more than 128 characters');
    await assertRefused('disableClient', {}, "input must have required property 'client'");
  });

  test('refused input changes nothing and leaves no audit row (its text is unchecked)', async () => {
    const denied = async () => (await h.store.queryAudit({ outcome: 'denied', limit: 10_000 })).filter((e) => e.event === 'admin.addClient').length;
    const before = await denied();
    await assertRefused('addClient', { client: 'typed-d', partner: 'acme', bound_tokens: null }, 'input/bound_tokens must be boolean');
    assert.equal(await denied(), before);
    assert.equal(await h.store.getClient('typed-d'), null);
  });
});

describe('admin operation schemas', () => {
  test('every input and path parameter schema is valid JSON Schema (the validator skips this check at compile time)', () => {
    const meta = new Ajv({ allowUnionTypes: true });
    for (const op of OPERATIONS) {
      for (const schema of [op.input, ...[...op.path.matchAll(/\{(\w+)\}/g)].map((m) => pathParamSchema(m[1]!))]) {
        if (schema !== undefined) assert.equal(meta.validateSchema(schema), true, `${op.id}: ${JSON.stringify(meta.errors)}`);
      }
    }
  });
});
