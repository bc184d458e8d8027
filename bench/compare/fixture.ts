// The one set of certificates every server of the comparison uses: a certbound data directory
// made with the CLI (init, a partner with its own CA, an API, a client whose key and certificate
// certbound issues), its TLS certificate as every server's certificate, and the client's
// certificate + chain (partner CA -> client) for every request of the loader.
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliOk, type CliRun } from './cli.ts';

/** The identifier (RFC 8707 resource, the tokens' aud) of the API in the comparison. */
export const RESOURCE = 'https://api.bench.example/orders';
export const SCOPE = 'orders:read';
export const CLIENT_ID = 'bench-client';
export const PARTNER_ID = 'bench';

/** What every server and the loader share. */
export interface Fixture {
  /** Temporary directory holding everything (removed by the caller). */
  readonly home: string;
  /** The certbound data directory. */
  readonly dataDir: string;
  /** Server certificate and key (certbound's TLS certificate, from its platform CA). */
  readonly serverCert: string;
  readonly serverKey: string;
  /** The platform root CA: trust anchor of the server certificate and of the client's chain. */
  readonly ca: string;
  /** The client's certificate followed by its partner CA, and its key. */
  readonly clientChain: string;
  readonly clientKey: string;
  /** x5t#S256 of the client certificate: what every token's cnf must carry. */
  readonly thumbprint: string;
  /** The client's subject DN as registered (RFC 4514 text). */
  readonly subjectDn: string;
  /** The token request body every token server gets. */
  readonly tokenBody: string;
  /** How commands reach its store: nothing for the embedded one, else --database and --kek-file. */
  readonly storeArgs: readonly string[];
  /** The CLI commands it took, with their cost. */
  readonly cliRuns: readonly CliRun[];
}

/**
 * Creates the data directory and the client through the CLI, as a user would; on the PostgreSQL
 * database `databaseUrl` when given (the KEK from $CERTBOUND_KEK), else in the embedded store.
 */
export async function makeFixture(databaseUrl?: string): Promise<Fixture> {
  const home = await mkdtemp(join(tmpdir(), 'certbound-bench-'));
  const dataDir = join(home, 'data');
  const clientDir = join(home, 'client');
  let storeArgs: string[] = [];
  if (databaseUrl !== undefined) {
    // A PostgreSQL store needs a key-encryption key kept apart from the database.
    const kekFile = join(home, 'kek');
    await writeFile(kekFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    storeArgs = ['--database', databaseUrl, '--kek-file', kekFile];
  }
  const dir = ['--dir', dataDir, ...storeArgs];
  const runs: CliRun[] = [];
  runs.push(await runCliOk(['init', ...dir], home));
  runs.push(await runCliOk(['partner', 'add', PARTNER_ID, ...dir], home));
  runs.push(await runCliOk(['resource', 'add', RESOURCE, '--owner', PARTNER_ID, '--scope', SCOPE, ...dir], home));
  const added = await runCliOk(['client', 'add', CLIENT_ID, '--partner', PARTNER_ID, '--scope', SCOPE, '--resource', RESOURCE, '--issue-cert', clientDir, '--json', ...dir], home);
  runs.push(added);
  const subjectDn = String((JSON.parse(added.stdout) as Record<string, unknown>)['tls_client_auth_subject_dn']);
  const clientChain = await readFile(join(clientDir, 'cert.pem'), 'utf8');
  const leaf = new X509Certificate(clientChain);
  return {
    home,
    dataDir,
    serverCert: await readFile(join(dataDir, 'tls-cert.pem'), 'utf8'),
    serverKey: await readFile(join(dataDir, 'tls-key.pem'), 'utf8'),
    ca: await readFile(join(dataDir, 'ca.pem'), 'utf8'),
    clientChain,
    clientKey: await readFile(join(clientDir, 'key.pem'), 'utf8'),
    thumbprint: createHash('sha256').update(leaf.raw).digest('base64url'),
    subjectDn,
    tokenBody: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, resource: RESOURCE, scope: SCOPE }).toString(),
    cliRuns: runs,
    storeArgs,
  };
}
