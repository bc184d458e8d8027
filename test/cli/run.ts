// Runs the certbound CLI as a user does: a child process of the repository's Node on
// src/cli/main.ts, in a given working directory, with a controlled environment.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/ports.ts';

/** A port that was free a moment ago on 127.0.0.1 (one implementation, in test/helpers/ports.ts). */
export { freePort };

/** The Node binary of the dev dependency, and the CLI entry point. */
export const NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
export const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

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

/** Runs `certbound …args` to completion; a non-zero exit is data, not an exception. */
export function certbound(args: readonly string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(NODE, [MAIN, ...args], { cwd: options.cwd, env: childEnv(options.env), timeout: 120_000 }, (err, stdout, stderr) => {
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
  const child = spawn(NODE, [MAIN, ...args], { cwd: options.cwd, env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
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
