// Starts every server of the comparison on the shared fixture, one after the other (so that
// start-up work does not overlap), and checks each before anything is timed.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN } from './cli.ts';
import { CLIENT_ID, RESOURCE, SCOPE, type Fixture } from './fixture.ts';
import type { Target } from './load.ts';
import { memory } from './proc.ts';
import { startServer, type ServerProcess } from './spawn.ts';
import type { ServerConfig } from './servers/config.ts';
import { verifyAnswers, verifyTokenServer, type Verdict } from './verify.ts';
import { freePort } from '../../test/helpers/ports.ts';

/** A port that was free a moment ago on 127.0.0.1 (one implementation, in test/helpers/ports.ts). */
export { freePort };

const server = (name: string) => fileURLToPath(new URL(`./servers/${name}.ts`, import.meta.url));
const READY = /READY (\d+)\n/;
const BANNER_END = /Stop with Ctrl-C\./;

/** A started, checked server: its process, how to reach it, its idle memory, its check. */
export interface Running {
  readonly id: string;
  readonly label: string;
  readonly process: ServerProcess;
  readonly target: Target;
  readonly rssIdleBytes: number;
  readonly verified: Verdict;
}


/** How the loader asks `port` for a token with the fixture's client certificate. */
export function tokenTarget(fixture: Fixture, port: number): Target {
  return {
    port,
    method: 'POST',
    path: '/token',
    headers: { host: `localhost:${port}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: fixture.tokenBody,
    cert: fixture.clientChain,
    key: fixture.clientKey,
    ca: fixture.ca,
  };
}

/** Everything started, plus the token certbound issued in its check (for the warm guard). */
export interface Started {
  readonly servers: Running[];
  readonly certbound: Running;
  readonly token: string;
  readonly configFile: string;
}

/** Starts the floor, certbound serve, oidc-provider (plain and cached) and the guard; throws if any check fails. */
export async function startAll(fixture: Fixture): Promise<Started> {
  const partnerCa = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
  const pems = fixture.clientChain.match(partnerCa) ?? [];
  const config: ServerConfig = {
    serverCert: fixture.serverCert,
    serverKey: fixture.serverKey,
    ca: fixture.ca,
    trust: [fixture.ca, ...pems.slice(1)],
    subjectDn: fixture.subjectDn,
    clientId: CLIENT_ID,
    resource: RESOURCE,
    scope: SCOPE,
  };
  const configFile = join(fixture.home, 'servers.json');
  await writeFile(configFile, JSON.stringify(config));
  const servers: Running[] = [];
  const log = (id: string) => join(fixture.home, `${id}.log`);
  const node = process.execPath;
  const started = async (id: string, label: string, p: ServerProcess, port: number, check: (t: Target) => Promise<Verdict>, target?: Target) => {
    const t = target ?? tokenTarget(fixture, port);
    const verified = await check(t).catch(async (err: unknown) => {
      await p.stop();
      throw err;
    });
    if (!verified.ok) {
      await p.stop();
      throw new Error(`${label} failed its check before timing: ${JSON.stringify({ ...verified, token: undefined })}`);
    }
    const running: Running = { id, label, process: p, target: t, rssIdleBytes: memory(p.pid).rss, verified };
    servers.push(running);
    return running;
  };
  try {
    const floor = await startServer({ name: 'floor', argv: [node, server('floor'), configFile], cwd: fixture.home, readyPattern: READY, logFile: log('floor') });
    await started('floor', 'bare node:https mTLS floor', floor, Number(floor.ready[1]), (t) => verifyAnswers(t));

    const port = await freePort();
    // As users run it: default logging (to a file here), audit on, the embedded store.
    const serve = await startServer({ name: 'certbound serve', argv: [node, BIN, 'serve', '--dir', fixture.dataDir, '--port', String(port), '--no-admin'], cwd: fixture.home, readyPattern: BANNER_END, logFile: log('certbound') });
    let token = '';
    const certbound = await started('certbound', 'certbound serve', serve, port, async (t) => {
      const v = await verifyTokenServer(t, fixture.thumbprint);
      token = v.token;
      return v;
    });

    for (const mode of ['plain', 'cached'] as const) {
      const oidc = await startServer({ name: `oidc-provider ${mode}`, argv: [node, server('oidc'), configFile, mode], cwd: fixture.home, readyPattern: READY, logFile: log(`oidc-${mode}`) });
      const label = mode === 'plain' ? 'oidc-provider, getCertificate per call' : 'oidc-provider, per-socket cache';
      await started(`oidc-${mode}`, label, oidc, Number(oidc.ready[1]), (t) => verifyTokenServer(t, fixture.thumbprint));
    }

    const guardConfig = join(fixture.home, 'guard.json');
    await writeFile(guardConfig, JSON.stringify({ ...config, issuer: `https://localhost:${port}` }));
    const guard = await startServer({ name: 'guard', argv: [node, server('guard'), guardConfig], cwd: fixture.home, readyPattern: READY, logFile: log('guard') });
    const guardPort = Number(guard.ready[1]);
    const warm: Target = { ...tokenTarget(fixture, guardPort), headers: { ...tokenTarget(fixture, guardPort).headers, authorization: `Bearer ${token}` } };
    await started('guard-warm', 'certbound guard + floor, one token', guard, guardPort, (t) => verifyAnswers(t), warm);
    // The cold target is the same process: its `authorization` is set per run (a pool of tokens).
    await started('guard-cold', 'certbound guard + floor, new token each', guard, guardPort, (t) => verifyAnswers(t, `Bearer ${token}`), tokenTarget(fixture, guardPort));
    return { servers, certbound, token, configFile };
  } catch (err) {
    await stopAll(servers);
    throw err;
  }
}

/** Stops every distinct server process. */
export async function stopAll(servers: readonly Running[]): Promise<void> {
  const processes = new Set(servers.map((s) => s.process));
  await Promise.allSettled([...processes].map((p) => p.stop()));
}
