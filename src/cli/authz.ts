import { AUTHZ_CERTIFICATE_FORMAT, startAuthz, type Authz, type AuthzOptions } from '../gateway/authz.ts';
import type { AuthzForm } from '../gateway/original-request.ts';
import { UsageError, type Command } from './context.ts';
import { runProxyCommand } from './proxy-command.ts';
import { certificateSourceOf, guardOptionsOf, hostPort, identityNamesOf, partnersOf, policyOf, Settings, SHARED_OPTIONS } from './gateway-config.ts';

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
  usage: `Usage: certbound authz --issuer URL --audience URI --trusted-proxy CIDR … [--form nginx|traefik|envoy]
                      [--route "METHOD PATH=SCOPES" …] [--default deny|authenticated]
                      [--listen 127.0.0.1:9445] [--config F] [--admin-listen 127.0.0.1:9446] [more below]

The endpoint a proxy asks before forwarding a request: 200 with the caller's identity headers when
its certificate-bound token (RFC 8705 §3) is held by the certificate the proxy saw and has the
route's scopes; else 401 with the WWW-Authenticate to pass back, or 403. Plain HTTP, for the proxy
only: the certificate header is believed from --trusted-proxy addresses alone. See docs/gateway.md.
  --form nginx            nginx auth_request: X-Original-Method, X-Original-URI and
                          ssl-client-cert ($ssl_client_escaped_cert) set in the configuration
  --form traefik          Traefik ForwardAuth: X-Forwarded-Method, X-Forwarded-Uri, and
                          X-Forwarded-Tls-Client-Cert (passTLSClientCert with pem: true)
  --form envoy            Envoy HTTP ext_authz: the check request's method and path, behind
                          --envoy-path-prefix P (its path_prefix), x-forwarded-client-cert
  --trusted-proxy CIDR    the proxy's address or range (repeatable; required)
  --certificate-source S  another header format than the form's (nginx, traefik, xfcc, rfc9440,
                          alb, alb-passthrough); --certificate-header NAME, --verify-header NAME=VALUE
                          (e.g. ssl-client-verify=SUCCESS with nginx ssl_verify_client optional)
  --issuer URL            the token service's issuer; its keys are found by discovery
  --issuer-ca F           CA certificate of the token service's TLS certificate (its ca.pem)
  --audience URI          this API's identifier, as tokens carry it in aud (repeatable)
  --route "M PATH=SCOPES" METHOD[,METHOD…] or *, an exact path or a prefix ending in *, and the
                          scopes a token needs; first match wins; repeatable
  --default deny          a request no route matches: deny (403, default) or authenticated
  --introspection ID      also ask the token service (RFC 7662) whether each token is still active,
  --introspection-cert F  as client ID with this certificate and key
  --introspection-key F
  --partner NAME=CA.pem   name the partner whose CA issued the client certificate (repeatable)
  --identity-header F=N   rename an identity header: client-id, partner, scope, cert-thumbprint
  --listen HOST:PORT      where authz listens (default 127.0.0.1:9445)
  --admin-listen H:P      serve /healthz, /readyz and /metrics there (off unless given)
  --config F              a JSON object of these options by long name; the command line wins
  --log-level L           pino level of the decision log on stderr (default info)
SIGHUP reloads the routes; SIGTERM or SIGINT stops gracefully.`,
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
