// The usage of `certbound partner`, apart from the command so that `certbound partner --help` loads
// only this text (src/cli/main.ts), never the command's implementation.
import { ADMIN_TARGET_USAGE } from './admin-target.ts';

/** What `certbound partner --help` prints. */
export const PARTNER_USAGE = `Usage: certbound partner <subcommand> [options] [--dir D] [--json]

  add <partner-id> [--ca FILE [--crl SRC]]
                                     add a partner: with an issuing CA certbound creates under the
                                     platform root, or with its own CA certificate(s) imported
  list | show <partner-id>
  disable <partner-id> | enable <partner-id>
                                    a disabled partner's clients get no tokens, its anchors leave
                                     the TLS trust set, its live tokens introspect inactive
  delete <id>                        only once it has no clients
  trust <id> --add-ca FILE [--crl SRC] | --remove-ca FINGERPRINT | --crl SRC|none [--ca-fingerprint FP]
                                     manage imported trust anchors and their CRLs (SRC: https URL or
                                     absolute path of a regular file, refreshed periodically; when
                                     a configured CRL cannot be had, its certificates are refused)
  revoke-tokens <id>                 revoke every live access token of the partner's clients
  ca-bundle                          print the CA certificates a TLS proxy in front of an API must
                                     trust (nginx ssl_client_certificate, HAProxy ca-file): the
                                     platform root and enabled partners' imported anchors, as PEM
                                     (with --json, described); see docs/proxies.md

Partner ids are 1-63 lowercase letters, digits, '.', '_' or '-'.
${ADMIN_TARGET_USAGE}`;
