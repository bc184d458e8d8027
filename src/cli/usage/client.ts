// The usage of `certbound client`, apart from the command so that `certbound client --help` loads
// only this text (src/cli/main.ts), never the command's implementation.
import { ADMIN_TARGET_USAGE } from './admin-target.ts';

/** What `certbound client --help` prints. */
export const CLIENT_USAGE = `Usage: certbound client <subcommand> [options] [--dir D] [--json]

  add <client-id> --partner <partner-id> [options]    register a client (a server that asks for tokens)
    --auth METHOD          tls_client_auth (default) | self_signed_tls_client_auth |
                           client_secret_basic | client_secret_post
    --scope "a b"          scopes the client may request for its own resources (default: none)
    --resource URI         an API the client may get tokens for; repeat for more. The first
                           is its default audience. Each must be registered already (resource add).
    --subject-dn DN | --san-dns NAME | --san-uri URI | --san-ip IP | --san-email ADDR
                           the one expected certificate subject of a tls_client_auth client
    --cert PEM             the certificate of a self_signed_tls_client_auth client (file or PEM)
    --issue-cert DIR       development shortcut: make a key and certificate (CN=<client-id>,
                           O=<partner-id>, SAN URI spiffe://<trust-domain>/partner/<p>/client/<c>,
                           from the partner's CA) into DIR/key.pem, DIR/cert.pem, DIR/ca.pem
    --token-ttl SECONDS    access token lifetime (default 600)
    --no-bound-tokens      do not require certificate-bound tokens
    --introspects URI      may introspect tokens for this resource (acts as its resource server)
  list [--partner P] | show <client-id>
  disable <client-id> | enable <client-id>
  delete <client-id>                                 its live tokens introspect inactive at once
  update <client-id> --subject-dn DN | --san-… V     replace the expected subject in one change
  cert add <client-id> --cert PEM                    self-signed rotation: register the new certificate
  cert retire <client-id> <thumbprint>               …and retire the old once the servers have moved
  revoke-tokens <client-id>                          revoke every live access token of the client

A secret client's secret is printed once and stored only as a hash. Tokens bound to a retired
or replaced certificate stay valid until they expire unless revoked (RFC 8705 §6.3).
${ADMIN_TARGET_USAGE}`;
