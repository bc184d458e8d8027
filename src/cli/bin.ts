#!/usr/bin/env node
// The published `certbound` binary (package.json#bin). It checks the Node version before it
// loads the CLI: on an older Node the CLI would die on a missing built-in (node:sqlite) with a
// raw stack trace, and a check on `import.meta.main` (unknown before Node 22.18) would make it
// print nothing and exit 0.
import { quietSqliteExperimentalWarning, unsupportedNode } from './node-version.ts';

const refusal = unsupportedNode(process.versions.node);
if (refusal !== undefined) {
  process.stderr.write(`${refusal}\n`);
  process.exitCode = 1;
} else {
  quietSqliteExperimentalWarning();
  // Before anything else is loaded, so that every module after this one comes from the cache.
  const { enableUserCompileCache } = await import('./compile-cache.ts');
  enableUserCompileCache();
  const { runAsProcess } = await import('./main.ts');
  await runAsProcess();
}
