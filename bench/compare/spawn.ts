// Starts each server of the comparison as its own process, pinned to core 0 when `taskset`
// exists (the loader, this process, takes core 1), and stops it by its process id.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** Whether `taskset` (util-linux) can pin processes here. */
export const HAS_TASKSET: boolean = spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;

/** A running server process and what it printed when it was ready. */
export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** The match of the readiness pattern on its output. */
  readonly ready: RegExpMatchArray;
  /** Stops it (SIGTERM, then SIGKILL after 5 s) and waits for its exit. */
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly name: string;
  /** The program and its arguments (without the pinning). */
  readonly argv: readonly string[];
  readonly cwd: string;
  /** Resolves once stdout matches (e.g. a banner, or a `READY {...}` line). */
  readonly readyPattern: RegExp;
  /** Where everything it prints goes: a log file, as a user redirects one. */
  readonly logFile: string;
  /** CPU list for taskset (default "0"); null to leave it unpinned. */
  readonly cpus?: string | null;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/** Pins this process (every thread: autocannon and the connect loop run here) to `cpus`. */
export function pinSelf(cpus: string): void {
  if (HAS_TASKSET) spawnSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' });
}

/** Starts a server and waits until it says it is ready. */
export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const cpus = options.cpus === undefined ? '0' : options.cpus;
  const [command, ...args] = HAS_TASKSET && cpus !== null ? ['taskset', '-c', cpus, ...options.argv] : options.argv;
  // Its output goes straight to a log file, as `certbound serve > log` does: no pipe through the
  // loader's core. taskset execs the program, so the child's pid is the server's own.
  const fd = openSync(options.logFile, 'w');
  const child = spawn(command!, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exit: number | string | null = null;
  child.once('exit', (code, signal) => (exit = code ?? signal));
  const exited = once(child, 'exit');
  const deadline = performance.now() + (options.timeoutMs ?? 60_000);
  let match: RegExpMatchArray | null = null;
  while (!match) {
    const seen = await readFile(options.logFile, 'utf8');
    match = options.readyPattern.exec(seen);
    if (match) break;
    if (exit !== null || performance.now() > deadline) {
      if (exit === null) child.kill('SIGKILL');
      throw new Error(`${options.name} ${exit === null ? 'was not ready in time' : `exited (${exit})`}:\n${seen.slice(-2000)}`);
    }
    await sleep(25);
  }
  return {
    name: options.name,
    pid: child.pid!,
    child,
    ready: match,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
