import { initDataDir } from '../admin/init.ts';
import { parseSanArgument } from '../admin/certs.ts';
import { dataDir, parse, UsageError, withStore, type Command } from './context.ts';

/** `certbound init`: creates (or completes) a data directory. */
export const init: Command = {
  usage: `Usage: certbound init [--dir D] [--san dns:NAME|ip:ADDR]... [--json]

Creates the data directory (default ./.certbound, or $CERTBOUND_DIR): the embedded
database, a platform root CA (ECDSA P-256), the token service's TLS certificate (SAN
localhost, 127.0.0.1, ::1 and each --san), and an ES256 signing key. Writes ca.pem,
tls-cert.pem and tls-key.pem (mode 0600) beside the database. Safe to run again.`,
  async run(args, io) {
    const { values, positionals } = parse(args, { san: { type: 'string', multiple: true } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const dir = dataDir(values.dir);
    const sans = (values.san ?? []).map(parseSanArgument);
    const result = await withStore(dir, (store) => initDataDir(store, dir, sans));
    if (values.json) io.out(JSON.stringify({ dir, created: result.created, files: result.files }, null, 2));
    else {
      io.out(result.created.length > 0 ? `Initialised ${dir}: created ${result.created.join(', ')}.` : `${dir} is already initialised.`);
      io.out(`  platform CA      ${result.files.caCert}\n  TLS certificate  ${result.files.tlsCert}\n  TLS key          ${result.files.tlsKey}`);
    }
    return 0;
  },
};
