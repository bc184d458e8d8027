import { startGateway, type Gateway, type GatewayOptions, type GatewayTls } from '../gateway/gateway.ts';
import type { ForwardedStyle } from '../gateway/request-headers.ts';
import { UsageError, type Command } from './context.ts';
import { runProxyCommand } from './proxy-command.ts';
import { certificateSourceOf, guardOptionsOf, hostPort, identityNamesOf, partnersOf, policyOf, readOption, Settings, SHARED_OPTIONS } from './gateway-config.ts';
import { GATEWAY_USAGE } from './usage/gateway.ts';

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
  usage: GATEWAY_USAGE,
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
