// The usage of `certbound resource`, apart from the command so that `certbound resource --help` loads
// only this text (src/cli/main.ts), never the command's implementation.
import { ADMIN_TARGET_USAGE } from './admin-target.ts';

/** What `certbound resource --help` prints. */
export const RESOURCE_USAGE = `Usage: certbound resource <subcommand> [options] [--dir D] [--json]

An API is registered by its identifier, which becomes the aud of its tokens (RFC 8707).

  add <uri> --owner <partner-id> [--scope "a b"]   register an API with the scopes it defines
                                                   (again, by its owner, to update the scopes)
  list [--owner P] | show <uri>
  grant <uri> --partner P [--client C] [--scope "a"]
                                   let P's clients (or only client C) get tokens for the API with
                                   these scopes (default: all it defines); again to change them
  revoke-grant <uri> --partner P [--client C]
                                   withdraw it: new requests get invalid_target, and tokens it
                                   covered introspect inactive

A token request for anything not granted is refused: 400 invalid_target (the API) or
400 invalid_scope (a scope).
${ADMIN_TARGET_USAGE}`;
