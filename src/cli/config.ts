import { COMMON_OPTIONS, parse, UsageError, type Command, type Io } from './context.ts';
import { currentInvocation, describeCommand, runInvocation } from './invocation.ts';
import { loadConfiguration } from './configuration.ts';
import { effectiveConfiguration, formatConfiguration, type EffectiveConfiguration } from './config-print.ts';
import { CONFIG_USAGE } from './usage/config.ts';

/** Options of `config` that take a value: the command's name comes after them. */
const VALUED = new Set(['--dir', '--kek-file', '--config']);

/** Splits `config`'s arguments at the name of the command to show: its own before, the command's after. */
function splitAtCommand(args: string[]): { own: string[]; name: string | undefined; rest: string[] } {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (VALUED.has(arg)) i++;
    else if (!arg.startsWith('-')) return { own: args.slice(0, i), name: arg, rest: args.slice(i + 1) };
  }
  return { own: args, name: undefined, rest: [] };
}

/** `certbound config --print [COMMAND [ARGS…]]`: the effective configuration, where each value came from, secrets masked. */
export const config: Command = {
  usage: CONFIG_USAGE,
  async run(args, io: Io) {
    const { own, name, rest } = splitAtCommand(args);
    const { values, positionals } = parse(own, { print: { type: 'boolean' } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (!values.print) throw new UsageError('expected: certbound config --print [COMMAND]');
    const self = currentInvocation();
    // Run outside the CLI (no invocation), there is nothing but the arguments and this process's environment.
    if (self?.kind !== 'run') throw new UsageError('certbound config runs through the certbound command line');
    const { env, registry } = self;
    let shown: EffectiveConfiguration;
    if (name === undefined) {
      // The options every command takes, as this very run resolved them.
      shown = effectiveConfiguration(null, Object.keys(COMMON_OPTIONS), values, self.origins, self.file, env);
    } else {
      const load = Object.hasOwn(registry, name) ? registry[name] : undefined;
      if (load === undefined || name === 'config') throw new UsageError(`unknown command '${name}'`);
      const options = await describeCommand(name, await load());
      // A --config given to config itself applies to the command shown, unless its arguments name another.
      const targetArgs = values.config !== undefined && self.origins.get('config')?.from === 'cli' ? ['--config', values.config, ...rest] : rest;
      const file = await loadConfiguration(name, options, targetArgs, env, registry);
      shown = await runInvocation({ command: name, env, file }, registry, async (invocation) => {
        const parsed = parse(targetArgs, options);
        return effectiveConfiguration(name, Object.keys(options), parsed.values, invocation.origins, file, env);
      });
    }
    io.out(values.json ? JSON.stringify(shown, null, 2) : formatConfiguration(shown));
    return 0;
  },
};
