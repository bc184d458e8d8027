import { assertTrustDomain } from '../admin/certificates.ts';
import { initDataDir } from '../admin/init.ts';
import { parseSanArgument } from '../admin/certs.ts';
import { parse, UsageError, useDataDir, withStore, type Command } from './context.ts';

/** `certbound init`: creates (or completes) a data directory. */
export const init: Command = {
  usage: `Usage: certbound init [--dir D] [--san dns:NAME|ip:ADDR]... [--trust-domain NAME] [--kek-file F] [--json]

Creates the data directory (default ./.certbound, or $CERTBOUND_DIR; mode 0700): the embedded
database, a platform root CA (ECDSA P-256), the token service's TLS certificate (SAN
localhost, 127.0.0.1, ::1 and each --san), and an ES256 signing key. Private keys are stored
wrapped under a key-encryption key: --kek-file F or $CERTBOUND_KEK, else <dir>/kek (mode 0600),
created here. Writes ca.pem, tls-cert.pem and tls-key.pem (mode 0600) beside the database.
Safe to run again. A data directory group or others can read or write is refused unless
--insecure-permissions.
--trust-domain sets the SPIFFE trust domain of the SAN URIs of certificates certbound issues
(spiffe://NAME/partner/<partner>/client/<client>; default certbound.local).`,
  async run(args, io) {
    const { values, positionals } = parse(args, { san: { type: 'string', multiple: true }, 'trust-domain': { type: 'string' } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const target = await useDataDir(values);
    const { dir } = target;
    const sans = (values.san ?? []).map(parseSanArgument);
    const domain = values['trust-domain'];
    if (domain !== undefined) assertTrustDomain(domain);
    const result = await withStore(target, async (store) => {
      const done = await initDataDir(store, dir, sans);
      if (domain !== undefined) await store.setSetting('trust_domain', domain);
      return done;
    });
    if (values.json) io.out(JSON.stringify({ dir, created: result.created, files: result.files }, null, 2));
    else {
      io.out(result.created.length > 0 ? `Initialised ${dir}: created ${result.created.join(', ')}.` : `${dir} is already initialised.`);
      io.out(`  platform CA      ${result.files.caCert}\n  TLS certificate  ${result.files.tlsCert}\n  TLS key          ${result.files.tlsKey}`);
    }
    return 0;
  },
};
