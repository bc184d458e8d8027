// The usage of `certbound init`, apart from the command so that `certbound init --help` loads
// only this text (src/cli/main.ts), never the command's implementation.

/** What `certbound init --help` prints. */
export const INIT_USAGE = `Usage: certbound init [--dir D] [--database URL] [--issuer URL [--replace-issuer]] [--san dns:NAME|ip:ADDR]...
                     [--trust-domain NAME] [--kek-file F] [--json]

Creates the data directory (default ./.certbound, or $CERTBOUND_DIR; mode 0700): the embedded
database, a platform root CA (ECDSA P-256), the token service's TLS certificate (SAN
localhost, 127.0.0.1, ::1 and each --san), and an ES256 signing key. Private keys are stored
wrapped under a key-encryption key: --kek-file F or $CERTBOUND_KEK, else <dir>/kek (mode 0600),
created here. Writes ca.pem, tls-cert.pem and tls-key.pem (mode 0600) beside the database.
Safe to run again. A data directory group or others can read or write is refused unless
--insecure-permissions.
--database URL puts the store in a PostgreSQL server (postgres://…) instead, for several
instances; it needs --kek-file F or $CERTBOUND_KEK. The PEM files are still written to --dir.
--issuer URL binds the store to the issuer every instance must serve (otherwise the first
serve on a PostgreSQL store binds its own); a store bound to another is refused
(ERR_CERTBOUND_ISSUER_MISMATCH) unless --replace-issuer (stop every instance first: tokens
issued under the old issuer stop introspecting active).
--trust-domain sets the SPIFFE trust domain of the SAN URIs of certificates certbound issues
(spiffe://NAME/partner/<partner>/client/<client>; default certbound.local).`;
