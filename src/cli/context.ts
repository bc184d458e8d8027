import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { assertNotServing } from '../storage/lock.ts';
import { assertPrivateDataDir, assertPrivateKekFile } from '../storage/data-dir.ts';
import { readKekFile } from '../storage/kek-file.ts';
import { access } from 'node:fs/promises';
import { embeddedDatabasePath, legacyDatabasePath, openStore } from '../storage/open.ts';
import type { Store } from '../storage/store.ts';
import { CertboundError } from '../core/certbound-error.ts';
import { KeyEncryptionKey } from '../core/key-wrap.ts';
import { didYouMean } from './did-you-mean.ts';
import { currentInvocation, invocationEnv, OptionsSignal } from './invocation.ts';
import { applySources, takeNegations, type Options } from './option-sources.ts';

/** A mistake in how a command was called: reported with its usage, exit status 2. */
export class UsageError extends CertboundError {
  constructor(message: string) {
    super('ERR_CERTBOUND_USAGE', message);
    this.name = 'UsageError';
  }
}

/** Where a command writes: stdout for results, stderr for diagnostics. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** A command: its usage text and what it does with its arguments. */
export interface Command {
  readonly usage: string;
  run(args: string[], io: Io): Promise<number>;
}

/** Options every command takes. */
export const COMMON_OPTIONS = {
  dir: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  'kek-file': { type: 'string' },
  'insecure-permissions': { type: 'boolean' },
  config: { type: 'string' },
} as const satisfies Options;

/**
 * Joins `--option -----BEGIN …` into `--option=-----BEGIN …`: parseArgs refuses a value that
 * starts with a dash as ambiguous, but an inline PEM (`--cert "$(cat cert.pem)"`) always does.
 */
function joinPemValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (/^--[a-z][\w-]*$/.test(arg) && next?.startsWith('-----BEGIN ')) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** parseArgs' complaint in a person's words: the option that was not understood and the one probably meant. */
function parseArgsMessage(err: NodeJS.ErrnoException, options: Options): string {
  const unknown = /^Unknown option '(-{1,2}[^']*)'/.exec(err.message);
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
    const typed = unknown[1]!;
    const names = Object.keys(options);
    const hint = typed.startsWith('--') ? didYouMean(typed.slice(2).split('=')[0]!, names, '--') : '';
    return `unknown option '${typed}'${hint}`;
  }
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    // "Option '--dir <value>' argument missing" and the like: keep parseArgs' naming of the option, drop its advice on '--'.
    return err.message.replace(/^Option/, 'option').split('. To specify')[0]!;
  }
  return err.message;
}

/**
 * Parses a command's arguments strictly, turning parseArgs' complaints into a UsageError, and
 * fills the options the command line leaves out from CERTBOUND_* variables and the configuration
 * file (see option-sources.ts). Every command calls it first, before it acts: a command being
 * described (certbound config, the schema) stops here and hands its options over.
 */
export function parse<O extends Options>(args: string[], options: O) {
  const all = { ...COMMON_OPTIONS, ...options };
  const invocation = currentInvocation();
  if (invocation?.kind === 'describe') throw new OptionsSignal(all);
  const { args: rest, negated } = takeNegations(joinPemValues(args), all);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: all, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(parseArgsMessage(err as NodeJS.ErrnoException, all));
  }
  const values = parsed.values as Record<string, unknown>;
  for (const name of negated) {
    if (values[name] !== undefined) throw new UsageError(`--${name} and --no-${name} exclude each other`);
    values[name] = false;
  }
  // Run through the CLI (main): the environment and the file fill in; called directly, the arguments alone count.
  if (invocation !== undefined) invocation.origins = applySources(values, all, invocation);
  return parsed;
}

/**
 * Whether option `name` was typed on the command line, not taken from the environment or the
 * configuration file: an option a command refuses, or one a typed option overrides, is ignored
 * when it comes from a source shared by every command.
 */
export function onCommandLine(name: string, values: Readonly<Record<string, unknown>>): boolean {
  const invocation = currentInvocation();
  return invocation?.kind === 'run' ? invocation.origins.get(name)?.from === 'cli' : values[name] !== undefined;
}

/**
 * The parsed values without those the configuration file supplied: for a command that reads the
 * file again itself (gateway and authz reload it on SIGHUP), where a value from the file must not
 * outrank the file's later contents.
 */
export function withoutFileValues<V extends Readonly<Record<string, unknown>>>(values: V): Partial<V> {
  const invocation = currentInvocation();
  if (invocation?.kind !== 'run') return values;
  return Object.fromEntries(Object.entries(values).filter(([name]) => invocation.origins.get(name)?.from !== 'file')) as Partial<V>;
}

/** The data directory: `--dir`, else `$CERTBOUND_DIR`, else `./.certbound`. */
export function dataDir(dir: string | undefined): string {
  return resolve(dir ?? invocationEnv()['CERTBOUND_DIR'] ?? '.certbound');
}

/** A data directory whose permissions were checked, and the KEK its store is opened with. */
export interface DataDirTarget {
  readonly dir: string;
  /** From --kek-file or $CERTBOUND_KEK; absent: the embedded store's `<dir>/kek`. */
  readonly kek?: KeyEncryptionKey;
}

/** The options of COMMON_OPTIONS that name the data directory and its KEK. */
export interface DataDirValues {
  readonly dir?: string | undefined;
  readonly 'kek-file'?: string | undefined;
  readonly 'insecure-permissions'?: boolean | undefined;
}

/** The KEK a command was given: `--kek-file`, else `$CERTBOUND_KEK` (base64), else none. */
export async function givenKek(file: string | undefined): Promise<KeyEncryptionKey | undefined> {
  if (file !== undefined) return readKekFile(file);
  const env = invocationEnv()['CERTBOUND_KEK'];
  return env === undefined || env === '' ? undefined : KeyEncryptionKey.fromBase64(env, 'CERTBOUND_KEK');
}

/**
 * The data directory a command uses, refused (ERR_CERTBOUND_INSECURE_PERMISSIONS) when group
 * or others may read or write it, unless `--insecure-permissions`; with the KEK it was given.
 */
export async function useDataDir(values: DataDirValues): Promise<DataDirTarget> {
  const dir = dataDir(values.dir);
  if (!values['insecure-permissions']) {
    await assertPrivateDataDir(dir);
    if (values['kek-file'] !== undefined) await assertPrivateKekFile(values['kek-file']);
  }
  const kek = await givenKek(values['kek-file']);
  return kek === undefined ? { dir } : { dir, kek };
}

/** Whether a path exists (anything that cannot be looked at counts as there: opening it says why). */
async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    (err: NodeJS.ErrnoException) => err.code !== 'ENOENT',
  );
}

/**
 * Refuses (ERR_CERTBOUND_NOT_INITIALISED) a data directory that holds no store, before anything
 * is created: a mistyped `--dir` must not leave a fresh, empty database behind and answer as if
 * it were the real one (`partner list --dir typo` printing "No partners.").
 */
export async function assertDataDirInitialised(dir: string): Promise<void> {
  if ((await exists(embeddedDatabasePath(dir))) || (await exists(legacyDatabasePath(dir)))) return;
  const what = (await exists(dir)) ? `${dir} holds no certbound store` : `there is no data directory ${dir}`;
  throw new CertboundError('ERR_CERTBOUND_NOT_INITIALISED', `${what}: run 'certbound init' (or 'certbound serve') on it first, or give the right --dir`);
}

/**
 * Opens the data directory's store for a command that changes it, refusing while
 * `certbound serve` runs on it (the embedded database has a single writer).
 */
export async function withStore<T>(target: DataDirTarget, fn: (store: Store) => Promise<T>): Promise<T> {
  const { dir, kek } = target;
  await assertNotServing(dir);
  const store = await openStore(dir, kek === undefined ? {} : { kek });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Parses a whole number option within bounds. */
export function integerOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}
