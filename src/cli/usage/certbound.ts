// The usage of `certbound` itself (`certbound --help`): the commands, one line each.

/** What `certbound --help` prints. */
export const CERTBOUND_USAGE = `Usage: certbound <command> [options]

OAuth 2.0 Mutual-TLS (RFC 8705) for server-to-server APIs.

Commands:
  init       create the data directory: database, platform CA, TLS certificate, signing key
  serve      run the token service (initialises the data directory if needed)
  partner    partners and their trust anchors: add, list, show, disable, enable, delete, trust
  client     clients (servers that ask for tokens): add, list, show, disable, update, cert rotation
  resource   APIs with their scopes, and grants of them to partners or clients
  cert       certificates: sign a partner's CSR, revoke, list; TLS server certificates
  admin      administrator certificates for the admin API
  audit      the audit log: tokens issued and refused, authentication failures, admin changes
  keys       the key-encryption key private keys are stored under: rewrap (rotate it)
  migrate-store  copy a data directory's store from an earlier version (PGlite) into SQLite
  token      get a certificate-bound access token with a client certificate
  call       call an API with a certificate-bound token (a curl for bound tokens)
  demo       see RFC 8705 at work in a few seconds: bound tokens, a stolen token refused
  gateway    a reverse proxy that puts any API behind certificate-bound tokens, no code needed
  authz      the authorization endpoint of nginx auth_request, Traefik ForwardAuth, Envoy ext_authz
  config     the effective configuration of a command, and where each value came from

Every command takes --dir D (default ./.certbound, or $CERTBOUND_DIR) and --help; those that
open the store take --kek-file F (or $CERTBOUND_KEK; default <dir>/kek for the embedded store).
A data directory group or others can read or write is refused unless --insecure-permissions.
Every option also comes from CERTBOUND_<OPTION> (--admin-port: CERTBOUND_ADMIN_PORT) or a JSON
configuration file (--config F or $CERTBOUND_CONFIG); see docs/configuration.md.
Run 'certbound <command> --help' for its options; 'certbound --version' for the version.`;
