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
import { INIT_USAGE } from './usage/init.ts';

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
  usage: INIT_USAGE,
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
