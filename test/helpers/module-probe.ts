// Preloaded with `node --import` into a process under observation: records the URL of every
// module the process resolves (import and require alike), and writes them as JSON to file
// descriptor 3 when it exits, leaving stdout and stderr to the program being observed.
import { writeSync } from 'node:fs';
import { registerHooks } from 'node:module';

const seen = new Set<string>();
registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    seen.add(resolved.url);
    return resolved;
  },
});

process.on('exit', () => {
  try {
    writeSync(3, JSON.stringify([...seen]));
  } catch {
    // No fd 3: the process runs outside loaded-modules.ts, where nobody listens.
  }
});
