import type { DemoWorld } from './demo-world.ts';

/** Quotes a path for a POSIX shell when it needs it. */
function sh(path: string): string {
  return /^[\w./:-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
}

/**
 * What `certbound demo --keep` prints once the steps ran: where things are, and curl commands
 * that repeat steps 1 to 3 by hand against the services left running.
 */
export function keepInstructions(world: DemoWorld): string {
  const tls = (id: DemoWorld['acme']) => `--cacert ${sh(world.caFile)} --cert ${sh(id.files.cert)} --key ${sh(id.files.key)}`;
  return `The services keep running (--keep):
  data directory  ${world.dir}
  token service   ${world.issuer}
  orders API      ${world.ordersUrl}

Try it by hand, in another terminal:

  # 1. Server A gets a token bound to its certificate
  TOKEN=$(curl -s ${tls(world.acme)} \\
    -d grant_type=client_credentials -d client_id=${world.acme.clientId} ${world.tokenEndpoint} | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')

  # 2. Server A calls the orders API with it, over mTLS with the same certificate: 200
  curl -s -w '\\n' ${tls(world.acme)} \\
    -H "Authorization: Bearer $TOKEN" ${world.ordersUrl}

  # 3. globex's server presents the stolen token with its own certificate: 401 invalid_token
  curl -si ${tls(world.globex)} \\
    -H "Authorization: Bearer $TOKEN" ${world.ordersUrl}

Stop with Ctrl-C: it stops the services and removes the data directory.`;
}
