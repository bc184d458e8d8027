import { Agent, request } from 'undici';
import { CertboundError } from '../core/certbound-error.ts';
import { ERROR_CODES, type ErrorCode } from '../core/error-codes.ts';
import { OAuthError } from '../core/errors.ts';
import type { Operation, OperationInput } from '../admin/operation.ts';
import { UsageError } from './context.ts';

/** An administrator's mTLS identity on an admin API (PEM strings). */
export interface AdminIdentity {
  readonly cert: string;
  readonly key: string;
  /** The CA that issued the API's TLS certificate; the system's trusted CAs when absent. */
  readonly ca?: string;
  /** Where the certificate came from, to name it in a refusal. */
  readonly certSource: string;
}

/** A connection to a running admin API. */
export interface AdminClient {
  invoke(op: Operation, input: OperationInput): Promise<unknown>;
  close(): Promise<void>;
}

const TIMEOUT = 30_000;

/** The URL for messages: never its userinfo or query. */
function shown(url: URL): string {
  return `${url.origin}${url.pathname.replace(/\/$/, '')}`;
}

function queryValue(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => String(v));
  return [String(value)];
}

/** The request for an operation: its path with parameters percent-encoded, the rest as query or JSON body. */
function requestFor(base: URL, op: Operation, input: OperationInput): { url: URL; body: string | undefined } {
  const rest: Record<string, unknown> = { ...input };
  const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = rest[name];
    if (typeof value !== 'string' || value === '') throw new CertboundError('ERR_CERTBOUND_INVALID_INPUT', `${name} is required`);
    delete rest[name];
    return encodeURIComponent(value);
  });
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/$/, '')}${path}`;
  url.search = '';
  const fields = Object.entries(rest).filter(([, v]) => v !== undefined);
  if (op.method === 'GET' || op.method === 'DELETE') {
    for (const [name, value] of fields) if (value !== null) for (const v of queryValue(value)) url.searchParams.append(name, v);
    return { url, body: undefined };
  }
  return { url, body: op.input ? JSON.stringify(Object.fromEntries(fields)) : undefined };
}

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

/** The error an admin API's error answer stands for, as the same call on a local store would throw it. */
function errorOf(status: number, text: string, where: string, identity: AdminIdentity): Error {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const error = fields['error'];
  const description = typeof fields['error_description'] === 'string' ? fields['error_description'] : '';
  if (isErrorCode(error)) return new CertboundError(error, description || error);
  if (status === 401 || status === 403) {
    return new CertboundError(
      'ERR_CERTBOUND_ADMIN_REFUSED',
      `the admin API at ${where} refused the certificate ${identity.certSource}${description ? `: ${description}` : ''}. ` +
        'It must be registered as an administrator certificate (certbound admin add-cert) and be valid.',
    );
  }
  if (error === 'invalid_input') return new CertboundError('ERR_CERTBOUND_INVALID_INPUT', description || 'invalid input');
  if (typeof error === 'string' && status >= 400 && status < 500 && error !== 'not_found') return new OAuthError(error, status, description || error);
  if (status === 404) {
    return new CertboundError('ERR_CERTBOUND_ADMIN_UNAVAILABLE', `${where} has no such admin endpoint: is it a certbound admin API of this version?`);
  }
  return new CertboundError('ERR_CERTBOUND_ADMIN_UNAVAILABLE', `the admin API at ${where} failed (${status}${typeof error === 'string' ? ` ${error}` : ''})`);
}

/** Why a connection failed, in words that name no key or certificate body. */
function reason(err: unknown): string {
  if (err instanceof Error) {
    const code = 'code' in err && typeof err.code === 'string' ? err.code : undefined;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

/**
 * Connects to an admin API at `baseUrl` with an administrator's certificate (mutual TLS): each
 * operation becomes its HTTP request, and an error answer becomes the error the same operation
 * would throw locally (a CertboundError with its code, an OAuthError), so that commands behave
 * alike wherever they act.
 */
export function createAdminClient(baseUrl: string, identity: AdminIdentity): AdminClient {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new UsageError(`--admin-url '${baseUrl}' is not a URL`);
  }
  if (base.protocol !== 'https:') throw new UsageError(`--admin-url must be an https:// URL (mutual TLS), not ${base.protocol}`);
  const where = shown(base);
  const dispatcher = new Agent({
    connect: { cert: identity.cert, key: identity.key, ...(identity.ca === undefined ? {} : { ca: identity.ca }), timeout: 10_000 },
    headersTimeout: TIMEOUT,
    bodyTimeout: TIMEOUT,
  });
  return {
    async invoke(op, input) {
      const { url, body } = requestFor(base, op, input);
      let res: Awaited<ReturnType<typeof request>>;
      try {
        res = await request(url, {
          dispatcher,
          method: op.method,
          headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body }),
          signal: AbortSignal.timeout(TIMEOUT),
        });
      } catch (err) {
        throw new CertboundError('ERR_CERTBOUND_ADMIN_UNAVAILABLE', `cannot reach the admin API at ${where}: ${reason(err)}`, { cause: err });
      }
      let text: string;
      try {
        text = await res.body.text();
      } catch (err) {
        throw new CertboundError('ERR_CERTBOUND_ADMIN_UNAVAILABLE', `the admin API at ${where} broke off its answer: ${reason(err)}`, { cause: err });
      }
      if (res.statusCode !== 200) throw errorOf(res.statusCode, text, where, identity);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new CertboundError('ERR_CERTBOUND_ADMIN_UNAVAILABLE', `${where} did not answer as a certbound admin API (no JSON)`);
      }
    },
    close: () => dispatcher.close(),
  };
}
