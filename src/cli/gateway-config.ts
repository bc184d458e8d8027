/**
 * The options `certbound gateway` and `certbound authz` share, from the command line or a JSON
 * config file (`--config F`: an object whose keys are the long option names, e.g.
 * `{"route": ["GET /orders/*=orders:read"], "tls-cert": "gw.pem"}`); the command line wins.
 * Files are read here, so a reload (SIGHUP) is "read the configuration again".
 */
import { readFile } from 'node:fs/promises';
import type { Policy } from '../gateway/authorize.ts';
import type { IdentityHeaderNames } from '../gateway/identity.ts';
import { parseRoute } from '../gateway/routes.ts';
import type { CertificateSource, GuardOptions } from '../resource/options.ts';
import type { ProxyFormat } from '../transport/proxy.ts';
import { UsageError } from './context.ts';

/** Options of both commands, for parseArgs. */
export const SHARED_OPTIONS = {
  config: { type: 'string' },
  listen: { type: 'string' },
  'admin-listen': { type: 'string' },
  issuer: { type: 'string' },
  'issuer-ca': { type: 'string' },
  audience: { type: 'string', multiple: true },
  route: { type: 'string', multiple: true },
  default: { type: 'string' },
  'certificate-source': { type: 'string' },
  'trusted-proxy': { type: 'string', multiple: true },
  'certificate-header': { type: 'string' },
  'verify-header': { type: 'string' },
  introspection: { type: 'string' },
  'introspection-cert': { type: 'string' },
  'introspection-key': { type: 'string' },
  partner: { type: 'string', multiple: true },
  'identity-header': { type: 'string', multiple: true },
  'log-level': { type: 'string' },
} as const;

/** The parsed values of a command line (parseArgs' shape). */
export type Values = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

const FORMATS: readonly ProxyFormat[] = ['rfc9440', 'xfcc', 'nginx', 'alb', 'alb-passthrough', 'traefik'];
const IDENTITY_FIELDS: Readonly<Record<string, keyof IdentityHeaderNames>> = { 'client-id': 'clientId', partner: 'partner', scope: 'scope', 'cert-thumbprint': 'thumbprint' };

/** The command line over the config file: one lookup per option. */
export class Settings {
  readonly #cli: Values;
  readonly #file: Readonly<Record<string, unknown>>;

  private constructor(cli: Values, file: Readonly<Record<string, unknown>>) {
    this.#cli = cli;
    this.#file = file;
  }

  /** Reads `--config` (when given) under the command line's values. */
  static async load(cli: Values, known: readonly string[]): Promise<Settings> {
    const path = cli['config'];
    if (typeof path !== 'string') return new Settings(cli, {});
    let file: unknown;
    try {
      file = JSON.parse(await readFile(path, 'utf8'));
    } catch (err) {
      throw new UsageError(`--config ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not a JSON object'}`);
    }
    if (typeof file !== 'object' || file === null || Array.isArray(file)) throw new UsageError(`--config ${path}: not a JSON object`);
    const unknown = Object.keys(file).filter((key) => !known.includes(key) || key === 'config');
    if (unknown.length > 0) throw new UsageError(`--config ${path}: unknown option '${unknown[0]}'`);
    return new Settings(cli, file as Record<string, unknown>);
  }

  #raw(name: string): unknown {
    const value = this.#cli[name];
    return value !== undefined && !(Array.isArray(value) && value.length === 0) ? value : this.#file[name];
  }

  /** A single string option. */
  string(name: string): string | undefined {
    const value = this.#raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new UsageError(`--${name} must be a string`);
    return value;
  }

  /** A repeatable option (a string or a list of strings in the file). */
  list(name: string): string[] {
    const value = this.#raw(name);
    if (value === undefined) return [];
    const list = Array.isArray(value) ? value : [value];
    if (list.some((v) => typeof v !== 'string')) throw new UsageError(`--${name} must be strings`);
    return list as string[];
  }

  /** A flag. */
  flag(name: string): boolean {
    const value = this.#raw(name);
    if (value === undefined) return false;
    if (typeof value !== 'boolean') throw new UsageError(`--${name} is a flag (true or false)`);
    return value;
  }

  /** A required string option. */
  required(name: string): string {
    const value = this.string(name);
    if (value === undefined) throw new UsageError(`--${name} is required`);
    return value;
  }

  /** A whole number option within bounds. */
  integer(name: string, min: number, max: number): number | undefined {
    const value = this.#raw(name);
    if (value === undefined) return undefined;
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
    return n;
  }
}

/** `HOST:PORT` (IPv6 in brackets) into its parts. */
export function hostPort(name: string, value: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || port > 65_535) throw new UsageError(`--${name} must be HOST:PORT`);
  return { host: (match[1] ?? match[2])!, port };
}

async function text(name: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`--${name} ${path}: cannot be read`);
  }
}

/** The route policy: --route (repeatable) and --default deny|authenticated. */
export function policyOf(s: Settings): Policy {
  const fallback = s.string('default') ?? 'deny';
  if (fallback !== 'deny' && fallback !== 'authenticated') throw new UsageError('--default is deny or authenticated');
  try {
    return { routes: s.list('route').map(parseRoute), fallback };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The certificate source: `tls`, or a proxy format with --trusted-proxy (and optional header names). */
export function certificateSourceOf(s: Settings, fallback: 'tls' | ProxyFormat): CertificateSource {
  const source = s.string('certificate-source') ?? fallback;
  if (source === 'tls') {
    if (s.list('trusted-proxy').length > 0) throw new UsageError('--trusted-proxy goes with a proxy --certificate-source');
    return 'tls';
  }
  if (!(FORMATS as readonly string[]).includes(source)) throw new UsageError(`--certificate-source is tls or one of ${FORMATS.join(', ')}`);
  const trustedProxies = s.list('trusted-proxy');
  // Fail closed: a header believed from anyone is a header anyone can forge.
  if (trustedProxies.length === 0) throw new UsageError(`--certificate-source ${source} needs --trusted-proxy (the proxy's address or CIDR range)`);
  const header = s.string('certificate-header');
  const verify = s.string('verify-header');
  const eq = verify?.indexOf('=') ?? -1;
  if (verify !== undefined && eq <= 0) throw new UsageError('--verify-header must be NAME=VALUE');
  return {
    from: 'proxy',
    format: source as ProxyFormat,
    trustedProxies,
    ...(header === undefined ? {} : { header }),
    ...(verify === undefined ? {} : { verifyHeader: { name: verify.slice(0, eq), value: verify.slice(eq + 1) } }),
  };
}

/** The guard's options: issuer, audience(s), the token service's CA, introspection. */
export async function guardOptionsOf(s: Settings, certificateSource: CertificateSource): Promise<GuardOptions> {
  const issuer = s.required('issuer');
  const audience = s.list('audience');
  if (audience.length === 0) throw new UsageError('--audience is required (the identifier tokens for this API carry in aud)');
  const issuerCa = s.string('issuer-ca');
  const clientId = s.string('introspection');
  const cert = s.string('introspection-cert');
  const key = s.string('introspection-key');
  if ((clientId === undefined) !== (cert === undefined) || (cert === undefined) !== (key === undefined)) {
    throw new UsageError('--introspection, --introspection-cert and --introspection-key go together');
  }
  return {
    issuer,
    audience,
    certificateSource,
    ...(issuerCa === undefined ? {} : { ca: await text('issuer-ca', issuerCa) }),
    ...(clientId === undefined ? {} : { introspection: { clientId, cert: await text('introspection-cert', cert!), key: await text('introspection-key', key!) } }),
  };
}

/** --partner NAME=CA.pem (repeatable): the partner map. */
export async function partnersOf(s: Settings): Promise<Map<string, string>> {
  const partners = new Map<string, string>();
  for (const entry of s.list('partner')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError('--partner must be NAME=CA.pem');
    partners.set(entry.slice(0, eq), await text('partner', entry.slice(eq + 1)));
  }
  return partners;
}

/** --identity-header FIELD=NAME (repeatable; client-id, partner, scope, cert-thumbprint). */
export function identityNamesOf(s: Settings): Partial<IdentityHeaderNames> {
  const names: Partial<Record<keyof IdentityHeaderNames, string>> = {};
  for (const entry of s.list('identity-header')) {
    const eq = entry.indexOf('=');
    const field = IDENTITY_FIELDS[entry.slice(0, Math.max(eq, 0))];
    if (eq <= 0 || field === undefined) throw new UsageError('--identity-header must be client-id|partner|scope|cert-thumbprint=NAME');
    names[field] = entry.slice(eq + 1);
  }
  return names;
}

/** Reads a file option (PEM). */
export function readOption(name: string, path: string): Promise<string> {
  return text(name, path);
}
