// The usage of `certbound admin`, apart from the command so that `certbound admin --help` loads
// only this text (src/cli/main.ts), never the command's implementation.
import { ADMIN_TARGET_USAGE } from './admin-target.ts';

/** What `certbound admin --help` prints. */
export const ADMIN_USAGE = `Usage: certbound admin <subcommand> [options] [--dir D] [--json]

Administrators authenticate to the admin API (serve --admin-port, default 8444) with a
client certificate pinned by its x5t#S256 thumbprint.

  add-cert <name> (--out DIR | --cert PEM)   issue an administrator key and certificate from
                                             the platform CA into DIR (key.pem mode 0600), or
                                             register an existing certificate
  list-certs
  remove-cert <thumbprint>
${ADMIN_TARGET_USAGE}`;
