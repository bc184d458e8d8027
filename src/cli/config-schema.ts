// The published JSON Schema of the configuration file (docs/certbound.schema.json), generated from
// the commands' own parseArgs options by `npm run config-schema`; a test keeps it in step. The
// loader reads it back for the keys of commands other than the running one, so that checking a
// file does not load every command (each loads its own dependencies: seconds for all of them).
import { readFileSync } from 'node:fs';
import type { Definitions } from './config-file.ts';
import { NOT_FROM_FILE, type OptionDescriptor, type Options } from './option-sources.ts';

/** Where the schema is published, beside the sources and in the package (`files` has docs/). */
export const SCHEMA_PATH = new URL('../../docs/certbound.schema.json', import.meta.url);

type Schema = Record<string, unknown>;

const SCALAR = ['string', 'number'];

/** The JSON Schema of one option's value: booleans are booleans, strings may be written as numbers, repeatable options take lists. */
function valueSchema(d: OptionDescriptor): Schema {
  if (d.type === 'boolean') return { type: 'boolean' };
  return d.multiple ? { type: [...SCALAR, 'array'], items: { type: SCALAR } } : { type: SCALAR };
}

function sorted<T>(entries: Iterable<[string, T]>): Record<string, T> {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Which commands a flag belongs to, for its description. */
function owners(names: string[], all: number): string {
  return names.length === all ? 'every command' : names.map((n) => `certbound ${n}`).join(', ');
}

/** Generates the configuration file's JSON Schema from every command's options. */
export function configSchema(defs: Definitions): Schema {
  const commands = Object.keys(defs);
  const flags = new Map<string, { commands: string[]; schemas: Map<string, Schema> }>();
  const sections: [string, Schema][] = [];
  for (const [command, options] of Object.entries(defs)) {
    const properties: [string, Schema][] = [];
    for (const [flag, d] of Object.entries(options)) {
      if (NOT_FROM_FILE.has(flag)) continue;
      const schema = valueSchema(d);
      properties.push([flag, { description: `--${flag}`, ...schema }]);
      const entry = flags.get(flag) ?? { commands: [], schemas: new Map<string, Schema>() };
      entry.commands.push(command);
      entry.schemas.set(JSON.stringify(schema), schema);
      flags.set(flag, entry);
    }
    sections.push([command, {
      type: 'object',
      description: `Options of certbound ${command} only; they override the top level.`,
      additionalProperties: false,
      properties: sorted(properties),
    }]);
  }
  const top: [string, Schema][] = [['$schema', { type: 'string' }]];
  for (const [flag, { commands: holders, schemas }] of flags) {
    const types = [...schemas.values()];
    const value = types.length === 1 ? types[0]! : { anyOf: types };
    const described = { description: `--${flag} of ${owners(holders, commands.length)}`, ...value };
    top.push([flag, commands.includes(flag) ? { anyOf: [described, { $ref: `#/$defs/${flag}` }] } : described]);
  }
  for (const command of commands) if (!flags.has(command)) top.push([command, { $ref: `#/$defs/${command}` }]);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'certbound configuration file',
    description: 'certbound --config F (or $CERTBOUND_CONFIG): flag names as keys, for every command that has the flag; a command\'s own object overrides them. The command line and CERTBOUND_* variables override the file. See docs/configuration.md.',
    type: 'object',
    additionalProperties: false,
    properties: sorted(top),
    $defs: sorted(sections),
  };
}

/** The schema as `npm run config-schema` writes it. */
export function schemaText(defs: Definitions): string {
  return `${JSON.stringify(configSchema(defs), null, 2)}\n`;
}

function descriptor(schema: unknown): OptionDescriptor {
  const type = (schema as { type?: unknown }).type;
  if (type === 'boolean') return { type: 'boolean' };
  return Array.isArray(type) && type.includes('array') ? { type: 'string', multiple: true } : { type: 'string' };
}

/** The commands' options as the published schema records them (its per-command sections). */
export function definitionsFromSchema(schema: unknown): Definitions {
  const defs = (schema as { $defs?: Record<string, { properties?: Record<string, unknown> }> }).$defs ?? {};
  const out: Record<string, Options> = {};
  for (const [command, section] of Object.entries(defs)) {
    out[command] = Object.fromEntries(Object.entries(section.properties ?? {}).map(([flag, s]) => [flag, descriptor(s)]));
  }
  return out;
}

let published: Definitions | undefined;

/** The published schema's definitions, read once. */
export function publishedDefinitions(): Definitions {
  published ??= definitionsFromSchema(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')));
  return published;
}
