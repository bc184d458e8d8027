import { writeFile } from 'node:fs/promises';
import { issueServerCertificate, parseSanArgument } from '../admin/certs.ts';
import { CERT_USAGE } from './usage/cert.ts';
import { field, onTarget, parseAdmin, pemArgument, show } from './admin-command.ts';
import { assertDataDirInitialised, integerOption, UsageError, useDataDir, withStore, type Command } from './context.ts';
import { didYouMean } from './did-you-mean.ts';
import { CertboundError } from '../core/certbound-error.ts';
import { DataDirectoryBusy } from '../storage/lock.ts';
import { parseDuration } from './duration.ts';

/** `certbound cert server|sign|revoke|list|expiring`. */
export const cert: Command = {
  usage: CERT_USAGE,
  async run(args, io) {
    const { values, positionals } = parseAdmin(args, {
      san: { type: 'string', multiple: true },
      out: { type: 'string' },
      partner: { type: 'string' },
      csr: { type: 'string' },
      client: { type: 'string' },
      days: { type: 'string' },
      'san-uri': { type: 'string', multiple: true },
      serial: { type: 'string' },
      thumbprint: { type: 'string' },
      reason: { type: 'string' },
      renew: { type: 'boolean' },
      within: { type: 'string' },
    });
    if (values.renew && positionals[0] !== 'server') throw new UsageError('--renew goes with cert server');
    if (values.within !== undefined && positionals[0] !== 'expiring') throw new UsageError('--within goes with cert expiring');
    const [sub, name, ...rest] = positionals;
    if (sub === 'server' && values.renew) {
      if (name !== undefined || values.san !== undefined || values.out !== undefined) throw new UsageError('cert server --renew takes no name, --san or --out: it renews the token service certificate');
      const r = await onTarget(values, (invoke) => invoke('renewServiceCertificate'));
      show(io, values.json, r, () => `Token service certificate renewed (serial ${field(r, 'serial')}, valid until ${field(r, 'not_after')}); a running serve serves it from the next handshake on.`);
      return 0;
    }
    if (sub === 'expiring') {
      if (name !== undefined) throw new UsageError(`unexpected argument '${name}'`);
      const within = parseDuration('within', values.within ?? '30d', 0, 3_650 * 86_400_000);
      const list = (await onTarget(values, (invoke) => invoke('listExpiringCertificates', { within_seconds: within / 1000 }))) as Record<string, unknown>[];
      show(io, values.json, list, () =>
        list.length === 0
          ? `No certificate expires within ${values.within ?? '30d'}.`
          : list.map((c) => `${String(c['not_after'])}\t${String(c['kind'])}\t${String(c['name'])}\t${String(c['subject'])}`).join('\n'),
      );
      return 0;
    }
    if (sub === 'server') {
      if (name === undefined || rest.length > 0) throw new UsageError('expected: certbound cert server <name> --san … --out DIR');
      if (values.out === undefined) throw new UsageError('--out is required');
      if (!values.san?.length) throw new UsageError('at least one --san is required');
      const sans = values.san.map(parseSanArgument);
      const outDir = values.out;
      const target = await useDataDir(values);
      await assertDataDirInitialised(target.dir);
      const { leaf, files } = await withStore(target, (store) => issueServerCertificate(store, name, sans, outDir)).catch((err: unknown) => {
        // The exact order of steps: this one command is not routed through the admin API (it would hand a private key over it).
        if (err instanceof DataDirectoryBusy) {
          throw new CertboundError('ERR_CERTBOUND_DIR_BUSY', `${err.message} cert server signs with the platform CA's key in the data directory and does not go through the admin API: stop serve, run it, start serve again — or make API certificates after certbound init, before the first serve.`);
        }
        throw err;
      });
      if (values.json) io.out(JSON.stringify({ serial: leaf.serial, thumbprint: leaf.thumbprint, not_after: leaf.notAfter, files }, null, 2));
      else io.out(`Server certificate '${name}' issued (serial ${leaf.serial}, valid until ${leaf.notAfter.toISOString()}).\n  certificate  ${files.cert}\n  private key  ${files.key}\n  trust        ${files.ca}\nServe it with TLS 1.3, or TLS 1.2 with ECDHE and AEAD ciphers only (RFC 9325): TLS_POLICY from certbound/resource, see docs/resource-servers.md.`);
      return 0;
    }
    if (name !== undefined) throw new UsageError(`unexpected argument '${name}'`);
    if (sub === 'sign') {
      if (values.partner === undefined || values.csr === undefined) throw new UsageError('--partner and --csr are required');
      const days = integerOption('days', values.days, 1, 397);
      const csr = await pemArgument(values.csr, 'CSR');
      const signed = await onTarget(values, (invoke) =>
        invoke('signCertificate', {
          partner: values.partner!,
          csr_pem: csr,
          ...(values.client === undefined ? {} : { client: values.client }),
          ...(days === undefined ? {} : { days }),
          san_uris: values['san-uri'] ?? [],
        }),
      );
      if (values.out !== undefined) await writeFile(values.out, field(signed, 'chain_pem'), { mode: 0o644 });
      show(io, values.json, signed, () =>
        values.out === undefined
          ? field(signed, 'chain_pem').trimEnd()
          : `Certificate signed for partner '${values.partner}' (subject ${field(signed, 'subject')}, serial ${field(signed, 'serial')}, valid until ${field(signed, 'not_after')}), written to ${values.out}.`,
      );
      return 0;
    }
    if (sub === 'revoke') {
      if ((values.serial === undefined) === (values.thumbprint === undefined)) throw new UsageError('give exactly one of --serial or --thumbprint');
      const input = {
        ...(values.serial === undefined ? {} : { serial: values.serial }),
        ...(values.thumbprint === undefined ? {} : { thumbprint: values.thumbprint }),
        ...(values.reason === undefined ? {} : { reason: values.reason }),
      };
      const r = await onTarget(values, (invoke) => invoke('revokeCertificate', input));
      show(io, values.json, r, () => `Certificate ${field(r, 'thumbprint')} revoked (${field(r, 'reason')}).`);
      return 0;
    }
    if (sub === 'list') {
      const list = (await onTarget(values, (invoke) => invoke('listCertificates', values.partner === undefined ? {} : { partner: values.partner }))) as Record<string, unknown>[];
      show(io, values.json, list, () =>
        list.length === 0 ? 'No certificates.' : list.map((c) => `${String(c['serial'])}\t${String(c['issuer'])}\t${String(c['client'] ?? '-')}\t${String(c['subject'])}\t${c['revoked_at'] ? 'revoked' : 'valid'}`).join('\n'),
      );
      return 0;
    }
    throw new UsageError(sub === undefined ? 'a subcommand is required' : `unknown subcommand '${sub}'${didYouMean(sub, ['sign', 'revoke', 'list', 'server', 'expiring'])}`);
  },
};
