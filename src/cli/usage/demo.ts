// The usage of `certbound demo`, apart from the command so that `certbound demo --help` loads
// only this text (src/cli/main.ts), never the command's implementation.

/** What `certbound demo --help` prints. */
export const DEMO_USAGE = `Usage: certbound demo [--keep]

Shows certificate-bound access tokens (RFC 8705) at work, in a few seconds. In a temporary data
directory it starts the token service and a sample "orders" API guarded by certbound/resource,
adds partners acme and globex with one client each, and narrates six steps, with the
certificate thumbprints:
  1. acme's server authenticates with its certificate and gets a token bound to it (cnf)
  2. it calls the orders API with the token: 200
  3. the token is stolen: globex's server presents it with its own certificate: 401
  4. the thief presents it without a certificate: 401
  5. a plain bearer token (a secret client with --no-bound-tokens) is refused by the API
  6. acme's server asks for a token for globex's API: 400 invalid_target
Exits 0 only if every step behaved as RFC 8705 says; stops everything and removes the
directory when done (or on Ctrl-C).
  --keep   leave the token service and the API running, and print curl commands to try
           by hand; Ctrl-C stops them and removes the directory`;
