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
import { AUDIT_OPERATIONS } from './audit-operations.ts';
import { id, integer, NO_CONTROL, object, pem, string, strings, subjectKind, text } from './input-schemas.ts';
import { defineOperation, InvalidAdminInput, type CallerInput, type Operation } from './operation.ts';
import { addPartner, deletePartner, getPartner, listPartners, setPartnerStatus, showPartner } from './partners.ts';
import { addResource, grantResource, listResources, revokeGrant, showResource } from './resources.ts';
import { SIGNING_KEY_OPERATIONS } from './signing-keys.ts';
import { SERVICE_CERTIFICATE_OPERATIONS } from './service-certificate.ts';

/**
 * Every admin operation: what the CLI runs on a local data directory and what the admin API
 * serves. Inputs and outputs are JSON in snake_case.
 */
export const OPERATIONS = [
  defineOperation({
    id: 'listPartners', method: 'GET', path: '/v1/partners', summary: 'List partners with their anchors, clients and resources', changes: false,
    run: (ctx) => listPartners(ctx.store),
  }),
  defineOperation({
    id: 'addPartner', method: 'POST', path: '/v1/partners', changes: true,
    summary: 'Add a partner: with an issuing CA certbound creates, or with its own CA certificates (ca_pem) imported',
    input: object({ partner: id, ca_pem: pem, crl: string }, ['partner']),
    run: (ctx, i) => addPartner(ctx.store, i.partner, { caPem: i.ca_pem, crlSource: i.crl ?? null }),
  }),
  defineOperation({
    id: 'caBundle', method: 'GET', path: '/v1/ca-bundle', changes: false,
    summary: 'The CA certificates a TLS proxy in front of an API must trust: the platform root and enabled partners\' imported anchors (PEM, and each described)',
    run: (ctx) => caBundle(ctx.store),
  }),
  defineOperation({
    id: 'showPartner', method: 'GET', path: '/v1/partners/{partner}', summary: 'Show a partner', changes: false,
    run: (ctx, i) => showPartner(ctx.store, i.partner),
  }),
  defineOperation({
    id: 'disablePartner', method: 'POST', path: '/v1/partners/{partner}/disable', changes: true,
    summary: 'Disable a partner: no tokens for its clients, its anchors leave the trust set, its live tokens introspect inactive',
    run: (ctx, i) => setPartnerStatus(ctx.store, i.partner, 'disabled'),
  }),
  defineOperation({
    id: 'enablePartner', method: 'POST', path: '/v1/partners/{partner}/enable', summary: 'Re-enable a disabled partner', changes: true,
    run: (ctx, i) => setPartnerStatus(ctx.store, i.partner, 'active'),
  }),
  defineOperation({
    id: 'deletePartner', method: 'DELETE', path: '/v1/partners/{partner}', summary: 'Delete a partner that has no clients', changes: true,
    run: (ctx, i) => deletePartner(ctx.store, i.partner),
  }),
  defineOperation({
    id: 'addAnchors', method: 'POST', path: '/v1/partners/{partner}/anchors', changes: true,
    summary: "Import CA certificates (PEM) as the partner's trust anchors, optionally with where their CRL is fetched from",
    input: object({ ca_pem: pem, crl: string }, ['ca_pem']),
    run: async (ctx, i) => {
      await getPartner(ctx.store, i.partner);
      return importAnchors(ctx.store, i.partner, i.ca_pem, i.crl ?? null);
    },
  }),
  defineOperation({
    id: 'removeAnchor', method: 'DELETE', path: '/v1/partners/{partner}/anchors/{fingerprint}', summary: 'Remove an imported trust anchor', changes: true,
    run: (ctx, i) => removeAnchor(ctx.store, i.partner, i.fingerprint),
  }),
  defineOperation({
    id: 'setAnchorCrl', method: 'PUT', path: '/v1/partners/{partner}/crl', changes: true,
    summary: "Set (or clear, with null) the CRL source of one of the partner's imported CAs: an https URL or the absolute path of a regular file",
    input: object({ crl: { type: ['string', 'null'], maxLength: 2048, pattern: NO_CONTROL }, fingerprint: id }, ['crl']),
    run: (ctx, i) => setAnchorCrl(ctx.store, i.partner, i.crl, i.fingerprint),
  }),
  defineOperation({
    id: 'revokePartnerTokens', method: 'POST', path: '/v1/partners/{partner}/revoke-tokens', changes: true,
    summary: "Revoke every live access token of the partner's clients", run: (ctx, i) => revokeTokens(ctx.store, 'partner', i.partner),
  }),
  defineOperation({
    id: 'listClients', method: 'GET', path: '/v1/clients', summary: 'List clients, optionally of one partner', changes: false,
    input: object({ partner: id }, []),
    run: (ctx, i) => listClients(ctx.store, i.partner),
  }),
  defineOperation({
    id: 'addClient', method: 'POST', path: '/v1/clients', changes: true,
    summary: 'Register a client (RFC 8705 §2 metadata); issue_cert returns a development key and certificate',
    input: object(
      {
        client: id, partner: id, auth_method: string, scope: text, resources: strings, introspects: strings,
        subject_kind: subjectKind, subject_value: string,
        certificate_pem: pem, issue_cert: { type: 'boolean' }, token_ttl: integer(1, 86_400), bound_tokens: { type: 'boolean' },
      },
      ['client', 'partner'],
    ),
    run: async (ctx, i) => {
      // A cross-field rule JSON Schema could state (dependentRequired) but the derived type would not carry.
      if (i.subject_kind !== undefined && i.subject_value === undefined) throw new InvalidAdminInput('subject_value is required with subject_kind');
      const registered = await registerClient(ctx.store, {
        id: i.client,
        partnerId: i.partner,
        // Not an enum in the schema: an unknown method is RFC 7591 invalid_client_metadata, listing the supported ones.
        authMethod: i.auth_method,
        scope: i.scope,
        resources: i.resources ?? [],
        introspects: i.introspects ?? [],
        ...(i.subject_kind === undefined || i.subject_value === undefined ? {} : { subject: { kind: i.subject_kind, value: i.subject_value } }),
        certificatePem: i.certificate_pem,
        issueCert: i.issue_cert ?? false,
        tokenTtl: i.token_ttl,
        boundTokens: i.bound_tokens,
      });
      return {
        ...(await showClient(ctx.store, registered.client.id)),
        secret: registered.secret,
        credentials: registered.credentials && { cert_pem: registered.credentials.certPem, key_pem: registered.credentials.keyPem, ca_pem: registered.credentials.caPem },
      };
    },
  }),
  defineOperation({
    id: 'showClient', method: 'GET', path: '/v1/clients/{client}', summary: 'Show a client', changes: false,
    run: (ctx, i) => showClient(ctx.store, i.client),
  }),
  defineOperation({
    id: 'disableClient', method: 'POST', path: '/v1/clients/{client}/disable', summary: 'Disable a client: no tokens, its live tokens introspect inactive', changes: true,
    run: (ctx, i) => setClientStatus(ctx.store, i.client, 'disabled'),
  }),
  defineOperation({
    id: 'enableClient', method: 'POST', path: '/v1/clients/{client}/enable', summary: 'Re-enable a disabled client', changes: true,
    run: (ctx, i) => setClientStatus(ctx.store, i.client, 'active'),
  }),
  defineOperation({
    id: 'deleteClient', method: 'DELETE', path: '/v1/clients/{client}', summary: 'Delete a client: no more tokens, its live tokens introspect inactive', changes: true,
    run: (ctx, i) => deleteClient(ctx.store, i.client),
  }),
  defineOperation({
    id: 'setClientSubject', method: 'PUT', path: '/v1/clients/{client}/subject', changes: true,
    summary: "Replace a tls_client_auth client's expected certificate subject in one change",
    input: object({ kind: subjectKind, value: string }, ['kind', 'value']),
    run: (ctx, i) => setClientSubject(ctx.store, i.client, i.kind, i.value),
  }),
  defineOperation({
    id: 'addClientCertificate', method: 'POST', path: '/v1/clients/{client}/certificates', changes: true,
    summary: 'Register one more certificate for a self_signed_tls_client_auth client (rotation)',
    input: object({ certificate_pem: pem }, ['certificate_pem']),
    run: (ctx, i) => addClientCertificate(ctx.store, i.client, i.certificate_pem),
  }),
  defineOperation({
    id: 'retireClientCertificate', method: 'DELETE', path: '/v1/clients/{client}/certificates/{thumbprint}', changes: true,
    summary: "Retire a self-signed client's certificate once its servers have moved to the new one",
    run: (ctx, i) => retireClientCertificate(ctx.store, i.client, i.thumbprint),
  }),
  defineOperation({
    id: 'revokeClientTokens', method: 'POST', path: '/v1/clients/{client}/revoke-tokens', summary: 'Revoke every live access token of a client', changes: true,
    run: (ctx, i) => revokeTokens(ctx.store, 'client', i.client),
  }),
  defineOperation({
    id: 'listResources', method: 'GET', path: '/v1/resources', summary: 'List APIs with their scopes and grants', changes: false,
    input: object({ owner: id }, []),
    run: (ctx, i) => listResources(ctx.store, i.owner),
  }),
  defineOperation({
    id: 'addResource', method: 'POST', path: '/v1/resources', changes: true,
    summary: 'Register an API by its identifier (the aud of its tokens) with its scopes and owning partner; again to update its scopes',
    input: object({ resource: string, owner: id, scope: text }, ['resource', 'owner']),
    run: (ctx, i) => addResource(ctx.store, i.resource, i.owner, i.scope),
  }),
  defineOperation({
    id: 'showResource', method: 'GET', path: '/v1/resources/{resource}', summary: 'Show an API (its identifier URL-encoded in the path)', changes: false,
    run: (ctx, i) => showResource(ctx.store, i.resource),
  }),
  defineOperation({
    id: 'grantResource', method: 'POST', path: '/v1/grants', changes: true,
    summary: "Grant a partner's clients, or one client, tokens for an API with a subset of its scopes (all when none are named)",
    input: object({ resource: string, partner: id, client: id, scope: text }, ['resource', 'partner']),
    run: (ctx, i) => grantResource(ctx.store, i.resource, i.partner, { client: i.client, scope: i.scope }),
  }),
  defineOperation({
    id: 'revokeGrant', method: 'DELETE', path: '/v1/grants', changes: true,
    summary: 'Withdraw a grant: new tokens are refused and the tokens it covered introspect inactive',
    input: object({ resource: string, partner: id, client: id }, ['resource', 'partner']),
    run: (ctx, i) => revokeGrant(ctx.store, i.resource, i.partner, i.client),
  }),
  defineOperation({
    id: 'listCertificates', method: 'GET', path: '/v1/certificates', summary: 'List certificates certbound issued, with their revocation state', changes: false,
    input: object({ partner: id }, []),
    run: (ctx, i) => listCertificates(ctx.store, i.partner),
  }),
  defineOperation({
    id: 'signCertificate', method: 'POST', path: '/v1/certificates', changes: true,
    summary: "Sign a partner's CSR with its issuing CA: the private key never leaves the partner",
    input: object({ partner: id, csr_pem: pem, client: id, days: integer(1, 397), san_uris: strings }, ['partner', 'csr_pem']),
    run: (ctx, i) => signCsr(ctx.store, { partner: i.partner, csr: i.csr_pem, client: i.client, days: i.days, sanUris: i.san_uris ?? [] }),
  }),
  defineOperation({
    id: 'revokeCertificate', method: 'POST', path: '/v1/certificates/revoke', changes: true,
    summary: 'Revoke a certificate by serial (issued by certbound) or x5t#S256 thumbprint: token requests with it fail at once',
    input: object({ serial: id, thumbprint: id, reason: string }, []),
    run: (ctx, i) => revokeCertificate(ctx.store, { serial: i.serial, thumbprint: i.thumbprint, reason: i.reason })
      .then((r) => ({ thumbprint: r.thumbprint, serial: r.serial, partner: r.partnerId, client: r.clientId, reason: r.reason, revoked_at: r.revokedAt.toISOString() })),
  }),
  defineOperation({
    id: 'listAdminCertificates', method: 'GET', path: '/v1/admin-certificates', summary: 'List administrator certificates', changes: false,
    run: (ctx) => listAdminCertificates(ctx.store),
  }),
  defineOperation({
    id: 'addAdminCertificate', method: 'POST', path: '/v1/admin-certificates', changes: true,
    summary: 'Register an administrator certificate (given, or issued with a new key that is returned once)',
    input: object({ name: id, certificate_pem: pem }, ['name']),
    run: (ctx, i) => addAdminCertificate(ctx.store, i.name, i.certificate_pem),
  }),
  defineOperation({
    id: 'removeAdminCertificate', method: 'DELETE', path: '/v1/admin-certificates/{thumbprint}', summary: 'Remove an administrator certificate', changes: true,
    run: (ctx, i) => removeAdminCertificate(ctx.store, i.thumbprint),
  }),
  ...AUDIT_OPERATIONS,
  ...SIGNING_KEY_OPERATIONS,
  ...SERVICE_CERTIFICATE_OPERATIONS,
];

/** The id of an admin operation. */
export type OperationId = (typeof OPERATIONS)[number]['id'];

/** What a caller passes to operation `Id`: its body or query fields and its path parameters, typed from its schema. */
export type InputFor<Id extends OperationId> = CallerInput<Extract<(typeof OPERATIONS)[number], { readonly id: Id }>>;

/** The operation with this id. */
export function operation(id: string): Operation {
  const op = OPERATIONS.find((o) => o.id === id);
  if (!op) throw new RangeError(`no admin operation '${id}'`);
  return op;
}
