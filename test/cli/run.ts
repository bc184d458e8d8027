// Runs the certbound CLI in a given working directory with a controlled environment: in this
// process through `main(argv, io, env)` (a child process costs most of a second of start-up, the
// command itself milliseconds), or as a user does, as a child process of the repository's Node on
// src/cli/bin.ts (what `npm run certbound` runs) — for `serve` and other long-running commands, and
// for the smoke tests that check what a real process prints and exits with.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/ports.ts';

/** A port that was free a moment ago on 127.0.0.1 (one implementation, in test/helpers/ports.ts). */
export { freePort };

/** The Node binary of the dev dependency; the CLI's module (run in-process) and its entry point as a process. */
export const NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
export const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
export const BIN = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));

/** The outcome of one command. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd: string;
  /** Variables added to (or, when undefined, removed from) the environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The environment of a child: ours without test-runner and certbound variables, plus `extra`. */
export function childEnv(extra: CliOptions['env'] = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['CERTBOUND_DIR', 'CERTBOUND_KEK', 'CERTBOUND_DEBUG', 'NODE_TEST_CONTEXT', 'NODE_OPTIONS']) delete env[name];
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/**
 * Runs `certbound …args` to completion in this process, as `runAsProcess` would (umask 077, the
 * working directory `cwd`); a non-zero exit is data, not an exception. Runs are queued one at a
 * time, since the working directory and umask belong to the whole process. An error that escapes
 * `main` is reported as a process would die of it: exit 1 with its stack on stderr (which
 * `hasStackTrace` then finds).
 */
export function certbound(args: readonly string[], options: CliOptions): Promise<CliResult> {
  const result = queue.then(() => runInProcess(args, options));
  queue = result.catch(() => undefined);
  return result;
}

let queue: Promise<unknown> = Promise.resolve();

async function runInProcess(args: readonly string[], options: CliOptions): Promise<CliResult> {
  const { main } = (await import(MAIN)) as typeof import('../../src/cli/main.ts');
  let stdout = '';
  let stderr = '';
  const io = { out: (text: string) => void (stdout += `${text}\n`), err: (text: string) => void (stderr += `${text}\n`) };
  const cwd = process.cwd();
  const umask = process.umask(0o077);
  process.chdir(options.cwd);
  try {
    const code = await main([...args], io, childEnv(options.env));
    return { code, stdout, stderr };
  } catch (err) {
    return { code: 1, stdout, stderr: `${stderr}${err instanceof Error ? err.stack : String(err)}\n` };
  } finally {
    process.chdir(cwd);
    process.umask(umask);
  }
}

/** Runs `certbound …args` to completion as a child process, as a user does; a non-zero exit is data. */
export function certboundProcess(args: readonly string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(NODE, [BIN, ...args], { cwd: options.cwd, env: childEnv(options.env), timeout: 120_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}

/** Runs a shell command line, as a user pasting it into a terminal. */
export function shell(commandLine: string, cwd: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', commandLine], { cwd, env: childEnv(), timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}

/** A long-running `certbound …args` (serve), with what it has printed so far. */
export interface CliProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout matches `pattern`; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `certbound …args` in the background. */
export function startCertbound(args: readonly string[], options: CliOptions): CliProcess {
  const child = spawn(NODE, [BIN, ...args], { cwd: options.cwd, env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(out);
          if (!match) return false;
          child.stdout.off('data', check);
          resolve(match);
          return true;
        };
        if (check()) return;
        child.stdout.on('data', check);
        void exited.then((code) => reject(new Error(`certbound ${args.join(' ')} exited (${code}) before printing ${pattern}:\n${out}\n${err}`)));
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}


/** Runs the real `openssl` CLI in `cwd`; a non-zero exit is data. */
export function openssl(args: readonly string[], cwd: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}

/** Whether output carries a JavaScript stack trace (which a user must never see). */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+[(:]\d+/m.test(text) || /node:internal|\.ts:\d+:\d+/.test(text);
}
