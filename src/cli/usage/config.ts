// The usage of `certbound config`, apart from the command so that `certbound config --help` loads
// only this text (src/cli/main.ts), never the command's implementation.

/** What `certbound config --help` prints. */
export const CONFIG_USAGE = `Usage: certbound config --print [--json] [--config F] [COMMAND [ITS ARGUMENTS…]]

Prints the configuration a command would run with: each option's value and where it came from —
the command line (cli), a CERTBOUND_* environment variable (env), the configuration file (file),
or nowhere (default: the command's own default applies). Secrets are masked: $CERTBOUND_KEK,
passwords in URLs (--database), and every option named *key*, *secret* or *password*.
  certbound config --print                    the options every command takes
  certbound config --print serve              what certbound serve would run with
  certbound config --print serve --port 9443  … given these arguments
Options: CERTBOUND_<OPTION> (--admin-port: CERTBOUND_ADMIN_PORT; booleans true/false/1/0), and a
JSON file (--config F or $CERTBOUND_CONFIG) whose keys are option names, with an object per
command overriding them; schema: docs/certbound.schema.json; see docs/configuration.md.`;
