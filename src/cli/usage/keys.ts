// The usage of `certbound keys`, apart from the command so that `certbound keys --help` loads
// only this text (src/cli/main.ts), never the command's implementation.
import { ADMIN_TARGET_USAGE } from './admin-target.ts';

/** What `certbound keys --help` prints. */
export const KEYS_USAGE = `Usage: certbound keys <subcommand> [options] [--dir D] [--json]

  list      the token signing keys: pending (published, not signing yet), signing, previous
            (published until every token it signed has expired), retired; and the schedule
  rotate [--lead-time 1h]
            add a new signing key, published in /jwks at once and signing after the lead time
            (default 1h: longer than resource servers cache the JWKS — certbound's guard 10 min)
  rotate --schedule 30d|off [--lead-time 1h]
            rotate automatically: certbound serve adds a key every period (serve --key-rotation
            sets it for one instance)
  retire    withdraw from /jwks the previous keys whose tokens have all expired (24 h, the longest
            token lifetime, plus 5 min after they stopped signing); serve does it by itself
${ADMIN_TARGET_USAGE}

Usage: certbound keys rewrap --new-kek-file F [--kek-file F] [--database URL] [--dir D] [--json]

Re-encrypts every private key the store holds — the platform and partner CAs, the token
service's TLS key, the token signing keys — under a new key-encryption key (KEK), in one
transaction: all of them or none. Recorded in the audit log (admin.rewrapKeys, with the KEK ids).
  --new-kek-file F  the new KEK: 32 random bytes in base64 (openssl rand -base64 32 > F)
  --kek-file F      the current KEK (or $CERTBOUND_KEK); for the embedded store, default <dir>/kek
  --database URL    the PostgreSQL store (postgres://…) instead of <dir>/certbound.db
When the current KEK is the embedded store's <dir>/kek, that file is replaced by the new KEK
once the keys are re-wrapped. Otherwise start certbound with the new KEK from now on (keep the
old one until then). Stop certbound serve first — every instance, on a PostgreSQL store.`;
