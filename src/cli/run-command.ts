// Running a command once main.ts has found it: its options resolved against the environment and
// the configuration file, and whatever it throws reported as one line and an exit status. Apart
// from main.ts, which loads it only to run a command: `--help` and `--version` need none of it
// (it pulls in the configuration and the store's modules).
import { CertboundError } from '../core/certbound-error.ts';
import { OAuthError } from '../core/errors.ts';
import { ConfigError } from './config-error.ts';
import { runConfigured } from './configuration.ts';
import { UsageError, type Command, type Io } from './context.ts';
import { describeCause } from './error-cause.ts';
import type { Registry } from './invocation.ts';

/**
 * Loads the command `name` and runs it with `args`, returning its exit status: 2 for a usage or
 * configuration mistake, 1 for any other failure, reported on `io.err` without a stack trace.
 */
export async function runCommand(name: string, load: () => Promise<Command>, args: string[], io: Io, env: Readonly<Record<string, string | undefined>>, registry: Registry): Promise<number> {
  const command = await load();
  try {
    return await runConfigured(name, command, args, env, registry, () => command.run(args, io));
  } catch (err) {
    // A configuration that cannot be used is a usage mistake (exit 2), though its command's usage would not help.
    if (err instanceof ConfigError) {
      io.err(`certbound ${name}: ${err.message}`);
      return 2;
    }
    if (err instanceof UsageError) {
      io.err(`certbound ${name}: ${err.message}\nRun 'certbound ${name} --help' for its usage.`);
      return 2;
    }
    // Whatever the error, the cause under it is kept: a refused connection, a key that does not
    // match its certificate and an unknown CA each need another fix.
    const cause = describeCause(err);
    const because = cause === '' ? '' : ` — ${cause}`;
    if (err instanceof CertboundError) {
      io.err(`certbound ${name}: ${err.message}${because}`);
      return 1;
    }
    if (err instanceof OAuthError) {
      io.err(`certbound ${name}: ${err.error_description} (${err.error})${because}`);
      return 1;
    }
    // Unexpected: say what failed without a stack trace; CERTBOUND_DEBUG=1 shows it.
    io.err(`certbound ${name}: ${err instanceof Error ? err.message : String(err)}${because}`);
    if (env['CERTBOUND_DEBUG']) io.err(String(err instanceof Error ? err.stack : err));
    return 1;
  }
}
