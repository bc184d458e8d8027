#!/usr/bin/env node
// The CLI's entry: finds the command and runs it. `--help`, `<command> --help` and `--version`
// must answer at once, so this module imports only what those need — the usage texts
// (src/cli/usage/) and did-you-mean; a command's implementation and the run path's configuration
// and error reporting (run-command.ts, which pulls in the store) are loaded only to run one.
import type { Command, Io } from './context.ts';
import { didYouMean } from './did-you-mean.ts';
import { CERTBOUND_USAGE } from './usage/certbound.ts';

// Each command loads only what it uses (a CLI run starts faster without the web server, say).
const LOADERS = {
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
} satisfies Record<string, () => Promise<Command>>;

type CommandName = keyof typeof LOADERS;

/** The commands of the CLI by name, each loaded on demand. */
export const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = LOADERS;

// Each command's usage without its implementation: `serve --help` would otherwise load the whole
// token service to print a text. The command modules import the same constants (one source).
const USAGES: Readonly<Record<CommandName, () => Promise<string>>> = {
  init: async () => (await import('./usage/init.ts')).INIT_USAGE,
  serve: async () => (await import('./usage/serve.ts')).SERVE_USAGE,
  partner: async () => (await import('./usage/partner.ts')).PARTNER_USAGE,
  client: async () => (await import('./usage/client.ts')).CLIENT_USAGE,
  resource: async () => (await import('./usage/resource.ts')).RESOURCE_USAGE,
  cert: async () => (await import('./usage/cert.ts')).CERT_USAGE,
  admin: async () => (await import('./usage/admin.ts')).ADMIN_USAGE,
  audit: async () => (await import('./usage/audit.ts')).AUDIT_USAGE,
  keys: async () => (await import('./usage/keys.ts')).KEYS_USAGE,
  'migrate-store': async () => (await import('./usage/migrate-store.ts')).MIGRATE_STORE_USAGE,
  token: async () => (await import('./usage/token.ts')).TOKEN_USAGE,
  call: async () => (await import('./usage/call.ts')).CALL_USAGE,
  demo: async () => (await import('./usage/demo.ts')).DEMO_USAGE,
  gateway: async () => (await import('./usage/gateway.ts')).GATEWAY_USAGE,
  authz: async () => (await import('./usage/authz.ts')).AUTHZ_USAGE,
  config: async () => (await import('./usage/config.ts')).CONFIG_USAGE,
};

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(LOADERS, name);
}

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
    io.out(CERTBOUND_USAGE);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.out(await version());
    return 0;
  }
  if (!isCommand(name)) {
    // One line that names the likely command beats the whole usage a person must read through.
    const hint = name.startsWith('-') ? didYouMean(name, ['--help', '--version']) : didYouMean(name, Object.keys(LOADERS));
    io.err(`certbound: unknown ${name.startsWith('-') ? 'option' : 'command'} '${name}'${hint}\nRun 'certbound --help' for the list of commands.`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(await USAGES[name]());
    return 0;
  }
  const { runCommand } = await import('./run-command.ts');
  return runCommand(name, LOADERS[name], args, io, env, COMMANDS);
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
