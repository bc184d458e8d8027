// The usage of `certbound token`, apart from the command so that `certbound token --help` loads
// only this text (src/cli/main.ts), never the command's implementation.

/** What `certbound token --help` prints. */
export const TOKEN_USAGE = `Usage: certbound token --cert F --key F --ca F --client-id ID [--issuer URL] [--scope S] [--resource R] [--json]

Authenticates to the token service with the client certificate (mutual TLS) and prints the
access token, bound to that certificate; --json prints the whole token response.
  --issuer URL   the token service (default https://localhost:8443); its RFC 8414 metadata
                 names the endpoints (mtls_endpoint_aliases are honoured)`;
