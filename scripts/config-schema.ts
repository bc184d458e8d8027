// Writes docs/certbound.schema.json, the JSON Schema of certbound's configuration file, from the
// options every command gives parseArgs (see src/cli/config-schema.ts). `--check` only reports
// drift (exit 1). test/cli/config-schema.test.ts fails when the published schema is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SCHEMA_PATH, schemaText } from '../src/cli/config-schema.ts';
import { describeCommands } from '../src/cli/invocation.ts';
import { COMMANDS } from '../src/cli/main.ts';

/** The schema the commands' options give today. */
export async function generateSchema(): Promise<string> {
  return schemaText(await describeCommands(COMMANDS));
}

if (import.meta.main) {
  const text = await generateSchema();
  const path = fileURLToPath(SCHEMA_PATH);
  if (process.argv.includes('--check')) {
    const current = (() => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return '';
      }
    })();
    if (current !== text) {
      process.stderr.write(`${path} is out of date: run npm run config-schema\n`);
      process.exitCode = 1;
    }
  } else {
    writeFileSync(path, text);
    process.stdout.write(`wrote ${path}\n`);
  }
}
