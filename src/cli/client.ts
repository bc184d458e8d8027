import { writeCredentialFiles } from '../admin/files.ts';
import type { SubjectMatcherKind } from '../core/model.ts';
import { pemToDer } from '../pki/keys.ts';
import { CLIENT_USAGE } from './usage/client.ts';
import { exactly, field, onTarget, parseAdmin, pemArgument, show } from './admin-command.ts';
import { integerOption, UsageError, type Command } from './context.ts';
import { didYouMean } from './did-you-mean.ts';

const MATCHERS: ReadonlyArray<readonly [string, SubjectMatcherKind]> = [
  ['subject-dn', 'subject_dn'],
  ['san-dns', 'san_dns'],
  ['san-uri', 'san_uri'],
  ['san-ip', 'san_ip'],
  ['san-email', 'san_email'],
];

/** A client as the admin operations return it. */
interface ClientView {
  id: string; partner: string; status: string; auth_method: string; subject: { kind: string; value: string } | null;
  scopes: string[]; resources: string[]; introspects: string[]; token_ttl: number; bound_tokens: boolean;
  certificates: { thumbprint: string; retired_at: string | null }[];
  secret?: string | null; credentials?: { cert_pem: string; key_pem: string | null; ca_pem: string } | null;
}

function describe(c: ClientView): string {
  const lines = [`Client '${c.id}' of partner '${c.partner}' (${c.auth_method}, ${c.status}).`];
  if (c.subject) lines.push(`  expected subject  ${c.subject.kind} ${c.subject.value}`);
  if (c.scopes.length > 0) lines.push(`  scopes            ${c.scopes.join(' ')}`);
  if (c.resources.length > 0) lines.push(`  resources         ${c.resources.join(', ')} (default: ${c.resources[0]})`);
  if (c.introspects.length > 0) lines.push(`  introspects       ${c.introspects.join(', ')}`);
  for (const cert of c.certificates) lines.push(`  certificate       ${cert.thumbprint}${cert.retired_at ? ` (retired ${cert.retired_at})` : ''}`);
  return lines.join('\n');
}

/** The RFC 8705 §2.1.2 subject option given, if any (at most one). */
function subjectOption(values: Readonly<Record<string, unknown>>): { kind: SubjectMatcherKind; value: string } | undefined {
  const given = MATCHERS.filter(([flag]) => values[flag] !== undefined);
  if (given.length > 1) throw new UsageError('give at most one of --subject-dn, --san-dns, --san-uri, --san-ip, --san-email (RFC 8705 §2.1.2)');
  const m = given[0];
  return m ? { kind: m[1], value: values[m[0]] as string } : undefined;
}

const ARITY: Readonly<Record<string, number>> = { add: 1, list: 0, show: 1, disable: 1, enable: 1, delete: 1, update: 1, cert: 2, 'revoke-tokens': 1 };

/** `certbound client …`. */
export const client: Command = {
  usage: CLIENT_USAGE,
  async run(args, io) {
    const { values, positionals } = parseAdmin(args, {
      partner: { type: 'string' },
      auth: { type: 'string' },
      scope: { type: 'string' },
      resource: { type: 'string', multiple: true },
      'subject-dn': { type: 'string' },
      'san-dns': { type: 'string' },
      'san-uri': { type: 'string' },
      'san-ip': { type: 'string' },
      'san-email': { type: 'string' },
      cert: { type: 'string' },
      'issue-cert': { type: 'string' },
      'token-ttl': { type: 'string' },
      'no-bound-tokens': { type: 'boolean' },
      introspects: { type: 'string', multiple: true },
    });
    const [sub, ...rest] = positionals;
    const json = values.json;
    // Refuse a malformed call before touching any data directory.
    const arity = sub === undefined ? undefined : ARITY[sub];
    if (arity === undefined) throw new UsageError(sub === undefined ? 'a subcommand is required' : `unknown subcommand '${sub}'${didYouMean(sub, Object.keys(ARITY))}`);
    if (sub === 'cert') {
      const [action, , thumbprint] = rest;
      const ok = (action === 'add' && rest.length === 2 && values.cert !== undefined) || (action === 'retire' && rest.length === 3 && thumbprint !== undefined);
      if (!ok) throw new UsageError('expected: certbound client cert add <client-id> --cert PEM | cert retire <client-id> <thumbprint>');
    } else exactly(rest, arity, `certbound client ${sub}${arity ? ' <client-id>' : ''}`);
    if (sub === 'add' && values.partner === undefined) throw new UsageError('--partner is required');
    if (sub === 'add' || sub === 'update') subjectOption(values);
    const tokenTtl = integerOption('token-ttl', values['token-ttl'], 1, 86_400);
    return onTarget(values, async (invoke) => {
      switch (sub) {
        case 'add': {
          const [id] = exactly(rest, 1, 'certbound client add <client-id> --partner <partner-id>');
          if (values.partner === undefined) throw new UsageError('--partner is required');
          const subject = subjectOption(values);
          const c = (await invoke('addClient', {
            client: id!,
            partner: values.partner,
            ...(values.auth === undefined ? {} : { auth_method: values.auth }),
            ...(values.scope === undefined ? {} : { scope: values.scope }),
            resources: values.resource ?? [],
            introspects: values.introspects ?? [],
            ...(subject ? { subject_kind: subject.kind, subject_value: subject.value } : {}),
            // Only a self-signed client's certificate is read; for any other method registration refuses --cert.
            ...(values.cert === undefined ? {} : { certificate_pem: values.auth === 'self_signed_tls_client_auth' ? await pemArgument(values.cert, 'certificate') : values.cert }),
            issue_cert: values['issue-cert'] !== undefined,
            ...(tokenTtl === undefined ? {} : { token_ttl: tokenTtl }),
            bound_tokens: !values['no-bound-tokens'],
          })) as ClientView;
          const creds = c.credentials;
          const files = creds && values['issue-cert'] !== undefined
            ? await writeCredentialFiles(values['issue-cert'], { certPem: creds.cert_pem, keyPkcs8: creds.key_pem ? pemToDer(creds.key_pem, 'PRIVATE KEY') : null, caPem: creds.ca_pem })
            : null;
          if (json) {
            io.out(JSON.stringify({
              client_id: c.id,
              partner: c.partner,
              token_endpoint_auth_method: c.auth_method,
              ...(c.subject ? { [`tls_client_auth_${c.subject.kind}`]: c.subject.value } : {}),
              scope: c.scopes.join(' '),
              resources: c.resources,
              introspects: c.introspects,
              token_ttl: c.token_ttl,
              tls_client_certificate_bound_access_tokens: c.bound_tokens,
              ...(c.secret ? { client_secret: c.secret } : {}),
              ...(files ? { files } : {}),
            }, null, 2));
            return 0;
          }
          io.out(describe(c).replace(/^Client '([^']+)' of partner '([^']+)' \(([^,]+), [a-z]+\)\./, "Client '$1' registered for partner '$2' ($3)."));
          if (files) io.out(`  certificate       ${files.cert}\n  private key       ${files.key ?? '(not held by certbound)'}\n  trust (ca.pem)    ${files.ca}`);
          if (c.secret) io.out(`  client_secret     ${c.secret}\n  Store the secret now: it is not shown again and only its hash is kept.`);
          return 0;
        }
        case 'list': {
          exactly(rest, 0, 'certbound client list [--partner P]');
          const list = (await invoke('listClients', values.partner === undefined ? {} : { partner: values.partner })) as ClientView[];
          show(io, json, list, () => (list.length === 0 ? 'No clients.' : list.map((c) => `${c.id}\t${c.partner}\t${c.auth_method}\t${c.status}`).join('\n')));
          return 0;
        }
        case 'delete': {
          const [id] = rest;
          const r = await invoke('deleteClient', { client: id! });
          show(io, json, r, () => `Client '${id}' deleted.`);
          return 0;
        }
        case 'show':
        case 'disable':
        case 'enable':
        case 'revoke-tokens': {
          const [id] = exactly(rest, 1, `certbound client ${sub} <client-id>`);
          const op = ({ show: 'showClient', disable: 'disableClient', enable: 'enableClient', 'revoke-tokens': 'revokeClientTokens' } as const)[sub];
          const r = await invoke(op, { client: id! });
          show(io, json, r, () => (sub === 'revoke-tokens' ? `Every access token of '${id}' issued up to ${field(r, 'revoked_before')} is revoked.` : describe(r as ClientView)));
          return 0;
        }
        case 'update': {
          const [id] = exactly(rest, 1, 'certbound client update <client-id> --subject-dn DN');
          const subject = subjectOption(values);
          if (!subject) throw new UsageError('give the new expected subject: --subject-dn, --san-dns, --san-uri, --san-ip or --san-email');
          const c = (await invoke('setClientSubject', { client: id!, kind: subject.kind, value: subject.value })) as ClientView;
          show(io, json, c, () => describe(c));
          return 0;
        }
        case 'cert': {
          const [action, id, thumbprint, ...extra] = rest;
          if (action === 'add' && id !== undefined && thumbprint === undefined) {
            if (values.cert === undefined) throw new UsageError('--cert is required');
            const c = (await invoke('addClientCertificate', { client: id, certificate_pem: await pemArgument(values.cert, 'certificate') })) as ClientView;
            show(io, json, c, () => describe(c));
            return 0;
          }
          if (action === 'retire' && id !== undefined && thumbprint !== undefined && extra.length === 0) {
            const c = (await invoke('retireClientCertificate', { client: id, thumbprint })) as ClientView;
            show(io, json, c, () => describe(c));
            return 0;
          }
          throw new UsageError('expected: certbound client cert add <client-id> --cert PEM | cert retire <client-id> <thumbprint>');
        }
        default:
          throw new UsageError(sub === undefined ? 'a subcommand is required' : `unknown subcommand '${sub}'${didYouMean(sub, Object.keys(ARITY))}`);
      }
    });
  },
};
