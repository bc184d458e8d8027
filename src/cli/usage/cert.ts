// The usage of `certbound cert`, apart from the command so that `certbound cert --help` loads
// only this text (src/cli/main.ts), never the command's implementation.
import { ADMIN_TARGET_USAGE } from './admin-target.ts';

/** What `certbound cert --help` prints. */
export const CERT_USAGE = `Usage: certbound cert <subcommand> [options] [--dir D] [--json]

  server <name> --san dns:NAME|ip:ADDR [--san …] --out DIR
        a TLS server certificate from the platform CA, for a resource server or a proxy; writes
        DIR/cert.pem, DIR/key.pem (mode 0600) and DIR/ca.pem
  server --renew
        re-issue the token service's own TLS certificate (new key, same names). A running serve
        serves it from the next handshake on, without a restart (every instance on the database),
        and rewrites <dir>/tls-cert.pem and tls-key.pem; otherwise serve does at its next start
  expiring [--within 30d]
        certificates expiring within the period (expired ones included), soonest first: the
        token service's TLS certificate, the platform and partner CAs, administrator certificates,
        registered and issued client certificates, issued server certificates
  sign --partner <partner-id> --csr req.pem [--client C] [--days N] [--san-uri URI …] [--out cert.pem]
        sign a partner's CSR with its issuing CA: the private key never leaves the partner. The
        certificate is a clientAuth leaf with the CSR's subject and, with --client, the SAN URI
        spiffe://<trust-domain>/partner/<partner-id>/client/<C>. The output holds the leaf and
        the partner CA: the chain the client presents. Only for partners whose CA certbound holds.
  revoke (--serial HEX | --thumbprint X5T) [--reason keyCompromise|superseded|…]
        token requests with the certificate fail at once with invalid_client, and it is listed
        on its partner CA's CRL (/pki/crl/<CA fingerprint>, see partner show). Tokens already bound to it stay valid
        until they expire (RFC 8705 §6.3): revoke those with client revoke-tokens.
  list [--partner P]    certificates certbound issued, with their revocation state
${ADMIN_TARGET_USAGE}`;
