// The usage of `certbound audit`, apart from the command so that `certbound audit --help` loads
// only this text (src/cli/main.ts), never the command's implementation.
import { ADMIN_TARGET_USAGE } from './admin-target.ts';

/** What `certbound audit --help` prints. */
export const AUDIT_USAGE = `Usage: certbound audit [--partner P] [--client C] [--since 1h|DATE|TIME] [--outcome success|denied]
                      [--limit N] [--dir D] [--json]
       certbound audit prune --before 90d|DATE|TIME    delete older events (retention; itself audited)

Prints the audit log, oldest first: tokens issued and refused (with the reason), failed client
authentications, admin changes — time, partner, client, certificate thumbprint and serial,
resource, outcome. Never a token, secret or key. --since and --before take a duration back
from now (30m, 12h, 7d), an ISO 8601 date (2026-02-01, midnight UTC) or an RFC 3339 time with
its offset (2026-02-01T12:00:00Z); a date that does not exist (2026-02-30) is an error.
--limit keeps the newest N events (default 1000).
${ADMIN_TARGET_USAGE}`;
