// A reader of the docs pages for test/docs-commands.test.ts: a page's fenced blocks, and its
// commands run as written in a fresh directory. A plain `npm run certbound -- X` line (no
// variable, substitution, pipe or redirection) is the same argv through the same main(), so it
// runs in the test process (milliseconds instead of a Node start-up); lines with shell features
// run in `sh` on the pinned Node; `serve` and the examples start in the background on free ports.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { BIN, certbound, childEnv, freePort, NODE, shell, startCertbound, type CliResult } from '../cli/run.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = /^npm run (?:-s |--silent )?certbound -- (.*)$/;
/** What makes a line need a shell: variables, substitutions, pipes, redirections, lists, globs. */
export const SHELL_FEATURES = /[$`|<>&;()*]/;

/** The fenced blocks of a page in a given language (`sh`, `json`, or '' for a bare fence). */
export async function fenced(page: string, lang: string): Promise<string[]> {
  const text = await readFile(join(ROOT, page), 'utf8');
  return [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].filter((m) => m[1] === lang).map((m) => m[2]!);
}

/** The commands of a block: continued lines joined, comment lines and trailing `# comments` dropped. */
export function commands(block: string): string[] {
  return block
    .replaceAll('\\\n', ' ')
    .split('\n')
    .map((line) => line.replace(/\s{2,}# .*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** The words of a command line without shell features: double- and single-quoted words kept whole. */
export function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** A placeholder in a page and what it stands for once the steps before it have run. */
export interface Placeholder {
  readonly text: string;
  value(dir: string): Promise<string>;
}

/** One command run from a page, and its outcome. */
export interface Ran {
  readonly command: string;
  readonly result: CliResult;
}

/** Runs a page's commands in one fresh directory, as a reader pasting them would. */
export class PageReader {
  readonly ran: Ran[] = [];
  private readonly stops: (() => Promise<unknown>)[] = [];
  dir = '';
  /** The free ports standing in for the documented 8443 (token service) and 9443 (an API). */
  port = 0;
  apiPort = 0;
  private readonly placeholders: readonly Placeholder[];
  constructor(placeholders: readonly Placeholder[] = []) {
    this.placeholders = placeholders;
  }

  async open(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'certbound-docs-'));
    this.port = await freePort();
    this.apiPort = await freePort();
  }

  async close(): Promise<void> {
    for (const stop of this.stops.reverse()) await stop();
    if (this.dir !== '') await rm(this.dir, { recursive: true, force: true });
  }

  private async fill(command: string): Promise<string> {
    let out = command;
    for (const p of this.placeholders) if (out.includes(p.text)) out = out.replaceAll(p.text, await p.value(this.dir));
    return out;
  }

  private record(command: string, result: CliResult): void {
    assert.equal(result.code, 0, `${command}\n${result.stdout}\n${result.stderr}`);
    this.ran.push({ command, result });
  }

  private async script(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    // The pinned Node first on the PATH, as npm scripts have it; the CLI is that Node on its entry.
    const body = lines.map((l) => l.replaceAll(/npm run (?:-s |--silent )?certbound --/g, `"${NODE}" "${BIN}"`)).join('\n');
    const text = lines.join('\n');
    this.record(text, await shell(`set -e\nexport PATH='${dirname(NODE)}:${process.env['PATH'] ?? ''}'\n${body}`, this.dir));
  }

  /** Runs one documented command line (or the blocks' lines in order, sharing one `sh` where they need it). */
  async run(block: string): Promise<void> {
    let pending: string[] = [];
    for (const raw of commands(block)) {
      const command = await this.fill(raw);
      const cli = CLI.exec(command);
      if (cli === null || SHELL_FEATURES.test(cli[1]!)) {
        pending.push(command);
        continue;
      }
      await this.script(pending);
      pending = [];
      const args = words(cli[1]!);
      if (args[0] === 'serve') await this.serve(args.slice(1));
      else this.record(command, await certbound(args, { cwd: this.dir }));
    }
    await this.script(pending);
  }

  /** `serve` as the page starts it, on a free port instead of 8443, until the page is done. */
  private async serve(args: string[]): Promise<void> {
    const serve = startCertbound(['serve', ...args, '--port', String(this.port), '--admin-port', '0'], { cwd: this.dir });
    this.stops.push(() => serve.stop('SIGINT'));
    await serve.waitFor(/Stop with Ctrl-C\.\n/);
    this.ran.push({ command: `serve ${args.join(' ')}`, result: { code: 0, stdout: serve.stdout(), stderr: serve.stderr() } });
  }

  /** `npm run example:X` with the environment the line sets, on the free API port, until the page is done. */
  async example(file: string, env: Record<string, string>): Promise<void> {
    const api = spawn(NODE, [join(ROOT, 'examples', file)], {
      cwd: this.dir,
      env: childEnv({ ...env, PORT: String(this.apiPort), ISSUER: `https://localhost:${this.port}` }),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.stops.push(async () => {
      api.kill();
      if (api.exitCode === null && api.signalCode === null) await once(api, 'exit');
    });
    await once(api.stdout, 'data');
  }

  /** The outcome of the first command run that starts with `prefix`. */
  output(prefix: string): string {
    const found = this.ran.find((r) => r.command.startsWith(prefix));
    assert.ok(found, `no command ran that starts with ${prefix}`);
    return found.result.stdout;
  }
}

/** A reader with a fresh directory for the tests of one describe(). */
export function reading(placeholders: readonly Placeholder[] = []): PageReader {
  const reader = new PageReader(placeholders);
  before(() => reader.open());
  after(() => reader.close());
  return reader;
}

