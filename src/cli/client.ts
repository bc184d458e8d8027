import { registerClient, type ClientRegistration } from '../admin/clients.ts';
import type { AuthMethod, SubjectMatcherKind } from '../core/model.ts';
import { dataDir, integerOption, parse, UsageError, withStore, type Command } from './context.ts';

const MATCHERS: ReadonlyArray<readonly [string, SubjectMatcherKind]> = [
  ['subject-dn', 'subject_dn'],
  ['san-dns', 'san_dns'],
  ['san-uri', 'san_uri'],
  ['san-ip', 'san_ip'],
  ['san-email', 'san_email'],
];

/** `certbound client add <id> --partner P …`. */
export const client: Command = {
  usage: `Usage: certbound client add <client-id> --partner <partner-id> [options] [--dir D] [--json]

Registers a client (a server that asks for tokens). Client ids are unique across the service.

  --auth METHOD          tls_client_auth (default) | self_signed_tls_client_auth |
                         client_secret_basic | client_secret_post
  --scope "a b"          scopes the client may request (default: none)
  --resource URI         an API the client may get tokens for; repeat for more. The first
                         is its default audience. Unknown ones are registered for the partner.
  --subject-dn DN | --san-dns NAME | --san-uri URI | --san-ip IP | --san-email ADDR
                         the one expected certificate subject of a tls_client_auth client
                         (RFC 8705 §2.1.2)
  --cert PEM             the certificate of a self_signed_tls_client_auth client (file or PEM)
  --issue-cert DIR       make a key and certificate (CN=<client-id>, O=<partner-id>, from the
                         partner's CA) into DIR/key.pem, DIR/cert.pem, DIR/ca.pem
  --token-ttl SECONDS    access token lifetime (default 600)
  --no-bound-tokens      do not require certificate-bound tokens
  --introspects URI      may introspect tokens for this resource (acts as its resource server)

A secret client's secret is printed once and stored only as a hash.`,
  async run(args, io) {
    const { values, positionals } = parse(args, {
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
    const [sub, id, ...rest] = positionals;
    if (sub !== 'add' || id === undefined || rest.length > 0) throw new UsageError('expected: certbound client add <client-id> --partner <partner-id>');
    if (values.partner === undefined) throw new UsageError('--partner is required');
    const given = MATCHERS.filter(([flag]) => values[flag as 'subject-dn'] !== undefined);
    if (given.length > 1) throw new UsageError('give at most one of --subject-dn, --san-dns, --san-uri, --san-ip, --san-email (RFC 8705 §2.1.2)');
    const matcher = given[0];
    const tokenTtl = integerOption('token-ttl', values['token-ttl'], 1, 86_400);
    const reg: ClientRegistration = {
      id,
      partnerId: values.partner,
      ...(values.auth === undefined ? {} : { authMethod: values.auth as AuthMethod }),
      ...(values.scope === undefined ? {} : { scope: values.scope }),
      resources: values.resource ?? [],
      introspects: values.introspects ?? [],
      ...(matcher ? { subject: { kind: matcher[1], value: values[matcher[0] as 'subject-dn']! } } : {}),
      ...(values.cert === undefined ? {} : { certificatePem: values.cert }),
      ...(values['issue-cert'] === undefined ? {} : { issueCertTo: values['issue-cert'] }),
      ...(tokenTtl === undefined ? {} : { tokenTtl }),
      boundTokens: !values['no-bound-tokens'],
    };
    const dir = dataDir(values.dir);
    const { client: c, secret, files } = await withStore(dir, (store) => registerClient(store, reg));
    if (values.json) {
      io.out(JSON.stringify({
        client_id: c.id,
        partner: c.partnerId,
        token_endpoint_auth_method: c.authMethod,
        ...(c.subject ? { [`tls_client_auth_${c.subject.kind}`]: c.subject.value } : {}),
        scope: c.scopes.join(' '),
        resources: c.resources,
        introspects: c.introspects,
        token_ttl: c.tokenTtl,
        tls_client_certificate_bound_access_tokens: c.boundTokens,
        ...(secret === null ? {} : { client_secret: secret }),
        ...(files ? { files } : {}),
      }, null, 2));
      return 0;
    }
    io.out(`Client '${c.id}' registered for partner '${c.partnerId}' (${c.authMethod}).`);
    if (c.subject) io.out(`  expected subject  ${c.subject.kind} ${c.subject.value}`);
    if (c.scopes.length > 0) io.out(`  scopes            ${c.scopes.join(' ')}`);
    if (c.resources.length > 0) io.out(`  resources         ${c.resources.join(', ')} (default: ${c.resources[0]})`);
    if (files) io.out(`  certificate       ${files.cert}\n  private key       ${files.key ?? '(not held by certbound)'}\n  trust (ca.pem)    ${files.ca}`);
    if (secret !== null) io.out(`  client_secret     ${secret}\n  Store the secret now: it is not shown again and only its hash is kept.`);
    return 0;
  },
};
