import { readFile } from 'node:fs/promises';
import { ADMIN_TARGET_OPTIONS, withAdmin, type Invoke } from './admin-target.ts';
import { onCommandLine, parse, UsageError, useDataDir, type Io } from './context.ts';

type Options = Parameters<typeof parse>[1];

/** Parses an admin command's arguments: its own options plus where changes go. */
export function parseAdmin<O extends Options>(args: string[], options: O) {
  return parse(args, { ...ADMIN_TARGET_OPTIONS, ...options });
}

/** Runs `fn` against the admin target the parsed options name (see withAdmin). */
export async function onTarget<T>(values: Readonly<Record<string, unknown>>, fn: (invoke: Invoke) => Promise<T>): Promise<T> {
  const s = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const target = await useDataDir({ dir: s('dir'), 'kek-file': s('kek-file'), 'insecure-permissions': values['insecure-permissions'] === true });
  // A typed --admin-url acts on that instance's own database: a --database from the environment or a shared file yields to it.
  const database = s('admin-url') !== undefined && !onCommandLine('database', values) ? undefined : s('database');
  return withAdmin(
    { ...target, database, adminUrl: s('admin-url'), adminCert: s('admin-cert'), adminKey: s('admin-key'), adminCa: s('admin-ca') },
    fn,
  );
}

/** Prints a result: JSON with --json, else the human form. */
export function show(io: Io, json: boolean | undefined, result: unknown, human: () => string): void {
  io.out(json ? JSON.stringify(result, null, 2) : human());
}

/** A PEM given inline or as a file path. */
export async function pemArgument(value: string, what: string): Promise<string> {
  if (value.includes('-----BEGIN')) return value;
  try {
    return await readFile(value, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${what} '${value}'`);
  }
}

/** The positional arguments of a subcommand, exactly `count` of them. */
export function exactly(positionals: string[], count: number, usage: string): string[] {
  if (positionals.length !== count) throw new UsageError(`expected: ${usage}`);
  return positionals;
}

/** A record's field as a string (results are JSON). */
export function field(result: unknown, name: string): string {
  const v = (result as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : JSON.stringify(v);
}
