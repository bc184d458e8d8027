#!/usr/bin/env node
import { CertboundError } from '../core/certbound-error.ts';
import { OAuthError } from '../core/errors.ts';
import { ConfigError } from './config-error.ts';
import { runConfigured } from './configuration.ts';
import { UsageError, type Command, type Io } from './context.ts';
import { didYouMean } from './did-you-mean.ts';
import { describeCause } from './error-cause.ts';

// Each command loads only what it uses (a CLI run starts faster without the web server, say).
export const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  init: async () => (await import('./init.ts')).init,
  serve: async () => (await import('./serve.ts')).serve,
  partner: async () => (await import('./partner.ts')).partner,
  client: async () => (await import('./client.ts')).client,
  resource: async () => (await import('./resource.ts')).resource,
  cert: async () => (await import('./cert.ts')).cert,
  admin: async () => (await import('./admin.ts')).admin,
  audit: async () => (await import('./audit.ts')).audit,
  keys: async () => (await import('./keys.ts')).keys,
  'migrate-store': async () => (await import('./migrate-store.ts')).migrateStore,
  token: async () => (await import('./token.ts')).token,
  call: async () => (await import('./call.ts')).call,
  demo: async () => (await import('./demo.ts')).demo,
  gateway: async () => (await import('./gateway.ts')).gateway,
  authz: async () => (await import('./authz.ts')).authz,
  config: async () => (await import('./config.ts')).config,
};

const USAGE = `Usage: certbound <command> [options]

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

/** The version of the package the CLI belongs to. */
async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  // src/cli/main.ts and dist/cli/main.js both sit two levels below package.json.
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return `certbound ${typeof pkg.version === 'string' ? pkg.version : 'unknown'} (Node ${process.versions.node})`;
}

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit status; options the
 * command line leaves out come from `env`'s CERTBOUND_* variables and the configuration file.
 */
export async function main(argv: string[], io: Io, env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.out(await version());
    return 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    // One line that names the likely command beats the whole usage a person must read through.
    const hint = name.startsWith('-') ? didYouMean(name, ['--help', '--version']) : didYouMean(name, Object.keys(COMMANDS));
    io.err(`certbound: unknown ${name.startsWith('-') ? 'option' : 'command'} '${name}'${hint}\nRun 'certbound --help' for the list of commands.`);
    return 2;
  }
  const command = await load();
  if (args.includes('--help') || args.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await runConfigured(name, command, args, env, COMMANDS, () => command.run(args, io));
  } catch (err) {
    // A configuration that cannot be used is a usage mistake (exit 2), though its command's usage would not help.
    if (err instanceof ConfigError) {
      io.err(`certbound ${name}: ${err.message}`);
      return 2;
    }
    if (err instanceof UsageError) {
      io.err(`certbound ${name}: ${err.message}\nRun 'certbound ${name} --help' for its usage.`);
      return 2;
    }
    // Whatever the error, the cause under it is kept: a refused connection, a key that does not
    // match its certificate and an unknown CA each need another fix.
    const cause = describeCause(err);
    const because = cause === '' ? '' : ` — ${cause}`;
    if (err instanceof CertboundError) {
      io.err(`certbound ${name}: ${err.message}${because}`);
      return 1;
    }
    if (err instanceof OAuthError) {
      io.err(`certbound ${name}: ${err.error_description} (${err.error})${because}`);
      return 1;
    }
    // Unexpected: say what failed without a stack trace; CERTBOUND_DEBUG=1 shows it.
    io.err(`certbound ${name}: ${err instanceof Error ? err.message : String(err)}${because}`);
    if (env['CERTBOUND_DEBUG']) io.err(String(err instanceof Error ? err.stack : err));
    return 1;
  }
}

/** Runs the CLI as this process: arguments from argv, output to stdout/stderr, the exit status as its own. */
export async function runAsProcess(): Promise<void> {
  // A reader that goes away (`certbound demo | head`) must not crash a command mid-cleanup:
  // further output is simply dropped.
  process.stdout.on('error', () => {});
  // Whatever certbound writes — the database, keys, credentials — is its owner's alone.
  process.umask(0o077);
  const io: Io = { out: (t) => process.stdout.write(`${t}\n`), err: (t) => process.stderr.write(`${t}\n`) };
  process.exitCode = await main(process.argv.slice(2), io);
}

// `node src/cli/main.ts` runs it directly; npm scripts and the published binary go through bin.ts
// (it checks the Node version and enables the compile cache first).
if (import.meta.main) await runAsProcess();
