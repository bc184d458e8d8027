import { issueServerCertificate, parseSanArgument } from '../admin/certs.ts';
import { dataDir, parse, UsageError, withStore, type Command } from './context.ts';

/** `certbound cert server <name> --san … --out DIR`. */
export const cert: Command = {
  usage: `Usage: certbound cert server <name> --san dns:NAME|ip:ADDR [--san …] --out DIR [--dir D] [--json]

Issues a TLS server certificate from the platform CA, for a resource server or a proxy, so
that clients trusting the platform ca.pem reach it too. Writes DIR/cert.pem, DIR/key.pem
(mode 0600) and DIR/ca.pem.`,
  async run(args, io) {
    const { values, positionals } = parse(args, { san: { type: 'string', multiple: true }, out: { type: 'string' } });
    const [sub, name, ...rest] = positionals;
    if (sub !== 'server' || name === undefined || rest.length > 0) throw new UsageError('expected: certbound cert server <name> --san … --out DIR');
    if (values.out === undefined) throw new UsageError('--out is required');
    if (!values.san?.length) throw new UsageError('at least one --san is required');
    const sans = values.san.map(parseSanArgument);
    const dir = dataDir(values.dir);
    const outDir = values.out;
    const { leaf, files } = await withStore(dir, (store) => issueServerCertificate(store, name, sans, outDir));
    if (values.json) io.out(JSON.stringify({ serial: leaf.serial, thumbprint: leaf.thumbprint, not_after: leaf.notAfter, files }, null, 2));
    else io.out(`Server certificate '${name}' issued (serial ${leaf.serial}, valid until ${leaf.notAfter.toISOString()}).\n  certificate  ${files.cert}\n  private key  ${files.key}\n  trust        ${files.ca}`);
    return 0;
  },
};
