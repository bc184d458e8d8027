import { startGateway, type Gateway, type GatewayOptions, type GatewayTls } from '../gateway/gateway.ts';
import type { ForwardedStyle } from '../gateway/request-headers.ts';
import { UsageError, type Command } from './context.ts';
import { runProxyCommand } from './proxy-command.ts';
import { certificateSourceOf, guardOptionsOf, hostPort, identityNamesOf, partnersOf, policyOf, readOption, Settings, SHARED_OPTIONS } from './gateway-config.ts';

/** The options of `certbound gateway` (its --help names every one). */
export const GATEWAY_OPTIONS = {
  ...SHARED_OPTIONS,
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'client-ca': { type: 'string' },
  upstream: { type: 'string' },
  'upstream-ca': { type: 'string' },
  'upstream-timeout': { type: 'string' },
  'upstream-connections': { type: 'string' },
  'max-body': { type: 'string' },
  'forward-authorization': { type: 'boolean' },
  'preserve-host': { type: 'boolean' },
  forwarded: { type: 'string' },
  'shutdown-timeout': { type: 'string' },
} as const;

/** The gateway's TLS credential from --tls-cert, --tls-key and --client-ca (read again on reload). */
async function tlsOf(s: Settings): Promise<GatewayTls | undefined> {
  const cert = s.string('tls-cert');
  const key = s.string('tls-key');
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  if (cert === undefined) return undefined;
  const ca = s.string('client-ca');
  return { cert: await readOption('tls-cert', cert), key: await readOption('tls-key', key!), ...(ca === undefined ? {} : { clientCa: await readOption('client-ca', ca) }) };
}

/** Everything `startGateway` needs, from the command line and config file. */
async function gatewayOptions(s: Settings, logger: GatewayOptions['logger']): Promise<GatewayOptions> {
  const source = certificateSourceOf(s, 'tls');
  const tls = await tlsOf(s);
  if (source === 'tls' && tls === undefined) throw new UsageError('--tls-cert and --tls-key are required (or a proxy --certificate-source)');
  const listen = hostPort('listen', s.string('listen') ?? '127.0.0.1:9443');
  const admin = s.string('admin-listen');
  const forwarded = s.string('forwarded') ?? 'x-forwarded';
  if (forwarded !== 'x-forwarded' && forwarded !== 'rfc7239') throw new UsageError('--forwarded is x-forwarded or rfc7239');
  const upstreamCa = s.string('upstream-ca');
  const timeoutMs = s.integer('upstream-timeout', 1, 3_600_000);
  const connections = s.integer('upstream-connections', 1, 100_000);
  const maxBodyBytes = s.integer('max-body', 0, Number.MAX_SAFE_INTEGER);
  const shutdownTimeoutMs = s.integer('shutdown-timeout', 0, 3_600_000);
  return {
    guard: await guardOptionsOf(s, source),
    ...(tls ? { tls } : {}),
    host: listen.host,
    port: listen.port,
    upstream: {
      url: s.required('upstream'),
      ...(upstreamCa === undefined ? {} : { ca: await readOption('upstream-ca', upstreamCa) }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(connections === undefined ? {} : { connections }),
      ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
    },
    policy: policyOf(s),
    identityHeaders: identityNamesOf(s),
    forwardAuthorization: s.flag('forward-authorization'),
    preserveHost: s.flag('preserve-host'),
    forwarded: forwarded as ForwardedStyle,
    partners: await partnersOf(s),
    ...(logger ? { logger } : {}),
    ...(admin === undefined ? {} : { ops: hostPort('admin-listen', admin) }),
    ...(shutdownTimeoutMs === undefined ? {} : { shutdownTimeoutMs }),
  };
}

/** `certbound gateway`: a reverse proxy that lets through only certificate-bound tokens held by their certificate. */
export const gateway: Command = {
  usage: `Usage: certbound gateway --issuer URL --audience URI --upstream http://HOST:PORT
                        --tls-cert F --tls-key F [--client-ca F] [--listen 127.0.0.1:9443]
                        [--route "METHOD PATH=SCOPES" …] [--default deny|authenticated]
                        [--certificate-source tls|nginx|rfc9440|xfcc|traefik|alb|alb-passthrough
                         --trusted-proxy CIDR … [--certificate-header NAME] [--verify-header NAME=VALUE]]
                        [--config F] [--admin-listen 127.0.0.1:9444] [more options below]

Terminates mutual TLS, verifies each request's certificate-bound access token (RFC 8705 §3) with
the scopes of its route, and forwards what it allows to the upstream, which needs no OAuth code.
See docs/gateway.md.
  --issuer URL            the token service's issuer; its keys are found by discovery
  --issuer-ca F           CA certificate of the token service's TLS certificate (its ca.pem)
  --audience URI          this API's identifier, as tokens carry it in aud (repeatable)
  --upstream URL          where allowed requests go: an http:// or https:// origin
  --tls-cert/--tls-key F  the gateway's TLS certificate and key (PEM)
  --client-ca F           CA certificates whose names clients are offered when asked for theirs
  --listen HOST:PORT      where the gateway listens (default 127.0.0.1:9443)
  --route "M PATH=SCOPES" METHOD[,METHOD…] or *, an exact path or a prefix ending in *, and the
                          scopes a token needs (none: every valid token passes); first match wins; repeatable
  --default deny          what a request no route matches gets: deny (403, the default), or
                          authenticated (any valid bound token)
  --certificate-source S  tls (default: this connection's certificate) or the header format of a
                          TLS-terminating proxy in front; then --trusted-proxy (repeatable) names
                          the proxy addresses believed, --certificate-header another header name,
                          --verify-header NAME=VALUE a verdict header required (docs/proxies.md)
  --introspection ID      also ask the token service (RFC 7662) whether each token is still active,
  --introspection-cert F  as client ID with this certificate and key (revocation bites at once)
  --introspection-key F
  --partner NAME=CA.pem   name the partner whose CA issued the client certificate (repeatable)
  --identity-header F=N   rename an identity header: client-id, partner, scope, cert-thumbprint
                          (defaults X-Certbound-Client-Id, -Partner, -Scope, -Cert-Thumbprint)
  --forward-authorization pass the client's Authorization header on (default: removed)
  --forwarded STYLE       x-forwarded (X-Forwarded-For/-Proto/-Host, default) or rfc7239 (Forwarded)
  --preserve-host         pass the client's Host on (default: the upstream's own host; the client's
                          is in X-Forwarded-Host or Forwarded)
  --upstream-ca F         CA certificate(s) of an https upstream
  --upstream-timeout MS   longest wait for the upstream's headers or next body chunk (default 30000): 504
  --upstream-connections N  connections kept to the upstream (default 128)
  --max-body BYTES        largest request body forwarded (default 10485760): 413
  --admin-listen H:P      serve /healthz, /readyz and /metrics there (plain HTTP; off unless given)
  --shutdown-timeout MS   how long SIGTERM waits for requests in flight (default 10000)
  --config F              a JSON object of these options by long name ({"route": [...], ...});
                          the command line wins
  --log-level L           pino level of the access log on stderr (default info)
SIGHUP reloads the TLS certificate and key, the client CAs and the routes (from the command line
and --config) without dropping connections; SIGTERM or SIGINT stops gracefully.`,
  run: (args, io) =>
    runProxyCommand<GatewayOptions, Gateway>(
      {
        name: 'gateway',
        options: GATEWAY_OPTIONS,
        build: gatewayOptions,
        start: startGateway,
        describe: (_running, options) => `
  upstream     ${options.upstream.url}
  routes       ${options.policy.routes.length} (unmatched: ${options.policy.fallback})`,
        async reload(settings, running) {
          const tls = await tlsOf(settings);
          running.reload({ policy: policyOf(settings), ...(tls ? { tls } : {}) });
        },
        reloads: 'the certificate and routes',
      },
      args,
      io,
    ),
};
