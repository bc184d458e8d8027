// The configuration file (`--config F` or $CERTBOUND_CONFIG): a JSON object whose keys are flag
// names. A top-level key applies to every command that has that flag; an object under a command's
// name (`"serve": { … }`) applies to that command only and overrides the top level. Every key is
// checked: a key no command knows, or a value of the wrong type, is an error naming file and key.
import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.ts';
import { fileValue, NOT_FROM_FILE, type ConfigFile, type Options } from './option-sources.ts';

/** The options of commands, by command name. */
export type Definitions = Readonly<Record<string, Options>>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where in the text a JSON.parse failure is, without the text itself (it may hold a password). */
function jsonPosition(text: string, err: unknown): string {
  const m = /position (\d+)/.exec(err instanceof Error ? err.message : '');
  if (!m) return '';
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  return ` (line ${line}, column ${before.length - before.lastIndexOf('\n')})`;
}

/** Reads a configuration file: its JSON object, or a ConfigError that never quotes its content. */
export function readConfigJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`the configuration file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`the configuration file ${path} is not valid JSON${jsonPosition(text, err)}`);
  }
}

/** Checks one key: a flag of `options` (a section's command, or the running command at the top level) or, at the top level, of another command. */
function checkKey(path: string, key: string, value: unknown, where: string, options: Options, others: () => Definitions): void {
  if (NOT_FROM_FILE.has(key)) throw new ConfigError(`${path}: '${where}' cannot be set in a configuration file`);
  const own = Object.hasOwn(options, key) ? options[key] : undefined;
  if (own !== undefined) {
    fileValue(own, value, `${path}: ${where}`);
    return;
  }
  if (where !== key) throw new ConfigError(`${path}: unknown key '${where}': not an option of certbound ${where.slice(0, where.indexOf('.'))}`);
  // A flag of other commands: it must be one of theirs, with a value one of them takes.
  const holders = Object.values(others()).flatMap((o) => (Object.hasOwn(o, key) && o[key] !== undefined ? [o[key]] : []));
  if (holders.length === 0) throw new ConfigError(`${path}: unknown key '${where}': not an option of any command`);
  const errors = holders.map((d) => {
    try {
      fileValue(d, value, `${path}: ${where}`);
      return null;
    } catch (err) {
      return err;
    }
  });
  if (errors.every((e) => e !== null)) throw errors[0];
}

/**
 * Checks a configuration file's JSON against the running command's options and, for keys and
 * sections of other commands, against `others()` (called only when the file has such keys).
 */
export function checkConfig(path: string, json: unknown, command: string, options: Options, others: () => Definitions): ConfigFile {
  if (!isObject(json)) throw new ConfigError(`the configuration file ${path} must hold a JSON object`);
  const top: Record<string, unknown> = {};
  const sections: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(json)) {
    if (key === '$schema') {
      if (typeof value !== 'string') throw new ConfigError(`${path}: $schema must be a string`);
      continue;
    }
    if (isObject(value)) {
      // An object is a command's section: flags never take one.
      const sectionOptions = key === command ? options : Object.hasOwn(others(), key) ? others()[key] : undefined;
      if (sectionOptions === undefined) throw new ConfigError(`${path}: unknown key '${key}': no command of that name`);
      for (const [flag, v] of Object.entries(value)) checkKey(path, flag, v, `${key}.${flag}`, sectionOptions, others);
      sections[key] = value;
      continue;
    }
    checkKey(path, key, value, key, options, others);
    top[key] = value;
  }
  return { path, top, sections };
}
