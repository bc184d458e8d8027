import type { TLSSocket } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { AccessTokenClaims } from '../core/access-token.ts';
import { parseBasicAuthorization } from '../core/auth-header.ts';
import { InvalidClient, type OAuthError } from '../core/errors.ts';
import { single, type FormParams } from '../core/form.ts';
import type { AuditEvent, Client } from '../core/model.ts';
import { canonicalSerial } from '../core/serial.ts';
import { peerCertificate, type PeerCertificate } from '../transport/tls.ts';
import { ENDPOINTS } from './metadata.ts';
import type { Registry } from './registry.ts';

/** Audit event names of the token service. */
export const AUDIT_EVENTS = {
  tokenIssued: 'token.issued',
  tokenDenied: 'token.denied',
  tokenRevoked: 'token.revoked',
  clientAuthFailed: 'client.auth_failed',
} as const;

/** What an audit event says of a value a request names but the registry does not know: never the value itself. */
export const UNREGISTERED = 'unregistered';

/**
 * An unregistered value as the audit trail keeps it: a fixed marker and its length. A secret
 * pasted into a client_id, or into a resource URL's path or query, is never stored or logged.
 */
function unregistered(name: string, value: string): Record<string, unknown> {
  return { [name]: UNREGISTERED, [`${name}_length`]: value.length };
}

/** `x5t#S256` and canonical serial of a presented certificate; nothing about the key or the PEM. */
function certificateFields(cert: PeerCertificate | null): Pick<AuditEvent, 'thumbprint' | 'serial'> {
  if (!cert) return {};
  let serial: string | null;
  try {
    serial = canonicalSerial(cert.x509.serialNumber);
  } catch {
    // A serial longer than RFC 5280 allows: recorded without it rather than failing the request.
    serial = null;
  }
  return { thumbprint: cert.thumbprint, serial };
}

/** The client a request names, in the Authorization header or the body; undefined when it names none or cannot be read. */
function claimedClientId(params: FormParams | undefined, authorization: string | undefined): string | undefined {
  if (authorization !== undefined) {
    try {
      const basic = parseBasicAuthorization(authorization);
      if (basic) return basic.clientId;
    } catch {
      // A malformed header names no one; the body may still.
    }
  }
  return params === undefined ? undefined : single(params, 'client_id');
}

/** `token.issued`: who got a token for what, bound to which certificate. */
export function tokenIssuedEvent(input: {
  readonly at: Date;
  readonly client: Client;
  readonly certificate: PeerCertificate | null;
  readonly claims: AccessTokenClaims;
  readonly peer: string;
}): AuditEvent {
  const { claims } = input;
  return {
    at: input.at,
    event: AUDIT_EVENTS.tokenIssued,
    outcome: 'success',
    partnerId: input.client.partnerId,
    clientId: input.client.id,
    ...certificateFields(input.certificate),
    // The binding the token carries: the presented certificate's, whenever one was presented.
    thumbprint: claims.cnf?.['x5t#S256'] ?? input.certificate?.thumbprint ?? null,
    resource: claims.aud,
    detail: { scope: claims.scope ?? null, jti: claims.jti, exp: claims.exp, peer: input.peer },
  };
}

/** `token.revoked`: a client revoked one of its own tokens, named by `jti`. */
export function tokenRevokedEvent(input: {
  readonly at: Date;
  readonly client: Client;
  readonly certificate: PeerCertificate | null;
  readonly jti: string;
  readonly peer: string;
}): AuditEvent {
  return {
    at: input.at,
    event: AUDIT_EVENTS.tokenRevoked,
    outcome: 'success',
    partnerId: input.client.partnerId,
    clientId: input.client.id,
    ...certificateFields(input.certificate),
    detail: { jti: input.jti, peer: input.peer },
  };
}

/**
 * A refused request (`token.denied`, `client.auth_failed`), with what is known of it and
 * validated: the OAuth error code — and, for `invalid_client`, its private reason — the claimed
 * client and its partner only when the client is registered, the requested resource only when
 * it is a registered one (otherwise a marker and the length), the presented certificate's
 * thumbprint and serial, the peer address. Never a raw parameter, a secret, the Authorization
 * header or the error description (it may echo a parameter name).
 */
export function deniedEvent(input: {
  readonly at: Date;
  readonly event: typeof AUDIT_EVENTS.tokenDenied | typeof AUDIT_EVENTS.clientAuthFailed;
  readonly error: OAuthError;
  readonly params: FormParams | undefined;
  readonly authorization: string | undefined;
  readonly certificate: PeerCertificate | null;
  readonly registry: Registry;
  readonly peer: string;
}): AuditEvent {
  const { error } = input;
  const claimed = claimedClientId(input.params, input.authorization);
  const client = claimed === undefined ? undefined : input.registry.clients.get(claimed);
  const requested = input.params?.get('resource')?.[0];
  const resource = requested !== undefined && input.registry.resources.has(requested) ? requested : null;
  const detail: Record<string, unknown> = {
    peer: input.peer.slice(0, 64),
    ...(claimed !== undefined && !client ? unregistered('client_id', claimed) : {}),
    ...(requested !== undefined && resource === null ? unregistered('resource', requested) : {}),
  };
  return {
    at: input.at,
    event: input.event,
    outcome: 'denied',
    reason: error instanceof InvalidClient ? `${error.error}: ${error.reason}` : error.error,
    partnerId: client?.partnerId ?? null,
    clientId: client?.id ?? null,
    ...certificateFields(input.certificate),
    resource,
    detail,
  };
}

/** How far a request got before it failed, as the handlers note it for the error handler. */
export interface AuditAttempt {
  readonly params: FormParams;
  authenticated: boolean;
}

/**
 * Which denial a failed request is audited as: every failed POST /token is `token.denied`; on
 * /introspect and /revoke, only a failure to authenticate is (`client.auth_failed`). Other
 * failures — another method, an unknown path, a malformed body there — are not audited.
 */
export function denialEventOf(
  method: string,
  route: string | undefined,
  attempt: AuditAttempt | undefined,
): typeof AUDIT_EVENTS.tokenDenied | typeof AUDIT_EVENTS.clientAuthFailed | null {
  if (method !== 'POST') return null;
  if (route === ENDPOINTS.token) return AUDIT_EVENTS.tokenDenied;
  if ((route === ENDPOINTS.introspection || route === ENDPOINTS.revocation) && attempt && !attempt.authenticated) return AUDIT_EVENTS.clientAuthFailed;
  return null;
}

/**
 * The audit event of a request to `path` answered with `error`, or null when it is not audited
 * (see denialEventOf). Never throws: the error response must go out whatever happens here.
 */
export function deniedRequestEvent(
  request: IncomingMessage,
  path: string,
  error: OAuthError,
  attempt: AuditAttempt | undefined,
  registry: Registry,
  at: Date,
): AuditEvent | null {
  try {
    const event = denialEventOf(request.method ?? '', path, attempt);
    if (event === null) return null;
    return deniedEvent({
      at,
      event,
      error,
      params: attempt?.params,
      authorization: request.headers.authorization,
      certificate: peerCertificate(request.socket as TLSSocket),
      registry,
      peer: request.socket.remoteAddress ?? 'unknown',
    });
  } catch {
    return null;
  }
}
