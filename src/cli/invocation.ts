// One run of a command through the CLI: which command, which environment and configuration file
// its options are resolved against, and where each value came from. Carried in an
// AsyncLocalStorage so that `parse` — which every command calls first with its parseArgs options —
// needs no extra argument, and so that in-process runs (tests, the demo) never share one.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Command, Io } from './context.ts';
import type { OptionSources, Options, Origin } from './option-sources.ts';

/** The commands of the CLI, by name, each loaded on demand. */
export type Registry = Readonly<Record<string, () => Promise<Command>>>;

/** A command being run: the sources of its options, their origins once parsed, and the CLI's other commands. */
export interface RunInvocation extends OptionSources {
  readonly kind: 'run';
  readonly registry: Registry;
  origins: ReadonlyMap<string, Origin>;
}

/** A command asked only for its options (`certbound config`, the schema): parse hands them over and stops it. */
interface DescribeInvocation {
  readonly kind: 'describe';
}

const current = new AsyncLocalStorage<RunInvocation | DescribeInvocation>();

/** The invocation the caller runs in, if any (none: a command's `run` called directly). */
export function currentInvocation(): RunInvocation | DescribeInvocation | undefined {
  return current.getStore();
}

/** The environment the running command resolves its options against: its invocation's, else this process's. */
export function invocationEnv(): Readonly<Record<string, string | undefined>> {
  const invocation = current.getStore();
  return invocation?.kind === 'run' ? invocation.env : process.env;
}

/** Runs `fn` as an invocation of a command with those option sources. */
export function runInvocation<T>(sources: OptionSources, registry: Registry, fn: (invocation: RunInvocation) => Promise<T>): Promise<T> {
  const invocation: RunInvocation = { kind: 'run', ...sources, registry, origins: new Map() };
  return current.run(invocation, () => fn(invocation));
}

/** Thrown by `parse` in a describing invocation: carries the command's options out of its `run`. */
export class OptionsSignal {
  readonly options: Options;
  constructor(options: Options) {
    this.options = options;
  }
}

const silent: Io = { out: () => {}, err: () => {} };

/**
 * A command's options (its own and the common ones), exactly as it gives them to `parse`: its
 * `run` is started in a describing invocation, where `parse` — the first thing every command
 * does — throws them back before anything else happens.
 */
export async function describeCommand(name: string, command: Command): Promise<Options> {
  try {
    await current.run({ kind: 'describe' }, () => command.run([], silent));
  } catch (signal) {
    if (signal instanceof OptionsSignal) return signal.options;
    throw signal;
  }
  // Fail closed: a command that acts before parsing its options cannot be described (nor configured).
  throw new Error(`certbound ${name} did not parse its options before acting`);
}

/** Every command's options, by command name, in the registry's order. */
export async function describeCommands(registry: Registry): Promise<Record<string, Options>> {
  const out: Record<string, Options> = {};
  for (const [name, load] of Object.entries(registry)) out[name] = await describeCommand(name, await load());
  return out;
}
