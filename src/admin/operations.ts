import type { AuthMethod, SubjectMatcherKind } from '../core/model.ts';
import { addAdminCertificate, listAdminCertificates, removeAdminCertificate } from './admins.ts';
import { importAnchors, removeAnchor, setAnchorCrl } from './anchors.ts';
import { listCertificates, revokeCertificate, signCsr } from './certificates.ts';
import {
  addClientCertificate,
  deleteClient,
  listClients,
  retireClientCertificate,
  revokeTokens,
  setClientStatus,
  setClientSubject,
  showClient,
} from './client-lifecycle.ts';
import { caBundle } from './ca-bundle.ts';
import { registerClient } from './clients.ts';
import { parseTimestamp } from '../core/timestamp.ts';
import { InvalidAdminInput, opt, optStr, str, strList, type JsonSchema, type Operation } from './operation.ts';
import { addPartner, deletePartner, getPartner, listPartners, setPartnerStatus, showPartner } from './partners.ts';
import { addResource, grantResource, listResources, revokeGrant, showResource } from './resources.ts';
import { SIGNING_KEY_OPERATIONS } from './signing-keys.ts';
import { SERVICE_CERTIFICATE_OPERATIONS } from './service-certificate.ts';

/** No control character (C0, DEL, C1): they forge log lines and audit rows, and PostgreSQL refuses NUL. */
export const NO_CONTROL = '^[^\\u0000-\\u001F\\u007F-\\u009F]*$';
/** PEM text may hold line breaks and tabs, and no other control character. */
const PEM_TEXT = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$';
/** An identifier (partner, client, administrator, thumbprint, serial): longer than any valid one is refused early. */
export const ID_MAX = 128;
const id = { type: 'string', minLength: 1, maxLength: ID_MAX, pattern: NO_CONTROL } as const;
const string = { type: 'string', minLength: 1, maxLength: 2048, pattern: NO_CONTROL } as const;
const text = { type: 'string', maxLength: 2048, pattern: NO_CONTROL } as const;
const pem = { type: 'string', minLength: 1, maxLength: 65_536, pattern: PEM_TEXT } as const;
const strings = { type: 'array', items: string, maxItems: 100 } as const;

function object(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return { type: 'object', properties, required, additionalProperties: false };
}

/**
 * Every admin operation: what the CLI runs on a local data directory and what the admin API
 * serves. Inputs and outputs are JSON in snake_case.
 */
export const OPERATIONS: readonly Operation[] = [
  {
    id: 'listPartners', method: 'GET', path: '/v1/partners', summary: 'List partners with their anchors, clients and resources', changes: false,
    run: (ctx) => listPartners(ctx.store),
  },
  {
    id: 'addPartner', method: 'POST', path: '/v1/partners', changes: true,
    summary: 'Add a partner: with an issuing CA certbound creates, or with its own CA certificates (ca_pem) imported',
    input: object({ partner: id, ca_pem: pem, crl: string }, ['partner']),
    run: (ctx, i) => addPartner(ctx.store, str(i, 'partner'), { ...(optStr(i, 'ca_pem') === undefined ? {} : { caPem: optStr(i, 'ca_pem')! }), crlSource: optStr(i, 'crl') ?? null }),
  },
  {
    id: 'caBundle', method: 'GET', path: '/v1/ca-bundle', changes: false,
    summary: 'The CA certificates a TLS proxy in front of an API must trust: the platform root and enabled partners\' imported anchors (PEM, and each described)',
    run: (ctx) => caBundle(ctx.store),
  },
  {
    id: 'showPartner', method: 'GET', path: '/v1/partners/{partner}', summary: 'Show a partner', changes: false,
    run: (ctx, i) => showPartner(ctx.store, str(i, 'partner')),
  },
  {
    id: 'disablePartner', method: 'POST', path: '/v1/partners/{partner}/disable', changes: true,
    summary: 'Disable a partner: no tokens for its clients, its anchors leave the trust set, its live tokens introspect inactive',
    run: (ctx, i) => setPartnerStatus(ctx.store, str(i, 'partner'), 'disabled'),
  },
  {
    id: 'enablePartner', method: 'POST', path: '/v1/partners/{partner}/enable', summary: 'Re-enable a disabled partner', changes: true,
    run: (ctx, i) => setPartnerStatus(ctx.store, str(i, 'partner'), 'active'),
  },
  {
    id: 'deletePartner', method: 'DELETE', path: '/v1/partners/{partner}', summary: 'Delete a partner that has no clients', changes: true,
    run: (ctx, i) => deletePartner(ctx.store, str(i, 'partner')),
  },
  {
    id: 'addAnchors', method: 'POST', path: '/v1/partners/{partner}/anchors', changes: true,
    summary: "Import CA certificates (PEM) as the partner's trust anchors, optionally with where their CRL is fetched from",
    input: object({ ca_pem: pem, crl: string }, ['ca_pem']),
    run: async (ctx, i) => {
      await getPartner(ctx.store, str(i, 'partner'));
      return importAnchors(ctx.store, str(i, 'partner'), str(i, 'ca_pem'), optStr(i, 'crl') ?? null);
    },
  },
  {
    id: 'removeAnchor', method: 'DELETE', path: '/v1/partners/{partner}/anchors/{fingerprint}', summary: 'Remove an imported trust anchor', changes: true,
    run: (ctx, i) => removeAnchor(ctx.store, str(i, 'partner'), str(i, 'fingerprint')),
  },
  {
    id: 'setAnchorCrl', method: 'PUT', path: '/v1/partners/{partner}/crl', changes: true,
    summary: "Set (or clear, with null) the CRL source of one of the partner's imported CAs: an https URL or the absolute path of a regular file",
    input: object({ crl: { type: ['string', 'null'], maxLength: 2048, pattern: NO_CONTROL }, fingerprint: id }, ['crl']),
    run: (ctx, i) => setAnchorCrl(ctx.store, str(i, 'partner'), optStr(i, 'crl') ?? null, optStr(i, 'fingerprint')),
  },
  {
    id: 'revokePartnerTokens', method: 'POST', path: '/v1/partners/{partner}/revoke-tokens', changes: true,
    summary: "Revoke every live access token of the partner's clients", run: (ctx, i) => revokeTokens(ctx.store, 'partner', str(i, 'partner')),
  },
  {
    id: 'listClients', method: 'GET', path: '/v1/clients', summary: 'List clients, optionally of one partner', changes: false,
    input: object({ partner: id }),
    run: (ctx, i) => listClients(ctx.store, optStr(i, 'partner')),
  },
  {
    id: 'addClient', method: 'POST', path: '/v1/clients', changes: true,
    summary: 'Register a client (RFC 8705 §2 metadata); issue_cert returns a development key and certificate',
    input: object(
      {
        client: id, partner: id, auth_method: string, scope: text, resources: strings, introspects: strings,
        subject_kind: { type: 'string', enum: ['subject_dn', 'san_dns', 'san_uri', 'san_ip', 'san_email'] }, subject_value: string,
        certificate_pem: pem, issue_cert: { type: 'boolean' }, token_ttl: { type: 'integer', minimum: 1, maximum: 86_400 }, bound_tokens: { type: 'boolean' },
      },
      ['client', 'partner'],
    ),
    run: async (ctx, i) => {
      const kind = optStr(i, 'subject_kind') as SubjectMatcherKind | undefined;
      const registered = await registerClient(ctx.store, {
        id: str(i, 'client'),
        partnerId: str(i, 'partner'),
        ...(optStr(i, 'auth_method') === undefined ? {} : { authMethod: optStr(i, 'auth_method') as AuthMethod }),
        ...(optStr(i, 'scope') === undefined ? {} : { scope: optStr(i, 'scope')! }),
        resources: strList(i, 'resources') ?? [],
        introspects: strList(i, 'introspects') ?? [],
        ...(kind === undefined ? {} : { subject: { kind, value: str(i, 'subject_value') } }),
        ...(optStr(i, 'certificate_pem') === undefined ? {} : { certificatePem: optStr(i, 'certificate_pem')! }),
        issueCert: opt(i, 'issue_cert', 'boolean') ?? false,
        ...(opt(i, 'token_ttl', 'number') === undefined ? {} : { tokenTtl: opt(i, 'token_ttl', 'number')! }),
        ...(opt(i, 'bound_tokens', 'boolean') === undefined ? {} : { boundTokens: opt(i, 'bound_tokens', 'boolean')! }),
      });
      return {
        ...(await showClient(ctx.store, registered.client.id)),
        secret: registered.secret,
        credentials: registered.credentials && { cert_pem: registered.credentials.certPem, key_pem: registered.credentials.keyPem, ca_pem: registered.credentials.caPem },
      };
    },
  },
  {
    id: 'showClient', method: 'GET', path: '/v1/clients/{client}', summary: 'Show a client', changes: false,
    run: (ctx, i) => showClient(ctx.store, str(i, 'client')),
  },
  {
    id: 'disableClient', method: 'POST', path: '/v1/clients/{client}/disable', summary: 'Disable a client: no tokens, its live tokens introspect inactive', changes: true,
    run: (ctx, i) => setClientStatus(ctx.store, str(i, 'client'), 'disabled'),
  },
  {
    id: 'enableClient', method: 'POST', path: '/v1/clients/{client}/enable', summary: 'Re-enable a disabled client', changes: true,
    run: (ctx, i) => setClientStatus(ctx.store, str(i, 'client'), 'active'),
  },
  {
    id: 'deleteClient', method: 'DELETE', path: '/v1/clients/{client}', summary: 'Delete a client: no more tokens, its live tokens introspect inactive', changes: true,
    run: (ctx, i) => deleteClient(ctx.store, str(i, 'client')),
  },
  {
    id: 'setClientSubject', method: 'PUT', path: '/v1/clients/{client}/subject', changes: true,
    summary: "Replace a tls_client_auth client's expected certificate subject in one change",
    input: object({ kind: { type: 'string', enum: ['subject_dn', 'san_dns', 'san_uri', 'san_ip', 'san_email'] }, value: string }, ['kind', 'value']),
    run: (ctx, i) => setClientSubject(ctx.store, str(i, 'client'), str(i, 'kind') as SubjectMatcherKind, str(i, 'value')),
  },
  {
    id: 'addClientCertificate', method: 'POST', path: '/v1/clients/{client}/certificates', changes: true,
    summary: 'Register one more certificate for a self_signed_tls_client_auth client (rotation)',
    input: object({ certificate_pem: pem }, ['certificate_pem']),
    run: (ctx, i) => addClientCertificate(ctx.store, str(i, 'client'), str(i, 'certificate_pem')),
  },
  {
    id: 'retireClientCertificate', method: 'DELETE', path: '/v1/clients/{client}/certificates/{thumbprint}', changes: true,
    summary: "Retire a self-signed client's certificate once its servers have moved to the new one",
    run: (ctx, i) => retireClientCertificate(ctx.store, str(i, 'client'), str(i, 'thumbprint')),
  },
  {
    id: 'revokeClientTokens', method: 'POST', path: '/v1/clients/{client}/revoke-tokens', summary: 'Revoke every live access token of a client', changes: true,
    run: (ctx, i) => revokeTokens(ctx.store, 'client', str(i, 'client')),
  },
  {
    id: 'listResources', method: 'GET', path: '/v1/resources', summary: 'List APIs with their scopes and grants', changes: false,
    input: object({ owner: id }),
    run: (ctx, i) => listResources(ctx.store, optStr(i, 'owner')),
  },
  {
    id: 'addResource', method: 'POST', path: '/v1/resources', changes: true,
    summary: 'Register an API by its identifier (the aud of its tokens) with its scopes and owning partner; again to update its scopes',
    input: object({ resource: string, owner: id, scope: text }, ['resource', 'owner']),
    run: (ctx, i) => addResource(ctx.store, str(i, 'resource'), str(i, 'owner'), optStr(i, 'scope')),
  },
  {
    id: 'showResource', method: 'GET', path: '/v1/resources/{resource}', summary: 'Show an API (its identifier URL-encoded in the path)', changes: false,
    run: (ctx, i) => showResource(ctx.store, str(i, 'resource')),
  },
  {
    id: 'grantResource', method: 'POST', path: '/v1/grants', changes: true,
    summary: "Grant a partner's clients, or one client, tokens for an API with a subset of its scopes (all when none are named)",
    input: object({ resource: string, partner: id, client: id, scope: text }, ['resource', 'partner']),
    run: (ctx, i) => grantResource(ctx.store, str(i, 'resource'), str(i, 'partner'), {
      ...(optStr(i, 'client') === undefined ? {} : { client: optStr(i, 'client')! }),
      ...(optStr(i, 'scope') === undefined ? {} : { scope: optStr(i, 'scope')! }),
    }),
  },
  {
    id: 'revokeGrant', method: 'DELETE', path: '/v1/grants', changes: true,
    summary: 'Withdraw a grant: new tokens are refused and the tokens it covered introspect inactive',
    input: object({ resource: string, partner: id, client: id }, ['resource', 'partner']),
    run: (ctx, i) => revokeGrant(ctx.store, str(i, 'resource'), str(i, 'partner'), optStr(i, 'client')),
  },
  {
    id: 'listCertificates', method: 'GET', path: '/v1/certificates', summary: 'List certificates certbound issued, with their revocation state', changes: false,
    input: object({ partner: id }),
    run: (ctx, i) => listCertificates(ctx.store, optStr(i, 'partner')),
  },
  {
    id: 'signCertificate', method: 'POST', path: '/v1/certificates', changes: true,
    summary: "Sign a partner's CSR with its issuing CA: the private key never leaves the partner",
    input: object({ partner: id, csr_pem: pem, client: id, days: { type: 'integer', minimum: 1, maximum: 397 }, san_uris: strings }, ['partner', 'csr_pem']),
    run: (ctx, i) => signCsr(ctx.store, {
      partner: str(i, 'partner'),
      csr: str(i, 'csr_pem'),
      ...(optStr(i, 'client') === undefined ? {} : { client: optStr(i, 'client')! }),
      ...(opt(i, 'days', 'number') === undefined ? {} : { days: opt(i, 'days', 'number')! }),
      sanUris: strList(i, 'san_uris') ?? [],
    }),
  },
  {
    id: 'revokeCertificate', method: 'POST', path: '/v1/certificates/revoke', changes: true,
    summary: 'Revoke a certificate by serial (issued by certbound) or x5t#S256 thumbprint: token requests with it fail at once',
    input: object({ serial: id, thumbprint: id, reason: string }),
    run: (ctx, i) => revokeCertificate(ctx.store, {
      ...(optStr(i, 'serial') === undefined ? {} : { serial: optStr(i, 'serial')! }),
      ...(optStr(i, 'thumbprint') === undefined ? {} : { thumbprint: optStr(i, 'thumbprint')! }),
      ...(optStr(i, 'reason') === undefined ? {} : { reason: optStr(i, 'reason')! }),
    }).then((r) => ({ thumbprint: r.thumbprint, serial: r.serial, partner: r.partnerId, client: r.clientId, reason: r.reason, revoked_at: r.revokedAt.toISOString() })),
  },
  {
    id: 'listAdminCertificates', method: 'GET', path: '/v1/admin-certificates', summary: 'List administrator certificates', changes: false,
    run: (ctx) => listAdminCertificates(ctx.store),
  },
  {
    id: 'addAdminCertificate', method: 'POST', path: '/v1/admin-certificates', changes: true,
    summary: 'Register an administrator certificate (given, or issued with a new key that is returned once)',
    input: object({ name: id, certificate_pem: pem }, ['name']),
    run: (ctx, i) => addAdminCertificate(ctx.store, str(i, 'name'), optStr(i, 'certificate_pem')),
  },
  {
    id: 'removeAdminCertificate', method: 'DELETE', path: '/v1/admin-certificates/{thumbprint}', summary: 'Remove an administrator certificate', changes: true,
    run: (ctx, i) => removeAdminCertificate(ctx.store, str(i, 'thumbprint')),
  },
  {
    id: 'queryAudit', method: 'GET', path: '/v1/audit', summary: 'Audit events, newest last, filtered by partner, client, time and outcome', changes: false,
    input: object({ partner: id, client: id, since: string, outcome: { type: 'string', enum: ['success', 'denied'] }, limit: { type: 'string', pattern: '^(?:[1-9][0-9]{0,3}|10000)$' } }),
    run: async (ctx, i) => {
      const since = optStr(i, 'since');
      const events = await ctx.store.queryAudit({
        ...(optStr(i, 'partner') === undefined ? {} : { partnerId: optStr(i, 'partner')! }),
        ...(optStr(i, 'client') === undefined ? {} : { clientId: optStr(i, 'client')! }),
        ...(since === undefined ? {} : { since: parseSince(since) }),
        ...(optStr(i, 'outcome') === undefined ? {} : { outcome: optStr(i, 'outcome') as 'success' | 'denied' }),
        ...(typeof i['limit'] === 'number' ? { limit: i['limit'] } : typeof i['limit'] === 'string' ? { limit: Number(i['limit']) } : {}),
      });
      return events.map((e) => ({
        id: e.id, at: e.at.toISOString(), event: e.event, outcome: e.outcome, reason: e.reason ?? null, actor: e.actor ?? null,
        partner: e.partnerId ?? null, client: e.clientId ?? null, thumbprint: e.thumbprint ?? null, serial: e.serial ?? null,
        resource: e.resource ?? null, detail: e.detail ?? null,
      }));
    },
  },
  {
    id: 'pruneAudit', method: 'DELETE', path: '/v1/audit', changes: true,
    summary: 'Delete audit events older than a time or a duration back from now (retention)',
    input: object({ before: string }, ['before']),
    run: async (ctx, i) => {
      const before = parseSince(str(i, 'before'), new Date(), 'before');
      return { before: before.toISOString(), deleted: await ctx.store.pruneAudit(before) };
    },
  },
  ...SIGNING_KEY_OPERATIONS,
  ...SERVICE_CERTIFICATE_OPERATIONS,
];

/**
 * `--since` / `--before`: an RFC 3339 time or ISO 8601 date (parsed strictly: no roll-over of
 * impossible dates), or a duration back from now such as `30m`, `12h`, `7d`.
 */
export function parseSince(value: string, now = new Date(), name = 'since'): Date {
  const m = /^(\d{1,6})([smhd])$/.exec(value);
  if (m) return new Date(now.getTime() - Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd']);
  const date = parseTimestamp(value);
  if (date === null) {
    throw new InvalidAdminInput(`${name} '${value}' is neither an existing date or RFC 3339 time (2026-02-01, 2026-02-01T12:00:00Z) nor a duration like 30m, 12h, 7d`);
  }
  return date;
}

/** The operation with this id. */
export function operation(id: string): Operation {
  const op = OPERATIONS.find((o) => o.id === id);
  if (!op) throw new RangeError(`no admin operation '${id}'`);
  return op;
}
