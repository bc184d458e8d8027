import { mkdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pino } from 'pino';
import { parseSanArgument } from '../admin/certs.ts';
import { DEMO, seedDemo } from '../admin/demo.ts';
import { dataDirFiles } from '../admin/files.ts';
import { initDataDir } from '../admin/init.ts';
import type { SubjectAltName } from '../pki/issue.ts';
import { assertIssuer } from '../server/metadata.ts';
import { startTokenService } from '../server/service.ts';
import { acquireServeLock } from '../storage/lock.ts';
import { openStore } from '../storage/open.ts';
import type { Store } from '../storage/store.ts';
import { dataDir, integerOption, parse, UsageError, type Command, type Io } from './context.ts';

/** The SAN the TLS certificate needs so that clients reach the issuer's host name. */
function issuerSan(issuer: URL): SubjectAltName[] {
  const host = issuer.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return [];
  try {
    return [parseSanArgument(`ip:${host}`)];
  } catch {
    return [parseSanArgument(`dns:${host}`)];
  }
}

function shellPath(path: string): string {
  const rel = relative(process.cwd(), path);
  const shown = rel.startsWith('..') ? path : rel;
  return /^[\w./-]+$/.test(shown) ? shown : `'${shown.replaceAll("'", "'\\''")}'`;
}

function banner(io: Io, dir: string, issuer: string, url: string, demo: boolean): void {
  const files = dataDirFiles(dir);
  io.out(`certbound token service is running.
  issuer       ${issuer}
  listening    ${url}
  data         ${dir}
  platform CA  ${files.caCert}
`);
  if (demo) {
    const d = join(dir, DEMO.client);
    io.out(`Get a certificate-bound access token for the demo client:

  curl --cert ${shellPath(join(d, 'cert.pem'))} --key ${shellPath(join(d, 'key.pem'))} --cacert ${shellPath(files.caCert)} \\
    -d grant_type=client_credentials -d client_id=${DEMO.client} ${issuer.replace(/\/$/, '')}/token
`);
  } else {
    io.out(`Register a partner and a client (in another terminal, after stopping the service or with --dir on a copy):
  certbound partner add acme
  certbound client add acme-server --partner acme --scope "orders:read" --resource https://api.example/ --issue-cert ./acme-server
`);
  }
  io.out('Stop with Ctrl-C.');
}

/** `certbound serve`: initialises the data directory if needed and runs the token service. */
export const serve: Command = {
  usage: `Usage: certbound serve [--host 127.0.0.1] [--port 8443] [--issuer URL] [--tls-cert F --tls-key F]
                      [--default-audience URI] [--seed-demo] [--log-level info] [--dir D]

Runs the token service on the data directory (initialising it first if needed).
  --issuer URL            exactly the issuer tokens and metadata carry (default https://localhost:PORT)
  --tls-cert/--tls-key    serve with your own certificate instead of the generated one
  --default-audience URI  aud for clients with no resource of their own (default: the issuer)
  --seed-demo             on an empty data directory, create partner 'demo' and client
                          'demo-client' with its key and certificate in <dir>/demo-client/
While it runs, other commands on the same data directory refuse to change it.
SIGHUP reloads clients, partners, CAs and keys from the database.`,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      host: { type: 'string' },
      port: { type: 'string' },
      issuer: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'default-audience': { type: 'string' },
      'seed-demo': { type: 'boolean' },
      'log-level': { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const port = integerOption('port', values.port, 0, 65_535) ?? 8443;
    if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
    if (values.issuer !== undefined) {
      try {
        assertIssuer(values.issuer);
      } catch (err) {
        throw new UsageError(`--issuer: ${(err as Error).message}`);
      }
    }
    const dir = dataDir(values.dir);
    const provisional = values.issuer ?? `https://localhost:${port}`;
    // Hold the lock before opening the database (the embedded one has a single writer), so no
    // other command opens it while this one initialises it, and release it only once closed.
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const release = await acquireServeLock(dir, provisional);
    // From here on, a signal stops the service cleanly, even during start-up.
    const stopped = new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    let store: Store | undefined;
    try {
      store = await openStore(dir);
      const tls = values['tls-cert'] === undefined ? undefined : {
        cert: await readFile(values['tls-cert'], 'utf8'),
        key: await readFile(values['tls-key']!, 'utf8'),
      };
      await initDataDir(store, dir, issuerSan(new URL(provisional)));
      const demo = values['seed-demo'] ? await seedDemo(store, dir) : null;
      // Asynchronous writes, not a blocking write per log line: logging stays off the request path.
      const logger = pino({ level: values['log-level'] ?? 'info' }, pino.destination({ dest: 2, sync: false }));
      const service = await startTokenService({
        store,
        issuer: values.issuer ?? ((actual: number) => `https://localhost:${actual}`),
        host: values.host ?? '127.0.0.1',
        port,
        logger,
        ...(tls ? { tls } : {}),
        ...(values['default-audience'] === undefined ? {} : { defaultAudience: values['default-audience'] }),
      });
      const hasDemo = demo !== null || (await store.getClient(DEMO.client)) !== null;
      banner(io, dir, service.issuer, service.url, hasDemo);
      process.on('SIGHUP', () => {
        service.reload().then(
          () => logger.info('registry reloaded'),
          (err: unknown) => logger.error({ err }, 'reload failed'),
        );
      });
      await stopped;
      await service.close();
      logger.flush();
      return 0;
    } finally {
      await store?.close();
      await release();
    }
  },
};
