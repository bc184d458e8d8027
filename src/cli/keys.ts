import { readFile } from 'node:fs/promises';
import { rewrapAllKeys } from '../admin/rewrap.ts';
import type { KeyEncryptionKey } from '../core/key-wrap.ts';
import { embeddedKekPath, readKekFile, writeKekFile } from '../storage/kek-file.ts';
import { openStore } from '../storage/open.ts';
import { KEYS_USAGE } from './usage/keys.ts';
import { onTarget, parseAdmin, show } from './admin-command.ts';
import { didYouMean } from './did-you-mean.ts';
import { assertDataDirInitialised, UsageError, useDataDir, withStore, type Command, type Io } from './context.ts';
import { parseDuration } from './duration.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Values = Readonly<Record<string, unknown>>;

/** `keys list|rotate|retire`: the token signing keys, through the admin target like other admin commands. */
async function signingKeys(sub: string, values: Values, io: Io): Promise<number> {
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const json = values['json'] === true;
  if (sub !== 'rotate' && (text('lead-time') ?? text('schedule')) !== undefined) throw new UsageError('--lead-time and --schedule go with keys rotate');
  if (sub === 'list') {
    const r = (await onTarget(values, (invoke) => invoke('listSigningKeys'))) as { keys: Record<string, unknown>[]; schedule: { every_seconds: number; lead_time_seconds: number } | null };
    show(io, json, r, () => [
      ...r.keys.map((k) => {
        const when = k['state'] === 'pending' ? `signs from ${String(k['activates_at'])}`
          : k['state'] === 'previous' ? `retires at ${String(k['retires_at'])}`
          : k['state'] === 'retired' ? `retired ${String(k['retired_at'])}` : `since ${String(k['activates_at'])}`;
        return `${String(k['kid'])}\t${String(k['state'])}\t${when}`;
      }),
      r.schedule === null ? 'Automatic rotation: off (keys rotate --schedule 30d)' : `Automatic rotation: every ${r.schedule.every_seconds} s, lead time ${r.schedule.lead_time_seconds} s`,
    ].join('\n'));
    return 0;
  }
  if (sub === 'rotate') {
    const lead = text('lead-time') === undefined ? undefined : parseDuration('lead-time', text('lead-time')!, 0, 30 * DAY);
    const leadInput = lead === undefined ? {} : { lead_time_seconds: lead / 1000 };
    const schedule = text('schedule');
    if (schedule !== undefined) {
      const every = schedule === 'off' ? 0 : parseDuration('schedule', schedule, HOUR, 3_650 * DAY);
      const r = (await onTarget(values, (invoke) => invoke('setSigningKeySchedule', { every_seconds: every / 1000, ...leadInput }))) as { schedule: unknown };
      show(io, json, r, () => every === 0 ? 'Automatic rotation is off.' : `The signing key now rotates every ${schedule}: certbound serve adds each new key a lead time before it signs.`);
      return 0;
    }
    const r = (await onTarget(values, (invoke) => invoke('rotateSigningKey', leadInput))) as { kid: string; activates_at: string };
    show(io, json, r, () => `New signing key ${r.kid}: published in /jwks now, signing from ${r.activates_at}. The previous key stays published until its last tokens expire.`);
    return 0;
  }
  const r = (await onTarget(values, (invoke) => invoke('retireSigningKeys'))) as { retired: string[] };
  show(io, json, r, () => (r.retired.length === 0 ? 'No key to retire: every published key may still have live tokens.' : `Retired (withdrawn from /jwks): ${r.retired.join(', ')}`));
  return 0;
}

async function rewrapOnDatabase(dir: string, databaseUrl: string, kek: KeyEncryptionKey | undefined, next: KeyEncryptionKey): Promise<number> {
  const store = await openStore(dir, kek === undefined ? { databaseUrl } : { databaseUrl, kek });
  try {
    return await rewrapAllKeys(store, next);
  } finally {
    await store.close();
  }
}

/**
 * `certbound keys`: the token signing keys (`list`, `rotate`, `retire`) and `rewrap`, which rotates
 * the key-encryption key the store's private keys are wrapped under.
 */
export const keys: Command = {
  usage: KEYS_USAGE,
  async run(args, io) {
    const { values, positionals } = parseAdmin(args, { 'new-kek-file': { type: 'string' }, 'lead-time': { type: 'string' }, schedule: { type: 'string' } });
    const sub = positionals[0];
    if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
    if (sub === 'list' || sub === 'rotate' || sub === 'retire') {
      if (values['new-kek-file'] !== undefined) throw new UsageError('--new-kek-file goes with keys rewrap');
      return signingKeys(sub, values, io);
    }
    if (sub !== 'rewrap') throw new UsageError(sub === undefined ? 'a subcommand is required: list, rotate, retire or rewrap' : `unknown subcommand '${sub}'${didYouMean(sub, ['list', 'rotate', 'retire', 'rewrap'])}`);
    for (const option of ['admin-url', 'admin-cert', 'admin-key', 'admin-ca', 'lead-time', 'schedule'] as const) {
      if (values[option] !== undefined) throw new UsageError(`--${option} does not go with keys rewrap`);
    }
    const newFile = values['new-kek-file'];
    if (newFile === undefined) throw new UsageError('--new-kek-file is required');
    const target = await useDataDir(values);
    if (values.database === undefined) await assertDataDirInitialised(target.dir);
    const next = await readKekFile(newFile);
    const embeddedFile = values.database === undefined && target.kek === undefined ? embeddedKekPath(target.dir) : null;
    const current = target.kek ?? (embeddedFile === null ? undefined : await readKekFile(embeddedFile).catch(() => undefined));
    if (current?.id === next.id) throw new UsageError(`--new-kek-file holds the current KEK (${next.id}): give a new one`);
    const count = values.database === undefined
      ? await withStore(target, (store) => rewrapAllKeys(store, next))
      : await rewrapOnDatabase(target.dir, values.database, target.kek, next);
    // Only once the keys are committed under the new KEK: the file follows the database.
    if (embeddedFile !== null) await writeKekFile(embeddedFile, (await readFile(newFile, 'utf8')).trim());
    if (values.json) io.out(JSON.stringify({ keys: count, kek: next.id, ...(embeddedFile === null ? {} : { kek_file: embeddedFile }) }, null, 2));
    else {
      io.out(`Re-wrapped ${count} private keys under KEK ${next.id}.`);
      io.out(embeddedFile === null ? 'Start certbound with the new KEK (--kek-file or CERTBOUND_KEK) from now on.' : `${embeddedFile} now holds the new KEK.`);
    }
    return 0;
  },
};
