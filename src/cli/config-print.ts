// What `certbound config --print` shows: each option's value and where it came from, with every
// secret masked — whatever the source, since the point is to paste the output into a ticket.
import { redactDatabaseUrl } from '../storage/open.ts';
import type { ConfigFile, Origin } from './option-sources.ts';

/** A value as shown: masked where it may be a secret; null when nothing set it. */
type Shown = string | boolean | string[] | null;

/** One option of the effective configuration. */
export interface ShownOption {
  readonly value: Shown;
  readonly source: 'cli' | 'env' | 'file' | 'default';
  /** The variable, or the file and key, it came from. */
  readonly from?: string;
}

/** The effective configuration of a command (null: the options every command takes). */
export interface EffectiveConfiguration {
  readonly command: string | null;
  readonly config_file: string | null;
  readonly options: Readonly<Record<string, ShownOption>>;
  /**
   * Where the KEK comes from, as the store is opened with it: the file --kek-file names, else
   * $CERTBOUND_KEK (no option: a KEK never goes on a command line or in a file), else `<dir>/kek`.
   */
  readonly kek: ShownKek;
}

/** The KEK's source: never the key itself. */
export interface ShownKek {
  readonly value: '***' | null;
  readonly source: 'kek-file' | 'env' | 'default';
  /** The file, or the variable. */
  readonly from?: string;
}

/** Option names whose values are secrets or may be (an inline PEM private key, say). */
const SECRET_NAME = /key|secret|password/i;
/** A value that is a URL, which may carry a password (`postgres://user:pw@host/db`). */
const URL_LIKE = /^[a-z][a-z\d+.-]*:\/\//i;

/** `value` fit to show for option `name`: secrets masked, passwords taken out of URLs. */
export function maskValue(name: string, value: unknown): Shown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((v) => maskValue(name, v) as string);
  const text = String(value);
  if (SECRET_NAME.test(name)) return '***';
  if (!URL_LIKE.test(text) && !/database/i.test(name)) return text;
  // Shown exactly as given (an issuer is compared character for character) unless a password is to be taken out.
  return carriesPassword(text) ? redactDatabaseUrl(text) : text;
}

/** Whether a URL carries a password (userinfo, or a `password=`-like parameter); an unparseable one may. */
function carriesPassword(text: string): boolean {
  try {
    const url = new URL(text);
    return url.password !== '' || [...url.searchParams.keys()].some((k) => /password/i.test(k));
  } catch {
    return true;
  }
}

function shownOrigin(origin: Origin | undefined): Pick<ShownOption, 'source' | 'from'> {
  if (origin === undefined) return { source: 'default' };
  if (origin.from === 'env') return { source: 'env', from: origin.variable };
  if (origin.from === 'file') return { source: 'file', from: `${origin.path}: ${origin.key}` };
  return { source: 'cli' };
}

/** The effective configuration of a command's options (`names`), masked, in name order. */
export function effectiveConfiguration(
  command: string | null,
  names: readonly string[],
  values: Readonly<Record<string, unknown>>,
  origins: ReadonlyMap<string, Origin>,
  file: ConfigFile | null,
  env: Readonly<Record<string, string | undefined>>,
): EffectiveConfiguration {
  const options: Record<string, ShownOption> = {};
  for (const name of [...names].sort()) {
    if (name === 'help') continue;
    options[name] = { value: maskValue(name, values[name]), ...shownOrigin(origins.get(name)) };
  }
  return { command, config_file: file?.path ?? null, options, kek: kekSource(values['kek-file'], env['CERTBOUND_KEK']) };
}

/** The KEK's source in the order `givenKek` reads them: --kek-file wins over $CERTBOUND_KEK. */
function kekSource(kekFile: unknown, kekEnv: string | undefined): ShownKek {
  if (typeof kekFile === 'string' && kekFile !== '') return { value: null, source: 'kek-file', from: kekFile };
  if (kekEnv !== undefined && kekEnv !== '') return { value: '***', source: 'env', from: 'CERTBOUND_KEK' };
  return { value: null, source: 'default' };
}

function text(value: Shown): string {
  if (value === null) return '-';
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** The human form: one line per option, aligned, then the KEK. */
export function formatConfiguration(c: EffectiveConfiguration): string {
  const rows: [string, string, string][] = Object.entries(c.options).map(([name, o]) => [name, text(o.value), o.from === undefined ? o.source : `${o.source} ${o.from}`]);
  rows.push(['(kek)', text(c.kek.value), c.kek.from === undefined ? 'default (<dir>/kek)' : `${c.kek.source} ${c.kek.from}`]);
  const w0 = Math.max(6, ...rows.map((r) => r[0].length));
  const w1 = Math.max(5, ...rows.map((r) => r[1].length));
  const lines = [
    `Effective configuration of ${c.command === null ? 'the options every command takes' : `certbound ${c.command}`} (config file: ${c.config_file ?? 'none'})`,
    `  ${'option'.padEnd(w0)}  ${'value'.padEnd(w1)}  from`,
    ...rows.map(([n, v, f]) => `  ${n.padEnd(w0)}  ${v.padEnd(w1)}  ${f}`),
  ];
  return lines.join('\n');
}
