/**
 * The gateway's route table: which method and path need which scopes. A route is written
 * `METHOD[,METHOD…] PATTERN=SCOPE[ SCOPE…]` (`GET /orders/*=orders:read`, `* /health=`);
 * PATTERN is an exact path or a prefix ending in `*`. The first route that matches decides.
 */
import { InvalidRequest } from '../core/errors.ts';

/** One route: methods (null = any), a path or prefix, and the scopes a token needs for it. */
export interface Route {
  /** As written, for logs and metrics. */
  readonly name: string;
  readonly methods: ReadonlySet<string> | null;
  readonly path: string;
  readonly prefix: boolean;
  readonly scopes: readonly string[];
}

// RFC 9110 §9.1: a method is a token; RFC 6749 §3.3: a scope token is %x21 / %x23-5B / %x5D-7E.
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

function invalidArg(message: string): TypeError {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_VALUE' });
}

/**
 * Parses one route specification; throws TypeError `ERR_INVALID_ARG_VALUE` when it is malformed.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function parseRoute(spec: string): Route {
  const eq = spec.indexOf('=');
  if (eq < 0) throw invalidArg(`route '${spec}' must be METHOD PATH=SCOPES`);
  const [method, path, ...rest] = spec.slice(0, eq).trim().split(/\s+/);
  if (method === undefined || path === undefined || rest.length > 0) throw invalidArg(`route '${spec}' must be METHOD PATH=SCOPES`);
  const methods = method === '*' ? null : new Set(method.split(','));
  if (methods && [...methods].some((m) => !METHOD.test(m) || m === '*')) throw invalidArg(`route '${spec}' has a malformed method`);
  const prefix = path.endsWith('*');
  const base = prefix ? path.slice(0, -1) : path;
  // A pattern must itself be a normalized path, else it could never match (or match too much).
  if (!base.startsWith('/') || base.includes('*') || normalizedPathProblem(base) !== null) throw invalidArg(`route '${spec}' has a malformed path`);
  const scopes = spec.slice(eq + 1).trim().split(/\s+/).filter((s) => s !== '');
  if (scopes.some((s) => !SCOPE.test(s))) throw invalidArg(`route '${spec}' has a malformed scope`);
  return { name: `${method} ${path}`, methods: methods && new Set([...methods].map((m) => m.toUpperCase())), path: base, prefix, scopes };
}

/** Why a request path is not in the one form routes are matched against, or null when it is. */
function normalizedPathProblem(path: string): string | null {
  // Dot segments and empty segments would let `/public/../admin` match `/public/*` while the
  // upstream serves `/admin`; encoded slashes, dots and backslashes do the same after decoding.
  // `..;x` too: Tomcat and Jetty drop path parameters before resolving dot segments.
  if (/(^|\/)\.{1,2}(;[^/]*)?(\/|$)/.test(path)) return 'dot segment';
  if (path.includes('//')) return 'empty segment';
  if (/%(2[ef]|5c|00)/i.test(path) || path.includes('\\')) return 'encoded separator';
  if (/[^\x21-\x7e]/.test(path)) return 'character outside the URI syntax';
  return null;
}

/**
 * The path of a request target, refused with 400 invalid_request unless it is an origin-form
 * target (RFC 9110 §7.1) in normalized form: the gateway decides on exactly the path the
 * upstream will serve, so no form may mean one thing here and another there.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-4.2.3
 */
export function requestPath(target: string | undefined): string {
  if (target === undefined || !target.startsWith('/')) throw new InvalidRequest('the request target must be an absolute path');
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  if (normalizedPathProblem(path) !== null) throw new InvalidRequest('the request path is not in normalized form');
  return path;
}

/** The first route matching a method and a normalized path, or null. */
export function matchRoute(routes: readonly Route[], method: string, path: string): Route | null {
  for (const route of routes) {
    if (route.methods && !route.methods.has(method)) continue;
    if (route.prefix ? path.startsWith(route.path) : path === route.path) return route;
  }
  return null;
}
