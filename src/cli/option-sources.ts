// Where an option's value comes from when the command line does not give it: a CERTBOUND_*
// environment variable, else the configuration file (the command's own section first, then the
// top level), else nothing (the command's default). Generic over a command's parseArgs options,
// so a flag added to any command is covered without further work.
import type { ParseArgsConfig } from 'node:util';
import { ConfigError } from './config-error.ts';

/** A command's options, as node:util parseArgs takes them. */
export type Options = NonNullable<ParseArgsConfig['options']>;
/** One option of a command. */
export type OptionDescriptor = Options[string];

/** Where one value came from. */
export type Origin =
  | { readonly from: 'cli' }
  | { readonly from: 'env'; readonly variable: string }
  | { readonly from: 'file'; readonly path: string; readonly key: string };

/** A loaded, checked configuration file: its top-level flag values and its per-command sections. */
export interface ConfigFile {
  /** The path as the user gave it (in messages). */
  readonly path: string;
  readonly top: Readonly<Record<string, unknown>>;
  readonly sections: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** What a command's options are resolved against besides its command line. */
export interface OptionSources {
  readonly command: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly file: ConfigFile | null;
}

/** Options that only mean something on the command line (`help`) or cannot come from the file they name (`config`). */
export const NOT_FROM_ENV = new Set(['help']);
export const NOT_FROM_FILE = new Set(['help', 'config']);

/** The environment variable of a flag: `--admin-port` → `CERTBOUND_ADMIN_PORT`. */
export function envVariable(flag: string): string {
  return `CERTBOUND_${flag.toUpperCase().replaceAll('-', '_')}`;
}

/** An environment variable's value for an option; the message names the variable, never the value. */
function envValue(descriptor: OptionDescriptor, variable: string, raw: string): string | boolean | string[] {
  if (descriptor.type === 'boolean') {
    const word = raw.trim().toLowerCase();
    if (word === 'true' || word === '1') return true;
    if (word === 'false' || word === '0') return false;
    throw new ConfigError(`$${variable} must be true, false, 1 or 0`);
  }
  // One value per variable, even for an option given many times: the file takes a list.
  return descriptor.multiple ? [raw] : raw;
}

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  // Ports and counts written as JSON numbers: parseArgs options are strings.
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * A configuration file's value for an option, or a ConfigError naming the file and key: a
 * boolean for a boolean option, a string or number for a string one, or a list of those where
 * the option may be repeated.
 */
export function fileValue(descriptor: OptionDescriptor, value: unknown, where: string): string | boolean | string[] {
  if (descriptor.type === 'boolean') {
    if (typeof value !== 'boolean') throw new ConfigError(`${where} must be true or false`);
    return value;
  }
  const one = scalar(value);
  if (one !== undefined) return descriptor.multiple ? [one] : one;
  if (descriptor.multiple && Array.isArray(value)) {
    const all = value.map(scalar);
    if (all.every((v) => v !== undefined)) return all as string[];
  }
  throw new ConfigError(`${where} must be ${descriptor.multiple ? 'a string or number, or a list of them' : 'a string or number'}`);
}

/**
 * Fills `values` (parseArgs' result for the command line) with what the environment and the
 * configuration file say for the options the command line left out, and returns where every
 * value came from. Precedence: command line > environment > file section > file top level.
 */
export function applySources(values: Record<string, unknown>, options: Options, sources: OptionSources): Map<string, Origin> {
  const origins = new Map<string, Origin>();
  const section = sources.file?.sections[sources.command] ?? {};
  for (const [name, descriptor] of Object.entries(options)) {
    if (values[name] !== undefined) {
      origins.set(name, { from: 'cli' });
      continue;
    }
    const variable = envVariable(name);
    const raw = NOT_FROM_ENV.has(name) ? undefined : sources.env[variable];
    // An empty variable is an unset one (`CERTBOUND_PORT= certbound serve`).
    if (raw !== undefined && raw !== '') {
      values[name] = envValue(descriptor, variable, raw);
      origins.set(name, { from: 'env', variable });
      continue;
    }
    const file = sources.file;
    if (file === null || NOT_FROM_FILE.has(name)) continue;
    const key = Object.hasOwn(section, name) ? `${sources.command}.${name}` : Object.hasOwn(file.top, name) ? name : null;
    if (key === null) continue;
    const value = key === name ? file.top[name] : section[name];
    values[name] = fileValue(descriptor, value, `${file.path}: ${key}`);
    origins.set(name, { from: 'file', path: file.path, key });
  }
  return origins;
}

/**
 * Takes `--no-<flag>` for a boolean option `<flag>` (one that has no option of that name itself,
 * like serve's `--no-admin`) out of the arguments, so that the command line can turn off a
 * boolean the environment or the file turned on.
 */
export function takeNegations(args: readonly string[], options: Options): { args: string[]; negated: string[] } {
  const rest: string[] = [];
  const negated: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    // After `--` everything is a positional argument.
    if (arg === '--') {
      rest.push(...args.slice(i));
      break;
    }
    const name = arg.startsWith('--no-') ? arg.slice(5) : '';
    if (name !== '' && !Object.hasOwn(options, arg.slice(2)) && options[name]?.type === 'boolean') negated.push(name);
    else rest.push(arg);
  }
  return { args: rest, negated };
}
