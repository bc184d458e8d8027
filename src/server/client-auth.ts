import { parseBasicAuthorization } from '../core/auth-header.ts';
import { InvalidClient, InvalidRequest } from '../core/errors.ts';
import { single, type FormParams } from '../core/form.ts';
import type { Client } from '../core/model.ts';
import { secretMatches } from '../core/secret.ts';
import { matchesSubject, type CertIdentity } from '../core/subject-match.ts';
import { certIdentity } from '../pki/cert-identity.ts';
import type { PeerCertificate } from '../transport/tls.ts';
import { revokedByCrl, type Registry } from './registry.ts';

/** What a request offers to authenticate its client. */
export interface ClientCredentials {
  readonly params: FormParams;
  readonly authorization: string | undefined;
  readonly certificate: PeerCertificate | null;
  readonly now: Date;
  /**
   * The connection's handshake, when known: the registry generation under whose CA set it was
   * judged — one judged under an older trust set does not bind a newer one (a partner enabled
   * or a CA imported since; see `pkiAuthenticates`) — and the bytes the client sent for it.
   */
  readonly handshake?: { readonly generation: number; readonly bytes: number | undefined } | undefined;
}

/** An authenticated client, and the certificate its tokens are bound to, if one was presented. */
export interface AuthenticatedClient {
  readonly client: Client;
  readonly certificate: PeerCertificate | null;
}

const CLIENT_AUTH_EKU = '1.3.6.1.5.5.7.3.2';
/** No client certificate needs more (EX-05): a larger one only costs parsing. */
const MAX_CERTIFICATE_BYTES = 16 * 1024;
/**
 * A client's handshake flights — hello, certificate chain, proof — fit in far less (a few KB
 * with a five-certificate chain); more means padding the chain (EX-05), which OpenSSL alone
 * would take up to 100 KiB of.
 */
const MAX_HANDSHAKE_BYTES = 32 * 1024;

/**
 * Parsed subjects of recently seen certificates, keyed by thumbprint, so DER is parsed once;
 * null for a certificate that cannot be decoded (too many SANs, malformed extensions).
 */
const identities = new Map<string, CertIdentity | null>();
function identityOf(cert: PeerCertificate): CertIdentity | null {
  let id = identities.get(cert.thumbprint);
  if (id === undefined) {
    try {
      id = certIdentity(cert.x509.raw);
    } catch {
      // Fail closed: an undecodable subject matches no registration (401, never a 500).
      id = null;
    }
    if (identities.size >= 10_000) identities.delete(identities.keys().next().value!);
    identities.set(cert.thumbprint, id);
  }
  return id;
}

function withinValidity(cert: PeerCertificate, now: Date): boolean {
  return cert.x509.validFromDate <= now && now <= cert.x509.validToDate;
}

/**
 * OpenSSL's verdicts that only say the issuer was not in the listener's CA set at handshake
 * time. Under a newer trust set (a partner enabled, a CA imported since) they are stale, and
 * certbound's own path validation, which is complete, judges alone.
 */
const ISSUER_UNKNOWN = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
]);

/**
 * RFC 8705 §2.1: the certificate's path is validated by certbound against the client's own
 * partner's anchors only (RFC 5280 §6.1, pki/path-validation.ts; the certificates the client
 * sent are candidates, never trusted), and OpenSSL's handshake verdict must agree — it is
 * necessary, never sufficient. No certificate on the path is revoked; the certificate the
 * anchor signed is not on the anchor's CRL (when one is configured, and it must be at hand);
 * the leaf allows clientAuth if it restricts usage, and carries the registered subject.
 */
function pkiAuthenticates(client: Client, cert: PeerCertificate, registry: Registry, creds: ClientCredentials): string | null {
  const staleVerdict = creds.handshake !== undefined && creds.handshake.generation !== registry.generation;
  if (!cert.authorized && !(staleVerdict && ISSUER_UNKNOWN.has(cert.authorizationError ?? ''))) {
    return `certificate path not validated (${cert.authorizationError})`;
  }
  const match = registry.pathFor(cert, client.partnerId, creds.now);
  if (typeof match === 'string') return match;
  if (match.thumbprints.some((t) => registry.revokedCertificates.has(t))) return 'a certificate on the path is revoked';
  if (match.anchor.crlSource !== null) {
    const revoked = revokedByCrl(match, registry.crls);
    if (revoked === null) return 'revocation status unknown: the partner CA\'s CRL is unavailable';
    if (revoked) return 'certificate listed on the partner CA\'s CRL';
  }
  const eku = cert.x509.keyUsage;
  if (eku && eku.length > 0 && !eku.includes(CLIENT_AUTH_EKU)) return 'certificate does not allow clientAuth';
  const identity = identityOf(cert);
  if (!identity) return 'certificate subject cannot be decoded';
  if (!client.subject || !matchesSubject(client.subject, identity)) return 'certificate subject does not match';
  return null;
}

/** RFC 8705 §2.2: the presented certificate is one registered for the client, and currently valid. */
function selfSignedAuthenticates(client: Client, cert: PeerCertificate, registry: Registry, now: Date): string | null {
  if (!registry.selfSigned.get(client.id)?.has(cert.thumbprint)) return 'certificate not registered for the client (or retired)';
  if (!withinValidity(cert, now)) return 'certificate outside its validity period';
  return null;
}

/**
 * Authenticates the client of a token, introspection or revocation request by the method it
 * registered. Every failure is the same `invalid_client`; offering two methods at once is
 * `invalid_request`.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 */
export function authenticateClient(creds: ClientCredentials, registry: Registry): AuthenticatedClient {
  const basic = creds.authorization === undefined ? undefined : parseBasicAuthorization(creds.authorization);
  if (creds.authorization !== undefined && !basic) throw new InvalidRequest('unsupported Authorization scheme');
  const bodyId = single(creds.params, 'client_id');
  const bodySecret = single(creds.params, 'client_secret');
  if (basic && bodySecret !== undefined) throw new InvalidRequest('more than one client authentication method');
  if (basic && bodyId !== undefined && bodyId !== basic.clientId) throw new InvalidRequest('client_id differs from the Authorization header');
  const clientId = basic?.clientId ?? bodyId;
  const secret = basic?.clientSecret ?? bodySecret;

  const client = clientId === undefined ? undefined : registry.clients.get(clientId);
  if (!client) {
    if (secret !== undefined) secretMatches(secret, null);
    throw new InvalidClient(clientId === undefined ? 'no client_id' : 'unknown client');
  }
  const cert = creds.certificate;
  let failure: string | null;
  // A revoked certificate authenticates no one, and no token is bound to it; nor does an oversized one.
  const refused = !cert
    ? null
    : registry.revokedCertificates.has(cert.thumbprint)
      ? 'certificate revoked'
      : cert.x509.raw.length > MAX_CERTIFICATE_BYTES || (creds.handshake?.bytes ?? 0) > MAX_HANDSHAKE_BYTES
        ? 'certificate or chain too large'
        : null;
  if (refused !== null) {
    if (secret !== undefined) secretMatches(secret, null);
    throw new InvalidClient(refused);
  }
  switch (client.authMethod) {
    case 'tls_client_auth':
    case 'self_signed_tls_client_auth':
      if (secret !== undefined && cert) throw new InvalidRequest('more than one client authentication method');
      if (!cert) failure = secret !== undefined ? 'secret offered by a certificate client' : 'no client certificate';
      else if (client.authMethod === 'tls_client_auth') failure = pkiAuthenticates(client, cert, registry, creds);
      else failure = selfSignedAuthenticates(client, cert, registry, creds.now);
      break;
    case 'client_secret_basic':
    case 'client_secret_post': {
      const usedMethod = basic ? 'client_secret_basic' : 'client_secret_post';
      const matches = secret !== undefined && secretMatches(secret, client.secretHash);
      failure = secret === undefined ? 'no client secret' : usedMethod !== client.authMethod ? 'wrong authentication method' : matches ? null : 'wrong client secret';
      break;
    }
  }
  // The audit reason says which is disabled, apart from a bad credential.
  const disabled = client.status !== 'active' ? 'client_disabled' : registry.partners.get(client.partnerId)?.status !== 'active' ? 'partner_disabled' : null;
  // A disabled partner's anchors leave the trust set, so its clients' certificates cannot chain: that is why they fail.
  if (disabled === 'partner_disabled' && client.authMethod === 'tls_client_auth') throw new InvalidClient(disabled);
  if (failure !== null) throw new InvalidClient(failure);
  if (disabled !== null) throw new InvalidClient(disabled);
  return { client, certificate: cert };
}
