// The deployment of docs/deployment.md on loopback, for test/deploy/haproxy.test.ts: its own
// PostgreSQL cluster with TLS on (a certificate made with openssl), the guide's role and
// database, `certbound init` and the instances' command lines from the guide with its names,
// ports and paths replaced, and the partner, clients and certificates the test changes.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import pg from 'pg';
import { registerClient } from '../../src/admin/clients.ts';
import { addPartner } from '../../src/admin/partners.ts';
import { addResource } from '../../src/admin/resources.ts';
import { KeyEncryptionKey } from '../../src/core/key-wrap.ts';
import { x5tS256 } from '../../src/core/thumbprint.ts';
import { issueCertificate } from '../../src/pki/issue.ts';
import { pemToDer, pkcs8ToPem } from '../../src/pki/keys.ts';
import { openStore } from '../../src/storage/open.ts';
import { childEnv, BIN, NODE } from '../cli/run.ts';
import { execStartArgs, guideBlock, substitute } from './deployment-doc.ts';
import { send } from './https.ts';
import { eventually } from './serve-process.ts';
import type { ClientCert } from './pg-world.ts';
import type { TestPostgres } from './postgres.ts';

const execFileAsync = promisify(execFile);
const ORDERS = 'https://api.acme.example/orders';
/** How many changes of each kind the test makes (half before the kill, half after). */
const CHANGES = 10;

type Replacement = readonly [string, string];

/** The deployment's files, database and the guide's names mapped to them. */
export interface Deployment {
  readonly root: string;
  /** What the guide calls /etc/certbound. */
  readonly etc: string;
  /** Instance 1's data directory, where `init` wrote ca.pem. */
  readonly initDir: string;
  /** What systemd's LoadCredential makes $CREDENTIALS_DIRECTORY. */
  readonly credentials: string;
  readonly password: string;
  /** PATH with a `certbound` command and PostgreSQL's client programs. */
  readonly path: string;
  readonly pgBin: string;
  readonly replace: { readonly etc: Replacement; readonly database: Replacement; readonly dataDir: Replacement };
  /** The platform CA (after init). */
  ca: string;
  issuer: string;
  partnerCa: { certPem: string; keyPkcs8: Uint8Array } | null;
  /** Runs a statement as the superuser (on `database`, default the one the helper made) and returns the `n` column of its row. */
  superuserQuery(sql: string, database?: string): Promise<number>;
  cleanup(): Promise<void>;
}

/** The newest /usr/lib/postgresql/<v>/bin with pg_dump, else the directory of pg_dump on the PATH. */
async function clientBinaries(): Promise<string> {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? (await readdir(root)).filter((v) => /^\d+(\.\d+)?$/.test(v)) : [];
  const newest = versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a)).map((v) => join(root, v, 'bin')).find((d) => existsSync(join(d, 'pg_dump')));
  if (newest) return newest;
  const found = (process.env['PATH'] ?? '').split(':').find((d) => d !== '' && existsSync(join(d, 'pg_dump')));
  if (!found) throw new Error('The deployment test needs pg_dump and pg_restore (Debian: the postgresql-client package).');
  return found;
}

/** Runs one statement (each alone: ALTER SYSTEM refuses a transaction block). */
async function superuser(url: string, sql: readonly string[]): Promise<pg.QueryResult[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const out: pg.QueryResult[] = [];
    for (const statement of sql) out.push(await c.query(statement));
    return out;
  } finally {
    await c.end();
  }
}

/** TLS on the cluster (the guide's ssl = on, ssl_cert_file, ssl_key_file), the guide's role and database; the URL certbound uses. */
export async function prepareDatabase(server: TestPostgres): Promise<Deployment> {
  const su = new URL(await server.createDatabase());
  const root = await mkdtemp(join(tmpdir(), 'certbound-deploy-'));
  const etc = join(root, 'etc');
  await mkdir(etc, { mode: 0o700 });
  // The server's certificate and key, readable by the postgres user the cluster runs as.
  const tls = await mkdtemp(join(tmpdir(), 'certbound-deploy-pgtls-'));
  await chmod(tls, 0o755);
  const [cert, key] = [join(tls, 'server.crt'), join(tls, 'server.key')];
  await execFileAsync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=db.internal',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '2', '-keyout', key, '-out', cert]);
  await chmod(key, 0o600);
  await chmod(cert, 0o644);
  if (process.getuid?.() === 0) {
    const uid = Number((await execFileAsync('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await execFileAsync('id', ['-g', 'postgres'])).stdout.trim());
    await chown(key, uid, gid);
  }
  await copyFile(cert, join(etc, 'db-ca.pem'));
  const password = randomBytes(16).toString('hex');
  const roleSql = substitute(await guideBlock('sql', 'CREATE ROLE certbound'), [['generated-password', password]]);
  await superuser(su.href, [
    `ALTER SYSTEM SET ssl_cert_file = '${cert}'`,
    `ALTER SYSTEM SET ssl_key_file = '${key}'`,
    'ALTER SYSTEM SET ssl = on',
    'SELECT pg_reload_conf()',
    ...roleSql.split(';').map((s) => s.trim()).filter(Boolean),
  ]);
  // The guide's pg_hba.conf lines, first in the file as it says (the cluster's own lines follow).
  const hba = substitute(await guideBlock('', 'hostssl'), [['10.0.0.0/24', '127.0.0.1/32']]);
  const [{ rows }] = (await superuser(su.href, ['SHOW hba_file'])) as [pg.QueryResult<{ hba_file: string }>];
  const hbaFile = rows[0]!.hba_file;
  await writeFile(hbaFile, `${hba}${await readFile(hbaFile, 'utf8')}`);
  await superuser(su.href, ['SELECT pg_reload_conf()']);
  const initDir = join(root, 'instance-1');
  for (const dir of [initDir, join(root, 'instance-2')]) await mkdir(dir, { mode: 0o700 });
  const credentials = join(root, 'credentials');
  await mkdir(credentials, { mode: 0o700 });
  const bin = join(root, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'certbound'), `#!/bin/sh\nexec '${NODE}' '${BIN}' "$@"\n`, { mode: 0o755 });
  const pgBin = await clientBinaries();
  const pgPort = su.port;
  const d: Deployment = {
    root, etc, initDir, credentials, password, pgBin,
    path: [bin, pgBin, process.env['PATH'] ?? ''].join(':'),
    replace: { etc: ['/etc/certbound', etc], database: ['db.internal:5432', `127.0.0.1:${pgPort}`], dataDir: ['/var/lib/certbound', initDir] },
    ca: '',
    issuer: '',
    partnerCa: null,
    async superuserQuery(sql, database) {
      const url = new URL(su.href);
      if (database !== undefined) url.pathname = `/${database}`;
      const [res] = await superuser(url.href, [sql]);
      return Number((res?.rows[0] as { n: number } | undefined)?.n);
    },
    async cleanup() {
      await rm(root, { recursive: true, force: true });
      await rm(tls, { recursive: true, force: true });
    },
  };
  // A reload is asynchronous: wait until the server answers TLS.
  const url = `postgres://certbound:${password}@127.0.0.1:${pgPort}/certbound?sslmode=verify-full&sslrootcert=${join(etc, 'db-ca.pem')}`;
  await eventually('PostgreSQL accepts TLS', async () => superuser(url, ['SELECT 1']).then(() => true, () => false));
  return d;
}

/** The environment of the guide's EnvironmentFile block. */
async function environmentFile(d: Deployment): Promise<Record<string, string>> {
  const block = substitute(await guideBlock('sh', 'PGPASSWORD='), [['generated-password', d.password]]);
  return Object.fromEntries(block.split('\n').filter((l) => /^\w+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** Runs the guide's init block (KEK, `certbound init`), then does what LoadCredential does with the KEK. */
export async function runInit(d: Deployment, block: string, lbPort: number): Promise<void> {
  const issuer: Replacement = ['https://auth.example.com', `https://auth.example.com:${lbPort}`];
  const script = substitute(block, [d.replace.dataDir, d.replace.etc, d.replace.database, issuer]);
  const env = childEnv({ PATH: d.path, ...(await environmentFile(d)) });
  const out = await execFileAsync('sh', ['-ec', script], { cwd: d.root, env });
  assert.match(out.stdout, /Initialised/);
  await copyFile(join(d.etc, 'kek'), join(d.credentials, 'kek'));
  await chmod(join(d.credentials, 'kek'), 0o400);
  d.ca = await readFile(join(d.initDir, 'ca.pem'), 'utf8');
  d.issuer = issuer[1];
}

/** The arguments of the unit's ExecStart for the instance in `dir` on `port` (admin API on a free loopback port). */
export function launchArgs(d: Deployment, unit: string, dir: string, port: number, lbPort: number): string[] {
  const [program, ...args] = execStartArgs(unit);
  assert.match(program ?? '', /\/certbound$/);
  const line = substitute(args.join(' '), [
    ['/var/lib/certbound', dir], d.replace.etc, d.replace.database,
    ['${CREDENTIALS_DIRECTORY}', d.credentials],
    ['https://auth.example.com', `https://auth.example.com:${lbPort}`],
    // Loopback only in a test: the guide's every-interface address and fixed ports are the hosts'.
    ['--host 0.0.0.0', '--host 127.0.0.1'],
    ['--port 8443', `--port ${port}`],
    ['--admin-port 8444', '--admin-port 0'],
  ]);
  return line.split(' ');
}

/** The partner acme, its API, the client acme-a and the clients acme-d0… the test disables (before any instance starts). */
export async function seedPartner(d: Deployment): Promise<void> {
  const kek = KeyEncryptionKey.fromBase64(await readFile(join(d.etc, 'kek'), 'utf8'), 'kek');
  const url = `postgres://certbound:${d.password}@${d.replace.database[1]}/certbound?sslmode=verify-full&sslrootcert=${join(d.etc, 'db-ca.pem')}`;
  const store = await openStore(join(d.root, 'unused'), { databaseUrl: url, kek });
  try {
    await addPartner(store, 'acme');
    await addResource(store, ORDERS, 'acme');
    const client = (id: string) => registerClient(store, { id, partnerId: 'acme', scope: 'orders:read', resources: [ORDERS], subject: { kind: 'subject_dn', value: `CN=${id},O=acme` } });
    await client('acme-a');
    for (let k = 0; k < CHANGES; k++) await client(`acme-d${k}`);
    const ca = (await store.getAuthority('partner:acme'))!;
    d.partnerCa = { certPem: ca.certPem, keyPkcs8: ca.keyPkcs8! };
  } finally {
    await store.close();
  }
}

/** What the test changes: certificates of acme-a to revoke, clients to disable, tokens to revoke, and the certificate the load uses. */
export interface ChangeSet {
  readonly steady: ClientCert;
  readonly revokedCerts: readonly ClientCert[];
  readonly disabledClients: readonly { id: string; cert: ClientCert }[];
  readonly tokens: readonly string[];
}

/** Issues the certificates, and the tokens (through `tokenUrl`) of a ChangeSet. */
export async function changeSet(d: Deployment, tokenUrl: string): Promise<ChangeSet> {
  const newCert = async (cn: string): Promise<ClientCert> => {
    const leaf = await issueCertificate(d.partnerCa!, { subject: `CN=${cn},O=acme`, usage: 'client' });
    return { cert: leaf.certPem, key: pkcs8ToPem(leaf.keyPkcs8!), ca: d.ca, thumbprint: x5tS256(pemToDer(leaf.certPem, 'CERTIFICATE')) };
  };
  const steady = await newCert('acme-a');
  const revokedCerts: ClientCert[] = [];
  const disabledClients: { id: string; cert: ClientCert }[] = [];
  const tokens: string[] = [];
  const token = async (identity: ClientCert, clientId: string): Promise<string> => {
    const res = await send(tokenUrl, { ca: d.ca, identity, form: { grant_type: 'client_credentials', client_id: clientId } });
    assert.equal(res.status, 200, res.text);
    return String(res.json?.['access_token']);
  };
  for (let k = 0; k < CHANGES; k++) {
    revokedCerts.push(await newCert('acme-a'));
    disabledClients.push({ id: `acme-d${k}`, cert: await newCert(`acme-d${k}`) });
    // Before any change each certificate and client gets tokens, and each token is active: a refusal later is the change's doing.
    await token(revokedCerts[k]!, 'acme-a');
    await token(disabledClients[k]!.cert, disabledClients[k]!.id);
    tokens.push(await token(steady, 'acme-a'));
    const introspected = await send(tokenUrl.replace(/\/token$/, '/introspect'), { ca: d.ca, identity: steady, form: { client_id: 'acme-a', token: tokens[k]! } });
    assert.equal(introspected.json?.['active'], true, introspected.text);
  }
  return { steady, revokedCerts, disabledClients, tokens };
}
