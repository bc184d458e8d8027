import { mkdir } from 'node:fs/promises';
import { assertTrustDomain } from '../admin/certificates.ts';
import { initDataDir } from '../admin/init.ts';
import { bindIssuer, replaceIssuer } from '../admin/issuer.ts';
import { parseSanArgument } from '../admin/certs.ts';
import type { SubjectAltName } from '../pki/issue.ts';
import { assertIssuer } from '../server/metadata.ts';
import { DATA_DIR_MODE } from '../storage/data-dir.ts';
import { openStore } from '../storage/open.ts';
import type { Store } from '../storage/store.ts';
import { parse, UsageError, useDataDir, withStore, type DataDirTarget, type Command } from './context.ts';

/** Runs `fn` on the store of `--database` (a PostgreSQL server has many writers: no data directory lock), else on the data directory's. */
async function withInitStore<T>(target: DataDirTarget, databaseUrl: string | undefined, fn: (store: Store) => Promise<T>): Promise<T> {
  if (databaseUrl === undefined) return withStore(target, fn);
  // The PEM files a user needs still go to the data directory.
  await mkdir(target.dir, { recursive: true, mode: DATA_DIR_MODE });
  const store = await openStore(target.dir, target.kek === undefined ? { databaseUrl } : { databaseUrl, kek: target.kek });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** `certbound init`: creates (or completes) a data directory, or a PostgreSQL store with `--database`. */
export const init: Command = {
  usage: `Usage: certbound init [--dir D] [--database URL] [--issuer URL [--replace-issuer]] [--san dns:NAME|ip:ADDR]...
                     [--trust-domain NAME] [--kek-file F] [--json]

Creates the data directory (default ./.certbound, or $CERTBOUND_DIR; mode 0700): the embedded
database, a platform root CA (ECDSA P-256), the token service's TLS certificate (SAN
localhost, 127.0.0.1, ::1 and each --san), and an ES256 signing key. Private keys are stored
wrapped under a key-encryption key: --kek-file F or $CERTBOUND_KEK, else <dir>/kek (mode 0600),
created here. Writes ca.pem, tls-cert.pem and tls-key.pem (mode 0600) beside the database.
Safe to run again. A data directory group or others can read or write is refused unless
--insecure-permissions.
--database URL puts the store in a PostgreSQL server (postgres://…) instead, for several
instances; it needs --kek-file F or $CERTBOUND_KEK. The PEM files are still written to --dir.
--issuer URL binds the store to the issuer every instance must serve (otherwise the first
serve on a PostgreSQL store binds its own); a store bound to another is refused
(ERR_CERTBOUND_ISSUER_MISMATCH) unless --replace-issuer (stop every instance first: tokens
issued under the old issuer stop introspecting active).
--trust-domain sets the SPIFFE trust domain of the SAN URIs of certificates certbound issues
(spiffe://NAME/partner/<partner>/client/<client>; default certbound.local).`,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      san: { type: 'string', multiple: true },
      'trust-domain': { type: 'string' },
      database: { type: 'string' },
      issuer: { type: 'string' },
      'replace-issuer': { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const issuer = values.issuer;
    if (values['replace-issuer'] && issuer === undefined) throw new UsageError('--replace-issuer goes with --issuer');
    if (issuer !== undefined) {
      try {
        assertIssuer(issuer);
      } catch (err) {
        throw new UsageError(`--issuer: ${(err as Error).message}`);
      }
    }
    const target = await useDataDir(values);
    const { dir } = target;
    const sans: SubjectAltName[] = (values.san ?? []).map(parseSanArgument);
    if (issuer !== undefined) {
      const host = new URL(issuer).hostname.replace(/^\[|\]$/g, '');
      // The token service's certificate must name the issuer's host, or clients cannot reach it by that name.
      if (host !== 'localhost') sans.push(parseSanArgument(/^[\d.]+$|:/.test(host) ? `ip:${host}` : `dns:${host}`));
    }
    const domain = values['trust-domain'];
    if (domain !== undefined) assertTrustDomain(domain);
    const result = await withInitStore(target, values.database, async (store) => {
      if (issuer !== undefined) await (values['replace-issuer'] ? replaceIssuer(store, issuer) : bindIssuer(store, issuer));
      const done = await initDataDir(store, dir, sans);
      if (domain !== undefined) await store.setSetting('trust_domain', domain);
      return done;
    });
    if (values.json) io.out(JSON.stringify({ dir, created: result.created, files: result.files, ...(issuer === undefined ? {} : { issuer }) }, null, 2));
    else {
      io.out(result.created.length > 0 ? `Initialised ${dir}: created ${result.created.join(', ')}.` : `${dir} is already initialised.`);
      io.out(`  platform CA      ${result.files.caCert}\n  TLS certificate  ${result.files.tlsCert}\n  TLS key          ${result.files.tlsKey}`);
      if (issuer !== undefined) io.out(`  issuer           ${issuer}`);
    }
    return 0;
  },
};
