// HAProxy (Debian's package) as a real process for the deployment test: started in the
// foreground on a configuration file, and asked for its servers' states on its stats socket.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';

const MISSING =
  'The deployment test needs HAProxy: install it (Debian/Ubuntu: apt-get install haproxy; .ci/run does) ' +
  'or put the haproxy binary on the PATH.';

/** The haproxy binary: on the PATH, else Debian's /usr/sbin/haproxy; throws (the test fails, it is not skipped) when absent. */
export function haproxyBinary(): string {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/usr/local/sbin'];
  const found = dirs.map((d) => join(d, 'haproxy')).find((p) => existsSync(p));
  if (found === undefined) throw new Error(MISSING);
  return found;
}

/** A running HAProxy. */
export interface Haproxy {
  readonly child: ChildProcess;
  output(): string;
  /** `svname -> status` (UP, DOWN, `UP 1/2`, …) of one backend's servers, from `show stat`. */
  serverStatus(backend: string): Promise<Map<string, string>>;
  stop(): Promise<void>;
}

/** Sends one command to the stats socket and returns the whole answer. */
function ask(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const c = connect(socket, () => c.end(`${command}\n`));
    c.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
    c.once('error', reject);
    c.once('close', () => resolve(answer));
  });
}

/** Starts `haproxy -db -f config` (foreground); `statsSocket` is the `stats socket` path the configuration declares. */
export function startHaproxy(config: string, statsSocket: string): Haproxy {
  const child = spawn(haproxyBinary(), ['-db', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => out,
    async serverStatus(backend) {
      if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}):\n${out}`);
      // Not listening yet (starting up): no server known.
      const answer = await ask(statsSocket, 'show stat').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') return '';
        throw err;
      });
      const lines = answer.split('\n');
      const header = (lines[0] ?? '').replace(/^# /, '').split(',');
      const [px, sv, st] = ['pxname', 'svname', 'status'].map((name) => header.indexOf(name));
      const status = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const f = line.split(',');
        if (f[px!] === backend && f[sv!] !== 'BACKEND') status.set(f[sv!]!, f[st!]!);
      }
      return status;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
