// Node's compile cache for the CLI: the code of certbound's modules (type-stripped and compiled)
// is kept between runs, so that a command starts in about half the CPU time and with a quarter
// less memory (issue 11's CLI figures). Node 22.1 and later; a failure to use it costs nothing.
import { enableCompileCache } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Enables Node's compile cache in the user's own cache directory (`$XDG_CACHE_HOME` or
 * `~/.cache`, then `certbound/node-compile-cache`) — never Node's default in the shared temporary
 * directory, where another local user could place code for certbound to run. The directory is
 * passed on in NODE_COMPILE_CACHE, so `serve --workers` processes use it too.
 * NODE_COMPILE_CACHE names another directory (Node already enabled it at start-up);
 * NODE_DISABLE_COMPILE_CACHE=1 turns the cache off.
 */
export function enableUserCompileCache(env: NodeJS.ProcessEnv = process.env): void {
  if (env['NODE_COMPILE_CACHE'] || env['NODE_DISABLE_COMPILE_CACHE']) return;
  try {
    const base = env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
    const { directory } = enableCompileCache(join(base, 'certbound', 'node-compile-cache'));
    if (directory !== undefined) env['NODE_COMPILE_CACHE'] = directory;
  } catch {
    // No home directory, or one that cannot be written: the CLI runs as it would without a cache.
  }
}
