import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OAuthError } from '../core/errors.ts';
import { onCommandLine, parse, UsageError, type Command, type Io } from './context.ts';
import { keepInstructions } from './demo-keep.ts';
import { demoSteps, type StepOutcome } from './demo-steps.ts';
import { Teardown } from './demo-teardown.ts';
import { createDemoWorld, type DemoWorld } from './demo-world.ts';
import { DEMO_USAGE } from './usage/demo.ts';

/** A step's failure as one line: the OAuth error a server answered, or what went wrong. */
function failure(err: unknown): string {
  if (err instanceof OAuthError) return `${err.error_description} (${err.error})`;
  return err instanceof Error ? err.message : String(err);
}

/** Runs the steps in order, printing each; returns the numbers of those that did not behave. */
async function runSteps(world: DemoWorld, io: Io, signal: AbortSignal): Promise<{ total: number; failed: number[] }> {
  const steps = demoSteps();
  const failed: number[] = [];
  for (const [i, step] of steps.entries()) {
    signal.throwIfAborted();
    io.out(`\n${i + 1}. ${step.title}`);
    let outcome: StepOutcome;
    try {
      outcome = await step.run(world, io.out);
    } catch (err) {
      outcome = { ok: false, verdict: `failed: ${failure(err)}` };
    }
    io.out(`   ${outcome.ok ? '✔' : '✘'} ${outcome.verdict}`);
    if (!outcome.ok) failed.push(i + 1);
  }
  return { total: steps.length, failed };
}

/** Resolves once `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** `certbound demo`: RFC 8705 in a few seconds, in a temporary data directory, narrated step by step. */
export const demo: Command = {
  usage: DEMO_USAGE,
  async run(args, io) {
    const { values, positionals } = parse(args, { keep: { type: 'boolean' } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    // $CERTBOUND_DIR or a configuration file's dir/json are meant for the other commands: only a typed one is refused.
    if (onCommandLine('dir', values)) throw new UsageError('--dir does not apply: the demo runs in a temporary data directory of its own');
    if (values.json && onCommandLine('json', values)) throw new UsageError('--json does not apply: the demo narrates');

    const controller = new AbortController();
    const interrupt = () => {
      if (!values.keep) io.err('certbound demo: interrupted, cleaning up');
      controller.abort();
    };
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
    const teardown = new Teardown();
    let dir: string | undefined;
    try {
      const started = performance.now();
      dir = await mkdtemp(join(tmpdir(), 'certbound-demo-'));
      const made = dir;
      teardown.defer('the data directory', () => rm(made, { recursive: true, force: true }));
      io.out(`certbound demo: certificate-bound access tokens (OAuth 2.0 Mutual-TLS, RFC 8705)\n\nSetting up in a temporary data directory: ${dir}`);
      const world = await createDemoWorld(dir, teardown, controller.signal, io);
      io.out(`Ready in ${((performance.now() - started) / 1000).toFixed(1)} s.`);

      const { total, failed } = await runSteps(world, io, controller.signal);
      const passed = total - failed.length;
      if (failed.length === 0) io.out(`\n${passed}/${total} steps behaved as RFC 8705 says`);
      else {
        io.out(`\n${passed}/${total} steps behaved as RFC 8705 says; step ${failed.join(', ')} did not`);
        io.err(`certbound demo: step ${failed.join(', ')} did not behave as RFC 8705 says`);
      }
      if (values.keep) {
        io.out(`\n${keepInstructions(world)}`);
        await aborted(controller.signal);
      }
      return failed.length === 0 ? 0 : 1;
    } catch (err) {
      // Interrupted during set-up or the steps: the stage under way finished, nothing more starts.
      if (controller.signal.aborted) return 130;
      throw err;
    } finally {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
      const left = await teardown.run();
      for (const problem of left) io.err(`certbound demo: could not clean up ${problem}`);
      if (dir !== undefined && left.length === 0) io.out(`Stopped the services and removed ${dir}.`);
    }
  },
};
