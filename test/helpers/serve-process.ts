// `certbound serve --database …` as a real process, and requests to it: for the tests where
// several instances on one PostgreSQL database must behave as one service.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { localAdminFiles } from '../../src/admin/local-admin.ts';
import { startCertbound, type CliProcess } from '../cli/run.ts';
import { send, type Response } from './https.ts';
import type { ClientCert, PostgresWorld } from './pg-world.ts';
import { until } from './until.ts';

/** A running instance: its process, data directory, token port and admin API. */
export interface Instance {
  readonly process: CliProcess;
  readonly dir: string;
  readonly port: number;
  readonly adminUrl: string;
  readonly issuer: string;
  stop(): Promise<number | null>;
}

/** Starts `serve` on the world's database in its own data directory `name` (free ports), and waits for its banner. */
export async function startInstance(w: PostgresWorld, name: string, extra: readonly string[] = []): Promise<Instance> {
  const dir = join(w.root, name);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const p = launchInstance(w, name, extra);
  return running(p, dir);
}

/** Launches `serve` without waiting for it (a test watches what it prints). */
export function launchInstance(w: PostgresWorld, name: string, extra: readonly string[] = []): CliProcess {
  const dir = join(w.root, name);
  return startCertbound(
    ['serve', '--dir', dir, '--database', w.url, '--kek-file', w.kekFile, '--port', '0', '--admin-port', '0', '--log-level', 'warn', ...extra],
    { cwd: w.root },
  );
}

/** Waits for a launched instance's banner. */
export async function running(p: CliProcess, dir: string): Promise<Instance> {
  const [, issuer] = (await p.waitFor(/issuer\s+(\S+)\n/))!;
  const [, port] = (await p.waitFor(/listening\s+https:\/\/[^:]+:(\d+)/))!;
  const [, adminUrl] = (await p.waitFor(/admin API\s+(https:\/\/\S+)/))!;
  return { process: p, dir, port: Number(port), adminUrl: adminUrl!, issuer: issuer!, stop: () => p.stop() };
}

/** A token request for acme-a with `id`. */
export function tokenRequest(i: Instance, id: ClientCert): Promise<Response> {
  return send(`https://localhost:${i.port}/token`, { ca: id.ca, identity: id, form: { grant_type: 'client_credentials', client_id: 'acme-a' } });
}

/** A form POST as acme-a (introspect, revoke). */
export function postAs(i: Instance, id: ClientCert, path: string, form: Record<string, string>): Promise<Response> {
  return send(`https://localhost:${i.port}${path}`, { ca: id.ca, identity: id, form: { client_id: 'acme-a', ...form } });
}

/** A JSON request to the instance's admin API with the administrator certificate serve made in its data directory. */
export async function adminRequest(i: Instance, method: string, path: string, body: unknown = {}): Promise<Response> {
  const files = localAdminFiles(i.dir);
  return send(`${i.adminUrl.replace('127.0.0.1', 'localhost')}${path}`, {
    method,
    ca: await readFile(join(i.dir, 'ca.pem'), 'utf8'),
    identity: { cert: await readFile(files.cert, 'utf8'), key: await readFile(files.key, 'utf8') },
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** Polls until `check` holds, or fails after `ms` (a generous deadline: nothing here asserts timing). */
export function eventually(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  return until(what, check, { timeoutMs: ms, intervalMs: 25 });
}
