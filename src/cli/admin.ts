import { writeCredentialFiles } from '../admin/files.ts';
import { pemToDer } from '../pki/keys.ts';
import { ADMIN_USAGE } from './usage/admin.ts';
import { exactly, field, onTarget, parseAdmin, pemArgument, show } from './admin-command.ts';
import { didYouMean } from './did-you-mean.ts';
import { UsageError, type Command } from './context.ts';

/** `certbound admin add-cert|list-certs|remove-cert`. */
export const admin: Command = {
  usage: ADMIN_USAGE,
  async run(args, io) {
    const { values, positionals } = parseAdmin(args, { out: { type: 'string' }, cert: { type: 'string' } });
    const [sub, ...rest] = positionals;
    if (sub === 'add-cert') {
      const [name] = exactly(rest, 1, 'certbound admin add-cert <name> --out DIR | --cert PEM');
      if ((values.out === undefined) === (values.cert === undefined)) throw new UsageError('give exactly one of --out DIR or --cert PEM');
      const certificate = values.cert === undefined ? undefined : await pemArgument(values.cert, 'certificate');
      const added = (await onTarget(values, (invoke) => invoke('addAdminCertificate', { name: name!, ...(certificate === undefined ? {} : { certificate_pem: certificate }) }))) as Record<string, string | null>;
      const keyPem = added['key_pem'];
      const files = values.out === undefined ? null : await writeCredentialFiles(values.out, { certPem: added['cert_pem']!, keyPkcs8: keyPem ? pemToDer(keyPem, 'PRIVATE KEY') : null, caPem: added['ca_pem']! });
      const { key_pem: _key, ...shown } = added;
      show(io, values.json, { ...shown, ...(files ? { files } : {}) }, () => `Administrator '${name}' added (${field(added, 'thumbprint')}).${files ? `\n  certificate  ${files.cert}\n  private key  ${files.key}\n  trust        ${files.ca}` : ''}`);
      return 0;
    }
    if (sub === 'list-certs') {
      exactly(rest, 0, 'certbound admin list-certs');
      const list = (await onTarget(values, (invoke) => invoke('listAdminCertificates'))) as Record<string, string>[];
      show(io, values.json, list, () => (list.length === 0 ? 'No administrator certificates.' : list.map((c) => `${c['name']}\t${c['thumbprint']}\t${c['created_at']}`).join('\n')));
      return 0;
    }
    if (sub === 'remove-cert') {
      const [thumbprint] = exactly(rest, 1, 'certbound admin remove-cert <thumbprint>');
      const r = await onTarget(values, (invoke) => invoke('removeAdminCertificate', { thumbprint: thumbprint! }));
      show(io, values.json, r, () => `Administrator certificate ${thumbprint} removed.`);
      return 0;
    }
    throw new UsageError(sub === undefined ? 'a subcommand is required' : `unknown subcommand '${sub}'${didYouMean(sub, ['add-cert', 'list-certs', 'remove-cert'])}`);
  },
};
