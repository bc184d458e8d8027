/**
 * The request a proxy asks `certbound authz` about: its method and target, as each proxy
 * passes them — nginx `auth_request` in `X-Original-Method` / `X-Original-URI` (set in the
 * configuration), Traefik ForwardAuth in `X-Forwarded-Method` / `X-Forwarded-Uri`, Envoy's HTTP
 * ext_authz as the check request's own method and path behind a configured prefix.
 */
import type { IncomingMessage } from 'node:http';
import { InvalidRequest } from '../core/errors.ts';

/** Which proxy asks. */
export type AuthzForm = 'nginx' | 'traefik' | 'envoy';

/** The method and request target of the original request. */
export interface OriginalRequest {
  readonly method: string;
  readonly target: string;
}

const HEADERS: Readonly<Record<Exclude<AuthzForm, 'envoy'>, { readonly method: string; readonly uri: string }>> = {
  nginx: { method: 'x-original-method', uri: 'x-original-uri' },
  traefik: { method: 'x-forwarded-method', uri: 'x-forwarded-uri' },
};

function single(rawHeaders: readonly string[], name: string): string {
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === name) values.push(rawHeaders[i + 1]!);
  // Missing or repeated: the proxy is misconfigured or someone else is talking; decide nothing.
  if (values.length !== 1 || values[0] === '') throw new InvalidRequest(`${name} must be sent exactly once`);
  return values[0]!;
}

/**
 * Reads the original request of an authorization request; 400 invalid_request when the form's
 * headers are missing or repeated, or (Envoy) the path is not under the prefix.
 * @see https://nginx.org/en/docs/http/ngx_http_auth_request_module.html
 */
export function originalRequest(form: AuthzForm, req: IncomingMessage, envoyPrefix = ''): OriginalRequest {
  if (form === 'envoy') {
    const url = req.url ?? '';
    if (!url.startsWith(envoyPrefix)) throw new InvalidRequest('the check request is not under the configured prefix');
    const target = url.slice(envoyPrefix.length);
    return { method: req.method ?? 'GET', target: target === '' || target.startsWith('?') ? `/${target}` : target };
  }
  const names = HEADERS[form];
  return { method: single(req.rawHeaders, names.method), target: single(req.rawHeaders, names.uri) };
}
