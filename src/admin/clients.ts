import { randomBytes, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { formatDn } from '../core/dn.ts';
import { InvalidClientMetadata } from '../core/errors.ts';
import type { AuthMethod, Client, SubjectMatcher, SubjectMatcherKind } from '../core/model.ts';
import { AUTH_METHODS } from '../core/model.ts';
import { parseScope } from '../core/scope.ts';
import { parseSubjectMatcher } from '../core/subject-match.ts';
import { x5tS256 } from '../core/thumbprint.ts';
import { issueCertificate } from '../pki/issue.ts';
import { createSelfSignedCertificate } from '../pki/self-signed.ts';
import { hashSecret } from '../server/client-auth.ts';
import type { Store } from '../storage/store.ts';
import { AdminError } from './admin-error.ts';
import { writeCredentialFiles } from './files.ts';
import { platformCa } from './init.ts';

/** A client registration, as the CLI and the admin API take it. */
export interface ClientRegistration {
  readonly id: string;
  readonly partnerId: string;
  readonly authMethod?: AuthMethod;
  readonly scope?: string;
  readonly resources?: readonly string[];
  readonly subject?: { readonly kind: SubjectMatcherKind; readonly value: string };
  /** PEM of the certificate a `self_signed_tls_client_auth` client will present. */
  readonly certificatePem?: string;
  /** Issue a key and certificate for the client into this directory (development shortcut). */
  readonly issueCertTo?: string;
  readonly tokenTtl?: number;
  readonly boundTokens?: boolean;
  readonly introspects?: readonly string[];
}

/** What registering a client produced. The secret is shown once and never stored. */
export interface RegisteredClient {
  readonly client: Client;
  readonly secret: string | null;
  readonly files: { cert: string; key: string | null; ca: string } | null;
}

const CLIENT_ID = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,127})$/;
const MAX_TTL = 86_400;

function assertResourceUri(uri: string): void {
  if (!URL.canParse(uri) || uri.includes('#') || !/^[a-z][a-z0-9+.-]*:/i.test(uri)) {
    throw new InvalidClientMetadata(`resource '${uri}' must be an absolute URI without a fragment (RFC 8707)`);
  }
}

/** Loads a PEM certificate given inline or as a file path. */
export async function readCertificate(pemOrPath: string): Promise<X509Certificate> {
  const pem = pemOrPath.includes('-----BEGIN') ? pemOrPath : await readFile(pemOrPath, 'utf8');
  try {
    return new X509Certificate(pem);
  } catch {
    throw new InvalidClientMetadata('the certificate is not a valid PEM X.509 certificate');
  }
}

/**
 * Registers a client: validates the RFC 8705 metadata, makes or reads its certificate,
 * registers resources it names that are not known yet (owned by its partner), and stores it all
 * in one transaction.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-2.1.2
 */
export async function registerClient(store: Store, reg: ClientRegistration): Promise<RegisteredClient> {
  const method = reg.authMethod ?? 'tls_client_auth';
  if (!CLIENT_ID.test(reg.id)) {
    throw new AdminError('ERR_CERTBOUND_INVALID_ID', `invalid client id '${reg.id}': use 1-128 letters, digits, '.', '_' or '-'`);
  }
  if (!AUTH_METHODS.includes(method)) throw new InvalidClientMetadata(`unknown authentication method '${method}'`);
  const partner = await store.getPartner(reg.partnerId);
  if (!partner) throw new AdminError('ERR_CERTBOUND_NOT_FOUND', `partner '${reg.partnerId}' does not exist: add it with certbound partner add ${reg.partnerId}`);
  if (await store.getClient(reg.id)) throw new AdminError('ERR_CERTBOUND_EXISTS', `client '${reg.id}' already exists`);
  if (reg.subject && method !== 'tls_client_auth') throw new InvalidClientMetadata('a subject matcher applies only to tls_client_auth clients');
  if (reg.certificatePem !== undefined && method !== 'self_signed_tls_client_auth') {
    throw new InvalidClientMetadata('--cert applies only to self_signed_tls_client_auth clients');
  }
  const tokenTtl = reg.tokenTtl ?? 600;
  if (!Number.isInteger(tokenTtl) || tokenTtl < 1 || tokenTtl > MAX_TTL) {
    throw new InvalidClientMetadata(`token lifetime must be a whole number of seconds from 1 to ${MAX_TTL}`);
  }
  const scopes = reg.scope === undefined || reg.scope.trim() === '' ? [] : parseScope(reg.scope.trim());
  const resources = [...new Set(reg.resources ?? [])];
  const introspects = [...new Set(reg.introspects ?? [])];
  for (const uri of [...resources, ...introspects]) {
    assertResourceUri(uri);
    const known = await store.getResource(uri);
    // Isolation: a partner's clients are never granted another partner's API.
    if (known && known.partnerId !== null && known.partnerId !== partner.id) {
      throw new AdminError('ERR_CERTBOUND_FORBIDDEN', `resource '${uri}' belongs to another partner`);
    }
  }

  const defaultDn = formatDn([[{ type: '2.5.4.10', value: partner.id }], [{ type: '2.5.4.3', value: reg.id }]]);
  let subject: SubjectMatcher | null = null;
  if (method === 'tls_client_auth') {
    if (reg.subject) subject = parseSubjectMatcher(reg.subject.kind, reg.subject.value);
    else if (reg.issueCertTo !== undefined) subject = parseSubjectMatcher('subject_dn', defaultDn);
    else throw new InvalidClientMetadata('a tls_client_auth client needs exactly one expected certificate subject (RFC 8705 §2.1.2): --subject-dn, --san-dns, --san-uri, --san-ip or --san-email (or --issue-cert)');
  }

  // Certificates: issued by the partner's CA, self-signed, or supplied.
  let issued: { certPem: string; keyPkcs8: Uint8Array | null; serial?: string; notAfter: Date } | null = null;
  const registeredCerts: { clientId: string; thumbprint: string; pem: string }[] = [];
  if (reg.issueCertTo !== undefined) {
    if (method === 'self_signed_tls_client_auth') {
      const self = await createSelfSignedCertificate({ subject: defaultDn });
      issued = { ...self, notAfter: new X509Certificate(self.certPem).validToDate };
    } else {
      const ca = await store.getAuthority(`partner:${partner.id}`);
      if (!ca?.keyPkcs8) throw new AdminError('ERR_CERTBOUND_NO_CA_KEY', `certbound does not hold the CA key of partner '${partner.id}'`);
      const san = subject?.kind === 'san_dns' ? 'dns' : subject?.kind === 'san_uri' ? 'uri' : subject?.kind === 'san_ip' ? 'ip' : subject?.kind === 'san_email' ? 'email' : null;
      issued = await issueCertificate({ certPem: ca.certPem, keyPkcs8: ca.keyPkcs8 }, {
        subject: subject?.kind === 'subject_dn' ? subject.value : defaultDn,
        sans: san && subject ? [{ type: san, value: subject.value }] : [],
        usage: 'client',
      });
    }
  }
  if (method === 'self_signed_tls_client_auth') {
    const pem = issued?.certPem ?? (reg.certificatePem === undefined ? undefined : (await readCertificate(reg.certificatePem)).toString());
    if (pem === undefined) throw new InvalidClientMetadata('a self_signed_tls_client_auth client needs --cert (or --issue-cert)');
    registeredCerts.push({ clientId: reg.id, thumbprint: x5tS256(new X509Certificate(pem).raw), pem });
  }
  const secret = method === 'client_secret_basic' || method === 'client_secret_post' ? randomBytes(32).toString('base64url') : null;

  const client = await store.transaction(async (tx) => {
    for (const uri of [...resources, ...introspects]) {
      if (!(await tx.getResource(uri))) await tx.addResource({ uri, partnerId: partner.id });
    }
    if (issued && 'serial' in issued && issued.serial !== undefined) {
      await tx.recordIssuedCertificate({
        serial: issued.serial,
        issuerId: `partner:${partner.id}`,
        clientId: reg.id,
        subject: subject?.kind === 'subject_dn' ? subject.value : defaultDn,
        thumbprint: x5tS256(new X509Certificate(issued.certPem).raw),
        notAfter: issued.notAfter,
      });
    }
    return tx.addClient(
      {
        id: reg.id,
        partnerId: partner.id,
        authMethod: method,
        subject,
        secretHash: secret === null ? null : hashSecret(secret),
        scopes,
        resources,
        introspects,
        tokenTtl,
        boundTokens: reg.boundTokens ?? true,
      },
      registeredCerts,
    );
  });
  const files = issued && reg.issueCertTo !== undefined
    ? await writeCredentialFiles(reg.issueCertTo, { certPem: issued.certPem, keyPkcs8: issued.keyPkcs8, caPem: (await platformCa(store)).certPem })
    : null;
  return { client, secret, files };
}
