import { AUTHZ_CERTIFICATE_FORMAT, startAuthz, type Authz, type AuthzOptions } from '../gateway/authz.ts';
import type { AuthzForm } from '../gateway/original-request.ts';
import { UsageError, type Command } from './context.ts';
import { runProxyCommand } from './proxy-command.ts';
import { certificateSourceOf, guardOptionsOf, hostPort, identityNamesOf, partnersOf, policyOf, Settings, SHARED_OPTIONS } from './gateway-config.ts';
import { AUTHZ_USAGE } from './usage/authz.ts';

/** The options of `certbound authz` (its --help names every one). */
export const AUTHZ_OPTIONS = {
  ...SHARED_OPTIONS,
  form: { type: 'string' },
  'envoy-path-prefix': { type: 'string' },
} as const;

const FORMS: readonly AuthzForm[] = ['nginx', 'traefik', 'envoy'];

/** Everything `startAuthz` needs, from the command line and config file. */
async function authzOptions(s: Settings, logger: AuthzOptions['logger']): Promise<AuthzOptions> {
  const form = s.string('form') ?? 'nginx';
  if (!(FORMS as readonly string[]).includes(form)) throw new UsageError('--form is nginx, traefik or envoy');
  const source = certificateSourceOf(s, AUTHZ_CERTIFICATE_FORMAT[form as AuthzForm]);
  if (source === 'tls') throw new UsageError('authz never sees the client\'s TLS connection: --certificate-source names the proxy\'s header format');
  const listen = hostPort('listen', s.string('listen') ?? '127.0.0.1:9445');
  const admin = s.string('admin-listen');
  const prefix = s.string('envoy-path-prefix');
  if (prefix !== undefined && form !== 'envoy') throw new UsageError('--envoy-path-prefix goes with --form envoy');
  if (prefix !== undefined && !/^\/[\x21-\x7e]*$/.test(prefix)) throw new UsageError('--envoy-path-prefix must be a path');
  return {
    guard: { ...(await guardOptionsOf(s, source)), certificateSource: source },
    form: form as AuthzForm,
    ...(prefix === undefined ? {} : { envoyPathPrefix: prefix.replace(/\/$/, '') }),
    host: listen.host,
    port: listen.port,
    policy: policyOf(s),
    identityHeaders: identityNamesOf(s),
    partners: await partnersOf(s),
    ...(logger ? { logger } : {}),
    ...(admin === undefined ? {} : { ops: hostPort('admin-listen', admin) }),
  };
}

/** `certbound authz`: the authorization endpoint of nginx auth_request, Traefik ForwardAuth and Envoy ext_authz. */
export const authz: Command = {
  usage: AUTHZ_USAGE,
  run: (args, io) =>
    runProxyCommand<AuthzOptions, Authz>(
      {
        name: 'authz',
        options: AUTHZ_OPTIONS,
        build: authzOptions,
        start: startAuthz,
        describe: (_running, options) => ` (${options.form} form)
  routes       ${options.policy.routes.length} (unmatched: ${options.policy.fallback})`,
        reload: async (settings, running) => running.reload({ policy: policyOf(settings) }),
        reloads: 'the routes',
      },
      args,
      io,
    ),
};
