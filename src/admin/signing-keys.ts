// The admin operations on the token signing keys: list, rotate (with a lead time), the automatic
// rotation schedule, and retirement of keys whose tokens have all expired.
import {
  DEFAULT_LEAD_TIME_MS,
  keyStatuses,
  readRotationSchedule,
  retireExpiredKeys,
  rotateSigningKey,
  writeRotationSchedule,
  type KeyStatus,
} from '../server/key-rotation.ts';
import { integer, object } from './input-schemas.ts';
import { defineOperation, InvalidAdminInput } from './operation.ts';

/** At most 30 days of lead time: a longer one is a typo, and its key would wait that long to sign. */
const MAX_LEAD_TIME_S = 30 * 86_400;
/** At most a 10-year rotation period. */
const MAX_PERIOD_S = 3_650 * 86_400;

function statusJson(s: KeyStatus): Record<string, unknown> {
  return {
    kid: s.key.kid,
    alg: s.key.alg,
    state: s.state,
    created_at: s.key.createdAt.toISOString(),
    activates_at: s.key.activatesAt.toISOString(),
    last_signing_at: s.lastSigningAt?.toISOString() ?? null,
    retires_at: s.state === 'retired' ? null : (s.retiresAt?.toISOString() ?? null),
    retired_at: s.key.retiredAt?.toISOString() ?? null,
  };
}

function seconds(ms: number): number {
  return Math.round(ms / 1000);
}

/** The signing-key operations, served at /v1/signing-keys and run by `certbound keys`. */
export const SIGNING_KEY_OPERATIONS = [
  defineOperation({
    id: 'listSigningKeys', method: 'GET', path: '/v1/signing-keys', changes: false,
    summary: 'List the token signing keys with their state (pending, signing, previous, retired) and the rotation schedule',
    run: async (ctx) => {
      const schedule = await readRotationSchedule(ctx.store);
      return {
        keys: keyStatuses(await ctx.store.listSigningKeys(), new Date()).map(statusJson),
        schedule: schedule && { every_seconds: seconds(schedule.everyMs), lead_time_seconds: seconds(schedule.leadTimeMs) },
      };
    },
  }),
  defineOperation({
    id: 'rotateSigningKey', method: 'POST', path: '/v1/signing-keys/rotate', changes: true,
    summary: 'Add a new signing key: published in the JWKS at once, signing after the lead time (1 hour by default)',
    input: object({ lead_time_seconds: integer(0, MAX_LEAD_TIME_S) }, []),
    run: async (ctx, i) => {
      const key = await rotateSigningKey(ctx.store, new Date(), i.lead_time_seconds === undefined ? DEFAULT_LEAD_TIME_MS : i.lead_time_seconds * 1000);
      return { kid: key.kid, alg: key.alg, activates_at: key.activatesAt.toISOString() };
    },
  }),
  defineOperation({
    id: 'setSigningKeySchedule', method: 'PUT', path: '/v1/signing-keys/schedule', changes: true,
    summary: 'Rotate the signing key automatically every every_seconds (0 stops it), each new key published lead_time_seconds before it signs',
    input: object({ every_seconds: integer(0, MAX_PERIOD_S), lead_time_seconds: integer(0, MAX_LEAD_TIME_S) }, ['every_seconds']),
    run: async (ctx, i) => {
      const every = i.every_seconds;
      const lead = i.lead_time_seconds ?? seconds(DEFAULT_LEAD_TIME_MS);
      if (every !== 0 && every <= lead) throw new InvalidAdminInput('every_seconds must be longer than lead_time_seconds');
      await writeRotationSchedule(ctx.store, every === 0 ? null : { everyMs: every * 1000, leadTimeMs: lead * 1000 });
      return { schedule: every === 0 ? null : { every_seconds: every, lead_time_seconds: lead } };
    },
  }),
  defineOperation({
    id: 'retireSigningKeys', method: 'POST', path: '/v1/signing-keys/retire', changes: true,
    summary: 'Withdraw from the JWKS every previous signing key whose tokens have all expired (the service also does it by itself)',
    run: async (ctx) => ({ retired: await retireExpiredKeys(ctx.store, new Date()) }),
  }),
];
