// No imports: the published binary runs this before loading anything an older Node lacks.
// `process` is the global one; nothing here may need a module an old Node does not have.

/**
 * The Node releases the CLI runs on (within package.json#engines, >=22): the embedded
 * store needs `node:sqlite` without a flag and with numbered parameters (`?1`) bound by
 * position — nodejs/node#59350, in 24.7.0 and back-ported to 22.20.0. Node 23 never got the fix.
 */
export const SUPPORTED_NODE = '^22.20.0 || >=24.7.0';

/** The first supported release of each supported major line before the newest; later majors all are. */
const FIRST_SUPPORTED: ReadonlyArray<readonly [major: number, version: string]> = [
  [22, '22.20.0'],
  [24, '24.7.0'],
];

function parts(version: string): [number, number, number] {
  const [major = 0, minor = 0, patch = 0] = version.replace(/^v/, '').split('.').map((n) => Number.parseInt(n, 10) || 0);
  return [major, minor, patch];
}

/** Whether `version` is at least `minimum` (both `major.minor.patch`, a leading `v` allowed). */
export function nodeAtLeast(version: string, minimum: string): boolean {
  const have = parts(version);
  const need = parts(minimum);
  for (let i = 0; i < 3; i++) {
    if (have[i]! !== need[i]!) return have[i]! > need[i]!;
  }
  return true;
}

/** Whether the CLI runs on Node `version` (as in `process.versions.node`). */
export function nodeSupported(version: string): boolean {
  const [major] = parts(version);
  const line = FIRST_SUPPORTED.find(([m]) => m === major);
  if (line) return nodeAtLeast(version, line[1]);
  const newest = FIRST_SUPPORTED.at(-1)!;
  return major > newest[0];
}

/** The line to print when the CLI does not run on Node `version`, or undefined when it does. */
export function unsupportedNode(version: string): string | undefined {
  return nodeSupported(version) ? undefined : `certbound needs Node ${SUPPORTED_NODE}; this is Node ${version.replace(/^v/, '')}`;
}

/** Whether a process warning is Node's notice that node:sqlite is experimental (Node 22 to 24). */
export function isSqliteExperimentalWarning(warning: string | Error, type: unknown): boolean {
  const name = warning instanceof Error ? warning.name : typeof type === 'string' ? type : typeof type === 'object' && type !== null ? (type as { type?: unknown }).type : undefined;
  const message = warning instanceof Error ? warning.message : warning;
  return name === 'ExperimentalWarning' && message.startsWith('SQLite is an experimental feature');
}

/**
 * Drops Node's "SQLite is an experimental feature" warning, which Node 22 to 24 print on every
 * command that opens the store: the store depends only on behaviour of the releases `engines`
 * names, so the line would alarm users and says nothing they can act on. Other warnings pass.
 */
export function quietSqliteExperimentalWarning(): void {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]): void {
    if (isSqliteExperimentalWarning(warning, rest[0])) return;
    Reflect.apply(emitWarning, this, [warning, ...rest]);
  } as typeof process.emitWarning;
}
