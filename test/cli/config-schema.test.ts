// The configuration file's published JSON Schema (docs/certbound.schema.json) is generated from
// the commands' own parseArgs options (npm run config-schema); this keeps it current, and keeps
// the loader — which reads it back for the keys of other commands — in step with the commands.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { generateSchema } from '../../scripts/config-schema.ts';
import { configSchema, definitionsFromSchema, SCHEMA_PATH } from '../../src/cli/config-schema.ts';
import { describeCommands } from '../../src/cli/invocation.ts';
import { COMMANDS } from '../../src/cli/main.ts';
import { NOT_FROM_FILE } from '../../src/cli/option-sources.ts';

test('every command parses its options before it acts, so that it can be described and configured', async () => {
  const defs = await describeCommands(COMMANDS);
  assert.deepEqual(Object.keys(defs), Object.keys(COMMANDS));
  for (const [name, options] of Object.entries(defs)) assert.ok(Object.hasOwn(options, 'config'), `certbound ${name} lacks the common --config option`);
});

test('docs/certbound.schema.json holds exactly the schema npm run config-schema generates', async () => {
  assert.equal(readFileSync(SCHEMA_PATH, 'utf8'), await generateSchema(), 'docs/certbound.schema.json is out of date: run npm run config-schema');
});

test('the schema read back gives every command\'s options with their types (what the loader checks other commands\' keys against)', async () => {
  const defs = await describeCommands(COMMANDS);
  const expected = Object.fromEntries(Object.entries(defs).map(([name, options]) => [
    name,
    Object.fromEntries(Object.entries(options).filter(([flag]) => !NOT_FROM_FILE.has(flag)).map(([flag, d]) => [flag, d.type === 'string' && d.multiple ? { type: 'string', multiple: true } : { type: d.type }])),
  ]));
  assert.deepEqual(definitionsFromSchema(configSchema(defs)), expected);
});

test('the schema refuses unknown keys, takes numbers for string options, and lists every command as a section', async () => {
  const schema = configSchema(await describeCommands(COMMANDS)) as { additionalProperties: boolean; properties: Record<string, Record<string, unknown>> };
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(schema.properties['admin-port'], { description: '--admin-port of certbound serve', type: ['string', 'number'] });
  assert.deepEqual(schema.properties['serve'], { $ref: '#/$defs/serve' });
  // A flag named like a command (client add --partner; certbound partner): a value, or that command's section.
  assert.deepEqual((schema.properties['partner']?.['anyOf'] as unknown[])[1], { $ref: '#/$defs/partner' });
  assert.equal(schema.properties['help'], undefined);
  // `config` names the file, so it is never a value in it; the key is only `certbound config`'s section.
  assert.deepEqual(schema.properties['config'], { $ref: '#/$defs/config' });
});
