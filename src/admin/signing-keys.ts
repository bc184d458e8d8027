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
import { opt, InvalidAdminInput, type Operation } from './operation.ts';

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
export const SIGNING_KEY_OPERATIONS: readonly Operation[] = [
  {
    id: 'listSigningKeys', method: 'GET', path: '/v1/signing-keys', changes: false,
    summary: 'List the token signing keys with their state (pending, signing, previous, retired) and the rotation schedule',
    run: async (ctx) => {
      const schedule = await readRotationSchedule(ctx.store);
      return {
        keys: keyStatuses(await ctx.store.listSigningKeys(), new Date()).map(statusJson),
        schedule: schedule && { every_seconds: seconds(schedule.everyMs), lead_time_seconds: seconds(schedule.leadTimeMs) },
      };
    },
  },
  {
    id: 'rotateSigningKey', method: 'POST', path: '/v1/signing-keys/rotate', changes: true,
    summary: 'Add a new signing key: published in the JWKS at once, signing after the lead time (1 hour by default)',
    input: { type: 'object', properties: { lead_time_seconds: { type: 'integer', minimum: 0, maximum: MAX_LEAD_TIME_S } }, required: [], additionalProperties: false },
    run: async (ctx, i) => {
      const lead = opt(i, 'lead_time_seconds', 'number');
      if (lead !== undefined && !(Number.isInteger(lead) && lead >= 0 && lead <= MAX_LEAD_TIME_S)) throw new InvalidAdminInput(`lead_time_seconds must be 0 to ${MAX_LEAD_TIME_S}`);
      const key = await rotateSigningKey(ctx.store, new Date(), lead === undefined ? DEFAULT_LEAD_TIME_MS : lead * 1000);
      return { kid: key.kid, alg: key.alg, activates_at: key.activatesAt.toISOString() };
    },
  },
  {
    id: 'setSigningKeySchedule', method: 'PUT', path: '/v1/signing-keys/schedule', changes: true,
    summary: 'Rotate the signing key automatically every every_seconds (0 stops it), each new key published lead_time_seconds before it signs',
    input: {
      type: 'object',
      properties: { every_seconds: { type: 'integer', minimum: 0, maximum: MAX_PERIOD_S }, lead_time_seconds: { type: 'integer', minimum: 0, maximum: MAX_LEAD_TIME_S } },
      required: ['every_seconds'],
      additionalProperties: false,
    },
    run: async (ctx, i) => {
      const every = opt(i, 'every_seconds', 'number');
      const lead = opt(i, 'lead_time_seconds', 'number') ?? seconds(DEFAULT_LEAD_TIME_MS);
      if (every === undefined || !Number.isInteger(every) || every < 0 || every > MAX_PERIOD_S) throw new InvalidAdminInput(`every_seconds must be 0 to ${MAX_PERIOD_S}`);
      if (!Number.isInteger(lead) || lead < 0 || lead > MAX_LEAD_TIME_S) throw new InvalidAdminInput(`lead_time_seconds must be 0 to ${MAX_LEAD_TIME_S}`);
      if (every !== 0 && every <= lead) throw new InvalidAdminInput('every_seconds must be longer than lead_time_seconds');
      await writeRotationSchedule(ctx.store, every === 0 ? null : { everyMs: every * 1000, leadTimeMs: lead * 1000 });
      return { schedule: every === 0 ? null : { every_seconds: every, lead_time_seconds: lead } };
    },
  },
  {
    id: 'retireSigningKeys', method: 'POST', path: '/v1/signing-keys/retire', changes: true,
    summary: 'Withdraw from the JWKS every previous signing key whose tokens have all expired (the service also does it by itself)',
    run: async (ctx) => ({ retired: await retireExpiredKeys(ctx.store, new Date()) }),
  },
];
