// A real nginx for tests: a private prefix directory with the given files, a configuration
// built from it and a free port, run in the foreground as one process of ours (no master), and
// stopped with SIGTERM. NGINX overrides the binary (default /usr/sbin/nginx, else nginx on PATH).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports.ts';
import { until } from './until.ts';

/** A port that was free a moment ago on 127.0.0.1 (one implementation, in test/helpers/ports.ts). */
export { freePort };

/** The nginx binary the tests start. */
export const NGINX = process.env['NGINX'] ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx');

/** A running nginx. */
export interface Nginx {
  /** The prefix directory (files, logs). */
  readonly dir: string;
  /** The port its server listens on, on 127.0.0.1. */
  readonly port: number;
  /** The access log so far. */
  accessLog(): Promise<string>;
  /** The error log so far (info level). */
  errorLog(): Promise<string>;
  close(): Promise<void>;
}


/** Whether something accepts TCP connections on 127.0.0.1:`port` now. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/**
 * The `http { … }` preamble every test configuration needs: logs and temporary paths inside
 * `dir`; `servers` is placed inside the http block.
 */
export function nginxConf(dir: string, servers: string): string {
  const p = (name: string) => join(dir, name);
  return `
pid ${p('nginx.pid')};
error_log ${p('error.log')} info;
events { worker_connections 64; }
http {
  access_log ${p('access.log')};
  client_body_temp_path ${p('client_body')};
  proxy_temp_path ${p('proxy')};
  fastcgi_temp_path ${p('fastcgi')};
  uwsgi_temp_path ${p('uwsgi')};
  scgi_temp_path ${p('scgi')};
${servers}
}
`;
}

/**
 * Writes `files` into a fresh prefix directory, then the configuration `conf(dir, port)`, and
 * starts nginx on it; resolves once it accepts connections.
 */
export async function startNginx(files: Readonly<Record<string, string>>, conf: (dir: string, port: number) => string): Promise<Nginx> {
  const dir = await mkdtemp(join(tmpdir(), 'certbound-nginx-'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content, { mode: 0o600 });
  const port = await freePort();
  await writeFile(join(dir, 'nginx.conf'), conf(dir, port));
  // master_process off: one process, ours, that stops with SIGTERM.
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off; master_process off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<unknown>((resolve) => child.once('exit', resolve));
  let exited = false;
  void exit.then(() => (exited = true));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const stopped = await Promise.race([exit.then(() => true), sleep(5000, false, { ref: false })]);
      if (!stopped) child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };
  const spawned = await new Promise<Error | null>((resolve) => {
    child.once('spawn', () => resolve(null));
    child.once('error', resolve);
  });
  if (spawned) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`could not start ${NGINX}: ${spawned.message} (install the nginx package)`);
  }
  // Readiness of another process, which says nothing when it listens: polled.
  const listening = await until('nginx listening', async () => exited || (await accepts(port)), { timeoutMs: 10_000, intervalMs: 50 }).then(
    () => !exited,
    () => false,
  );
  if (!listening) {
    const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
    await close();
    throw new Error(exited ? `nginx exited: ${stderr}${log}` : 'nginx did not listen within 10 s');
  }
  return { dir, port, accessLog: () => readFile(join(dir, 'access.log'), 'utf8'), errorLog: () => readFile(join(dir, 'error.log'), 'utf8'), close };
}
