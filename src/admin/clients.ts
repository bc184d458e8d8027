import { X509Certificate } from 'node:crypto';
import { formatDn } from '../core/dn.ts';
import { InvalidClientMetadata } from '../core/errors.ts';
import type { AuthMethod, Client, SubjectMatcher, SubjectMatcherKind } from '../core/model.ts';
import { AUTH_METHODS } from '../core/model.ts';
import { parseScope } from '../core/scope.ts';
import { parseSubjectMatcher } from '../core/subject-match.ts';
import { x5tS256 } from '../core/thumbprint.ts';
import { issueCertificate, type IssuedLeaf, type SubjectAltName } from '../pki/issue.ts';
import { createSelfSignedCertificate } from '../pki/self-signed.ts';
import { generateSecret, hashSecret } from '../core/secret.ts';
import type { Store } from '../storage/store.ts';
import { CertboundError } from '../core/certbound-error.ts';
import { writeCredentialFiles } from './files.ts';
import { platformCa } from './init.ts';
import { clientSpiffeId, partnerIssuer, trustDomain } from './certificates.ts';
import { pkcs8ToPem } from '../pki/keys.ts';

/** A client registration, as the CLI and the admin API take it. */
export interface ClientRegistration {
  readonly id: string;
  readonly partnerId: string;
  /** One of AUTH_METHODS (tls_client_auth by default); any other is refused as invalid_client_metadata. */
  readonly authMethod?: string | undefined;
  readonly scope?: string | undefined;
  readonly resources?: readonly string[];
  readonly subject?: { readonly kind: SubjectMatcherKind; readonly value: string };
  /** PEM of the certificate a `self_signed_tls_client_auth` client will present. */
  readonly certificatePem?: string | undefined;
  /** Issue a key and certificate for the client into this directory (development shortcut). */
  readonly issueCertTo?: string;
  /** Issue a key and certificate for the client and return them (the admin API's `issue_cert`). */
  readonly issueCert?: boolean;
  readonly tokenTtl?: number | undefined;
  readonly boundTokens?: boolean | undefined;
  readonly introspects?: readonly string[];
}

/** What registering a client produced. The secret is shown once and never stored. */
export interface RegisteredClient {
  readonly client: Client;
  readonly secret: string | null;
  readonly files: { cert: string; key: string | null; ca: string } | null;
  /** What `issueCert` made: the certificate chain the client presents, its key, and the platform CA to trust. */
  readonly credentials: { readonly certPem: string; readonly keyPem: string | null; readonly caPem: string } | null;
}

const CLIENT_ID = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,127})$/;
const MAX_TTL = 86_400;

/** Checks a resource identifier: an absolute URI without a fragment (RFC 8707 §2). */
export function assertResourceUri(uri: string): void {
  if (!URL.canParse(uri) || uri.includes('#') || !/^[a-z][a-z0-9+.-]*:/i.test(uri)) {
    throw new InvalidClientMetadata(`resource '${uri}' must be an absolute URI without a fragment (RFC 8707)`);
  }
}

/**
 * Parses one PEM certificate. Admin operations take certificates inline only — never a path,
 * which would let an admin API caller probe or read the server's files; the CLI reads files
 * on its side.
 */
export function parseCertificate(pem: string): X509Certificate {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new InvalidClientMetadata('expected a PEM certificate (-----BEGIN CERTIFICATE-----)');
  try {
    return new X509Certificate(pem);
  } catch {
    throw new InvalidClientMetadata('the certificate is not a valid PEM X.509 certificate');
  }
}

/** The subject a certificate from `--issue-cert` carries: `CN=<client>,O=<partner>`. */
function defaultSubject(clientId: string, partnerId: string): string {
  return formatDn([[{ type: '2.5.4.10', value: partnerId }], [{ type: '2.5.4.3', value: clientId }]]);
}

/** Whether `method` is a supported authentication method (RFC 8705 §2, RFC 6749 §2.3.1). */
function isAuthMethod(method: string): method is AuthMethod {
  return (AUTH_METHODS as readonly string[]).includes(method);
}

/** Checks what can be checked before touching keys: ids, method, options that exclude each other, lifetime, scopes, URIs. */
function validate(reg: ClientRegistration): { method: AuthMethod; tokenTtl: number; scopes: string[] } {
  const method = reg.authMethod ?? 'tls_client_auth';
  if (!CLIENT_ID.test(reg.id)) {
    throw new CertboundError('ERR_CERTBOUND_INVALID_ID', `invalid client id '${reg.id}': use 1-128 letters, digits, '.', '_' or '-'`);
  }
  if (!isAuthMethod(method)) throw new InvalidClientMetadata(`unknown authentication method '${method}': use one of ${AUTH_METHODS.join(', ')}`);
  if (reg.subject && method !== 'tls_client_auth') throw new InvalidClientMetadata('a subject matcher applies only to tls_client_auth clients');
  if (reg.certificatePem !== undefined && method !== 'self_signed_tls_client_auth') {
    throw new InvalidClientMetadata('--cert applies only to self_signed_tls_client_auth clients');
  }
  const tokenTtl = reg.tokenTtl ?? 600;
  if (!Number.isInteger(tokenTtl) || tokenTtl < 1 || tokenTtl > MAX_TTL) {
    throw new InvalidClientMetadata(`token lifetime must be a whole number of seconds from 1 to ${MAX_TTL}`);
  }
  const scopes = reg.scope === undefined || reg.scope.trim() === '' ? [] : parseScope(reg.scope.trim());
  for (const uri of [...(reg.resources ?? []), ...(reg.introspects ?? [])]) assertResourceUri(uri);
  return { method, tokenTtl, scopes };
}

/** The one expected subject of a `tls_client_auth` client (RFC 8705 §2.1.2), or null for other methods. */
function expectedSubject(reg: ClientRegistration, method: AuthMethod): SubjectMatcher | null {
  if (method !== 'tls_client_auth') return null;
  if (reg.subject) return parseSubjectMatcher(reg.subject.kind, reg.subject.value);
  // A certificate certbound issues (to files, or returned over the admin API) gets the default subject.
  if (reg.issueCertTo !== undefined || reg.issueCert) return parseSubjectMatcher('subject_dn', defaultSubject(reg.id, reg.partnerId));
  throw new InvalidClientMetadata(
    'a tls_client_auth client needs exactly one expected certificate subject (RFC 8705 §2.1.2): --subject-dn, --san-dns, --san-uri, --san-ip or --san-email (or --issue-cert)',
  );
}

const SAN_OF: Partial<Record<SubjectMatcher['kind'], SubjectAltName['type']>> = {
  san_dns: 'dns',
  san_uri: 'uri',
  san_ip: 'ip',
  san_email: 'email',
};

/**
 * The development shortcut of `--issue-cert`: a self-signed certificate for a self-signed
 * client, otherwise one from the partner's CA carrying the registered subject.
 */
async function issueFor(store: Store, reg: ClientRegistration, method: AuthMethod, subject: SubjectMatcher | null): Promise<IssuedLeaf> {
  const dn = subject?.kind === 'subject_dn' ? subject.value : defaultSubject(reg.id, reg.partnerId);
  if (method === 'self_signed_tls_client_auth') {
    const self = await createSelfSignedCertificate({ subject: dn });
    const x509 = new X509Certificate(self.certPem);
    return { ...self, serial: x509.serialNumber.toLowerCase(), thumbprint: x5tS256(x509.raw), notAfter: x509.validToDate };
  }
  const ca = await partnerIssuer(store, reg.partnerId);
  const san = subject ? SAN_OF[subject.kind] : undefined;
  // Every certificate certbound issues names its partner and client (a SPIFFE ID), so `--san-uri` works out of the box.
  const spiffe: SubjectAltName = { type: 'uri', value: clientSpiffeId(await trustDomain(store), reg.partnerId, reg.id) };
  const sans = san && subject && !(san === 'uri' && subject.value === spiffe.value) ? [{ type: san, value: subject.value }, spiffe] : [spiffe];
  const leaf = await issueCertificate({ certPem: ca.certPem, keyPkcs8: ca.keyPkcs8 }, { subject: dn, sans, usage: 'client' });
  // The client presents its chain (leaf, then its partner's CA), so no listener needs the partner CA's name.
  return { ...leaf, certPem: leaf.certPem + ca.certPem };
}

/**
 * Checks the resources a client of `partnerId` names: each must be registered (`resource add`)
 * and not another partner's. Checked inside the registration's transaction.
 */
async function claimResources(tx: Store, uris: readonly string[], partnerId: string): Promise<void> {
  for (const uri of uris) {
    const known = await tx.getResource(uri);
    // Never registered as a side effect: whoever named an API first would own it, and its real
    // owner's `resource add --owner` would then be refused (squatting on an identifier).
    if (!known) {
      throw new CertboundError('ERR_CERTBOUND_NOT_FOUND', `resource '${uri}' is not registered: its owner registers it first with certbound resource add '${uri}' --owner ${partnerId}`);
    }
    // Isolation: a partner's clients are never granted another partner's API.
    if (known && known.partnerId !== null && known.partnerId !== partnerId) {
      throw new CertboundError('ERR_CERTBOUND_FORBIDDEN', `resource '${uri}' belongs to another partner`);
    }
  }
}

/**
 * Registers a client: validates the RFC 8705 metadata, makes or reads its certificate,
 * checks that the resources it names are registered and its partner's, and stores it
 * all in one transaction. Files of `--issue-cert` are written once the registration is stored.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-2.1.2
 */
export async function registerClient(store: Store, reg: ClientRegistration): Promise<RegisteredClient> {
  const { method, tokenTtl, scopes } = validate(reg);
  if (!(await store.getPartner(reg.partnerId))) {
    throw new CertboundError('ERR_CERTBOUND_NOT_FOUND', `partner '${reg.partnerId}' does not exist: add it with certbound partner add ${reg.partnerId}`);
  }
  if (await store.getClient(reg.id)) throw new CertboundError('ERR_CERTBOUND_EXISTS', `client '${reg.id}' already exists`);
  const subject = expectedSubject(reg, method);
  const issued = reg.issueCertTo === undefined && !reg.issueCert ? null : await issueFor(store, reg, method, subject);

  const certificates: { clientId: string; thumbprint: string; pem: string }[] = [];
  if (method === 'self_signed_tls_client_auth') {
    const pem = issued?.certPem ?? (reg.certificatePem === undefined ? undefined : parseCertificate(reg.certificatePem).toString());
    if (pem === undefined) throw new InvalidClientMetadata('a self_signed_tls_client_auth client needs --cert (or --issue-cert)');
    certificates.push({ clientId: reg.id, thumbprint: x5tS256(new X509Certificate(pem).raw), pem });
  }
  const secret = method === 'client_secret_basic' || method === 'client_secret_post' ? generateSecret() : null;
  const resources = [...new Set(reg.resources ?? [])];
  const introspects = [...new Set(reg.introspects ?? [])];

  const client = await store.transaction(async (tx) => {
    await claimResources(tx, [...resources, ...introspects], reg.partnerId);
    if (issued && method !== 'self_signed_tls_client_auth') {
      await tx.recordIssuedCertificate({
        serial: issued.serial,
        issuerId: `partner:${reg.partnerId}`,
        clientId: reg.id,
        subject: subject?.kind === 'subject_dn' ? subject.value : defaultSubject(reg.id, reg.partnerId),
        thumbprint: issued.thumbprint,
        notAfter: issued.notAfter,
      });
    }
    return tx.addClient(
      {
        id: reg.id,
        partnerId: reg.partnerId,
        authMethod: method,
        subject,
        secretHash: secret === null ? null : hashSecret(secret),
        scopes,
        resources,
        introspects,
        tokenTtl,
        boundTokens: reg.boundTokens ?? true,
      },
      certificates,
    );
  });
  const caPem = (await platformCa(store)).certPem;
  const files = issued && reg.issueCertTo !== undefined
    ? await writeCredentialFiles(reg.issueCertTo, { certPem: issued.certPem, keyPkcs8: issued.keyPkcs8, caPem })
    : null;
  const credentials = issued ? { certPem: issued.certPem, keyPem: issued.keyPkcs8 ? pkcs8ToPem(issued.keyPkcs8) : null, caPem } : null;
  return { client, secret, files, credentials };
}
