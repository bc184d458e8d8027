// Which modules a fresh Node process loads: the packages (node_modules/<name>), the certbound
// parts (src/<part>/) and the source files under src/. The process is started with
// module-probe.ts preloaded, which reports every resolved module on file descriptor 3.
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const PROBE = fileURLToPath(new URL('./module-probe.ts', import.meta.url));
const NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));

/** What a process loaded, each list sorted. */
export interface LoadedModules {
  /** Packages, by name (`fastify`, `@peculiar/x509`). */
  readonly packages: string[];
  /** certbound parts: the folders directly under src/ (`cli`, `core`, `server`). */
  readonly parts: string[];
  /** Source files, relative to src/ (`cli/main.ts`). */
  readonly sources: string[];
}

/** An observed process: its exit status, its output, and the modules it loaded. */
export interface ObservedRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly loaded: LoadedModules;
}

/** Sorts resolved module URLs into packages, certbound parts and source files. */
export function classifyModules(urls: Iterable<string>): LoadedModules {
  const packages = new Set<string>();
  const parts = new Set<string>();
  const sources = new Set<string>();
  for (const url of urls) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (pkg) {
      packages.add(pkg[1]!);
      continue;
    }
    const source = /\/src\/(([^/]+)\/.+)$/.exec(url);
    if (source) {
      sources.add(source[1]!);
      parts.add(source[2]!);
    }
  }
  return { packages: [...packages].sort(), parts: [...parts].sort(), sources: [...sources].sort() };
}

/**
 * Runs the repository's Node with `args` (a script and its arguments, or `-e` code) in a fresh
 * process under observation and returns what it printed and loaded; a non-zero exit is data.
 */
export function runObserved(args: readonly string[], options: { readonly cwd: string; readonly env?: NodeJS.ProcessEnv }): Promise<ObservedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, ['--import', PROBE, ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    const chunks: [string, string, string] = ['', '', ''];
    for (const [i, stream] of [child.stdout, child.stderr, child.stdio[3]].entries()) {
      if (!(stream instanceof Readable)) {
        child.kill();
        return reject(new Error('the observed process has no pipe to read'));
      }
      stream.setEncoding('utf8').on('data', (chunk: string) => (chunks[i as 0 | 1 | 2] += chunk));
    }
    child.once('error', reject);
    child.once('close', (code) => {
      const [stdout, stderr, report] = chunks;
      if (report === '') return reject(new Error(`the observed process reported no modules (exit ${code}): ${stderr}`));
      resolve({ code, stdout, stderr, loaded: classifyModules(JSON.parse(report) as string[]) });
    });
  });
}
