import { parse, UsageError, type Command } from './context.ts';
import { describeCommand, runInvocation, type Registry, type RunInvocation } from './invocation.ts';
import { envVariable, type ConfigFile, type Options } from './option-sources.ts';

/** Whether a run may name a configuration file (cheap: most runs name none and skip describing the command). */
function mayNameConfig(args: readonly string[], env: Readonly<Record<string, string | undefined>>): boolean {
  return (env[envVariable('config')] ?? '') !== '' || args.some((a) => a === '--config' || a.startsWith('--config='));
}

type Env = Readonly<Record<string, string | undefined>>;

/** The configuration file a command's arguments or environment name, checked as a whole; null when none is named. */
export async function loadConfiguration(name: string, options: Options, args: string[], env: Env, registry: Registry): Promise<ConfigFile | null> {
  let path: unknown;
  try {
    path = await runInvocation({ command: name, env, file: null }, registry, async () => parse(args, options).values['config']);
  } catch (err) {
    // Arguments this parse cannot read (`config`'s, which carry another command's) are left to the command's own parse.
    if (err instanceof UsageError) return null;
    throw err;
  }
  if (typeof path !== 'string') return null;
  // Loaded only when a file is named: most runs name none, and every module costs start-up time.
  const [{ checkConfig, readConfigJson }, { publishedDefinitions }] = await Promise.all([import('./config-file.ts'), import('./config-schema.ts')]);
  return checkConfig(path, readConfigJson(path), name, options, publishedDefinitions);
}

/** ` (--port came from $CERTBOUND_PORT)` for each option a usage message names that was not on the command line. */
export function provenance(message: string, invocation: RunInvocation): string {
  const notes: string[] = [];
  for (const [, name] of message.matchAll(/--([a-z][\w-]*)/g)) {
    const origin = invocation.origins.get(name!);
    if (origin?.from === 'env') notes.push(`--${name} came from $${origin.variable}`);
    if (origin?.from === 'file') notes.push(`--${name} came from ${origin.path}: ${origin.key}`);
  }
  return notes.length === 0 ? '' : ` (${[...new Set(notes)].join('; ')})`;
}

/**
 * Runs a command with its options resolved against `env` and the configuration file it names
 * (`--config F` or $CERTBOUND_CONFIG), checked as a whole before the command starts. A usage
 * error about an option that came from the environment or the file says where it came from.
 */
export async function runConfigured<T>(name: string, command: Command, args: string[], env: Env, registry: Registry, fn: () => Promise<T>): Promise<T> {
  const file = mayNameConfig(args, env) ? await loadConfiguration(name, await describeCommand(name, command), args, env, registry) : null;
  return runInvocation({ command: name, env, file }, registry, async (invocation) => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof UsageError) throw new UsageError(`${err.message}${provenance(err.message, invocation)}`);
      throw err;
    }
  });
}
