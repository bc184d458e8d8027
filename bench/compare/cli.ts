// Runs certbound CLI commands as a user does (a child process of this Node on src/cli/bin.ts)
// and records what each cost: wall time and, through /usr/bin/time, its peak resident memory.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CLI entry point users run (`certbound` is `node src/cli/bin.ts` in a checkout). */
export const BIN = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));
const TIME = '/usr/bin/time';
const HAS_TIME = existsSync(TIME);

/** One CLI command's outcome and cost. */
export interface CliRun {
  readonly command: string;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMs: number;
  /** Peak RSS of the process (GNU time's %M); null without /usr/bin/time. */
  readonly maxRssBytes: number | null;
}

let seq = 0;

/** Runs `certbound …args` in `cwd` and measures it; a non-zero exit is data. */
export async function runCli(args: readonly string[], cwd: string): Promise<CliRun> {
  const rssFile = join(tmpdir(), `certbound-bench-time-${process.pid}-${seq++}`);
  const argv = [process.execPath, BIN, ...args];
  const [command, ...rest] = HAS_TIME ? [TIME, '-f', '%M', '-o', rssFile, ...argv] : argv;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['CERTBOUND_DIR', 'CERTBOUND_KEK', 'NODE_OPTIONS']) delete env[name];
  const start = performance.now();
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    execFile(command!, rest, { cwd, env, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
  const wallMs = performance.now() - start;
  let maxRssBytes: number | null = null;
  if (HAS_TIME) {
    const kb = Number(/(\d+)\s*$/.exec(await readFile(rssFile, 'utf8').catch(() => ''))?.[1]);
    maxRssBytes = Number.isFinite(kb) && kb > 0 ? kb * 1024 : null;
    await rm(rssFile, { force: true });
  }
  return { command: ['certbound', ...args.map((a) => (a.startsWith('/') ? '<path>' : a))].join(' '), ...result, wallMs, maxRssBytes };
}

/** Like runCli, but throws unless the command succeeded. */
export async function runCliOk(args: readonly string[], cwd: string): Promise<CliRun> {
  const run = await runCli(args, cwd);
  if (run.code !== 0) throw new Error(`${run.command} exited ${run.code}: ${run.stderr.trim()}`);
  return run;
}
