// What \`certbound serve\` prints and the names its certificate needs: the banner, kept apart
// from the start-up sequence in serve.ts.
import { join, relative } from 'node:path';
import { parseSanArgument } from '../admin/certs.ts';
import { DEMO } from '../admin/demo.ts';
import { dataDirFiles } from '../admin/files.ts';
import type { SubjectAltName } from '../pki/issue.ts';
import type { Io } from './context.ts';

/** The SAN the TLS certificate needs so that clients reach `hostname` (the issuer's, the admin API's). */
export function hostSan(hostname: string): SubjectAltName[] {
  const host = hostname.replace(/^\[|\]$/g, '');
  // localhost is always covered; an address that binds every interface is no name to reach.
  if (host === 'localhost' || host === '0.0.0.0' || host === '::') return [];
  try {
    return [parseSanArgument(`ip:${host}`)];
  } catch {
    return [parseSanArgument(`dns:${host}`)];
  }
}

function shellPath(path: string): string {
  const rel = relative(process.cwd(), path);
  const shown = rel.startsWith('..') ? path : rel;
  return /^[\w./-]+$/.test(shown) ? shown : `'${shown.replaceAll("'", "'\\''")}'`;
}

/** Whether a bound address is reachable from other hosts (anything but loopback). */
function beyondLoopback(address: string): boolean {
  return !(address === '::1' || address.startsWith('127.') || address === 'localhost' || address.startsWith('::ffff:127.'));
}

/** How the banner shows the admin API: where this host reaches it, and where it is really bound when that differs. */
function adminLine(admin: { url: string; boundAddress: string; note: string } | null): string {
  if (admin === null) return 'off (--no-admin)';
  const host = new URL(admin.url).hostname.replace(/^\[|\]$/g, '');
  return host === admin.boundAddress ? `${admin.url}${admin.note}` : `${admin.url}${admin.note} (bound to ${admin.boundAddress})`;
}

/** Prints what runs where, and the next step: a curl for the demo client, or how to register one. */
export function banner(io: Io, dir: string, issuer: string, url: string, admin: { url: string; boundAddress: string; note: string } | null, metricsUrl: string | null, demo: boolean): void {
  const files = dataDirFiles(dir);
  const adminUrl = admin?.url ?? null;
  // One write: log lines (stderr) may not land between its parts on a terminal showing both streams.
  const parts: string[] = [];
  parts.push(`certbound token service is running.
  issuer       ${issuer}
  listening    ${url}
  admin API    ${adminLine(admin)}
  metrics      ${metricsUrl ?? 'off (--metrics-port N to serve them)'}
  data         ${dir}
  platform CA  ${files.caCert}
`);
  if (admin && beyondLoopback(admin.boundAddress)) {
    parts.push(`WARNING: the admin API listens on ${admin.boundAddress}, beyond this host: only administrator certificates are
         let in, but keep it behind a firewall or bind it to loopback (--admin-host 127.0.0.1).
`);
  }
  if (demo) {
    const d = join(dir, DEMO.client);
    parts.push(`Get a certificate-bound access token for the demo client:

  curl --cert ${shellPath(join(d, 'cert.pem'))} --key ${shellPath(join(d, 'key.pem'))} --cacert ${shellPath(files.caCert)} \\
    -d grant_type=client_credentials -d client_id=${DEMO.client} ${issuer.replace(/\/$/, '')}/token
`);
  } else {
    const how = adminUrl === null ? 'after stopping the service: it runs without its admin API' : 'changes go through the admin API and are live at once';
    parts.push(`Register a partner and a client (in another terminal; ${how}):
  certbound partner add acme
  certbound resource add https://api.acme.example/orders --owner acme --scope "orders:read"
  certbound client add acme-orders --partner acme --scope "orders:read" --resource https://api.acme.example/orders --issue-cert ./acme-orders
`);
  }
  parts.push('Stop with Ctrl-C.');
  io.out(parts.join('\n'));
}
