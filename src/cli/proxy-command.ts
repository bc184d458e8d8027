// The run loop `certbound gateway` and `certbound authz` share: options from the command line and
// --config, a start, a banner, SIGHUP to read the configuration again, SIGTERM/SIGINT to stop.
import type { ParseArgsConfig } from 'node:util';
import { pino, type Logger } from 'pino';
import { parse, UsageError, withoutFileValues, type Io } from './context.ts';
import { Settings } from './gateway-config.ts';

/** What differs between the two commands. */
export interface ProxyCommand<O, R extends { readonly url: string; readonly opsUrl: string | null; close(): Promise<void> }> {
  readonly name: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** The running options from the settings (a TypeError is a usage error). */
  build(settings: Settings, logger: Logger): Promise<O>;
  start(options: O): Promise<R>;
  /** The banner's lines between "listening" and "operations". */
  describe(running: R, options: O): string;
  /** What SIGHUP reloads, from the settings read again. */
  reload(settings: Settings, running: R): Promise<void>;
  /** What the banner says SIGHUP reloads. */
  readonly reloads: string;
}

/** A TypeError from building or starting (a bad value the library refused) is the caller's mistake. */
async function asUsage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof TypeError) throw new UsageError(err.message);
    throw err;
  }
}

/** Runs `certbound <name>` until SIGTERM or SIGINT; returns its exit status. */
export async function runProxyCommand<O, R extends { readonly url: string; readonly opsUrl: string | null; close(): Promise<void> }>(
  command: ProxyCommand<O, R>,
  args: string[],
  io: Io,
): Promise<number> {
  const { values, positionals } = parse(args, command.options);
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  // The file is read again on SIGHUP: what it said at start must not outrank what it says then.
  const typed = withoutFileValues(values);
  const known = Object.keys(command.options);
  const settings = await Settings.load(typed, known);
  // Asynchronous writes, not a blocking write per access-log line.
  const logger = pino({ level: settings.string('log-level') ?? 'info' }, pino.destination({ dest: 2, sync: false }));
  const options = await asUsage(() => command.build(settings, logger));
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const running = await asUsage(() => command.start(options));
  io.out(`certbound ${command.name} is running.
  listening    ${running.url}${command.describe(running, options)}
  operations   ${running.opsUrl ?? 'off (--admin-listen HOST:PORT to serve /healthz, /readyz, /metrics)'}
Stop with Ctrl-C; SIGHUP reloads ${command.reloads}.`);
  const onHup = () => {
    Settings.load(typed, known)
      .then((next) => command.reload(next, running))
      .then(
        () => logger.info({}, `${command.name} reloaded`),
        (err: unknown) => logger.error({ reason: err instanceof Error ? err.message : String(err) }, 'reload failed; the previous configuration stays'),
      );
  };
  process.on('SIGHUP', onHup);
  await stopped;
  process.off('SIGHUP', onHup);
  await running.close();
  logger.flush();
  return 0;
}
