// Runs an external program (curl, openssl, …) for interop tests: argv only, never a shell
// string; stdin is the given input or closed at once (like `</dev/null`); killed on timeout.
import { spawn } from 'node:child_process';

export interface RunResult {
  /** Exit code, or null when the process was killed. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Written to stdin, which is then closed; without it stdin is closed immediately. */
  readonly input?: string;
  /** Kill the process after this long (default 20 s) so a hung peer fails the test instead of the run. */
  readonly timeoutMs?: number;
}

/** Runs `command` with `args` and resolves with its exit status and output (it never rejects on a non-zero exit). */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: options.timeoutMs ?? 20_000, killSignal: 'SIGKILL' });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }),
    );
    // A peer that exits before reading its input is not a failure of the runner.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input);
  });
}

/** Like `run`, but rejects unless the program exited with status 0. */
export async function runOk(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} exited with ${result.code ?? result.signal}: ${result.stderr.trim()}`);
  }
  return result;
}
