// No imports: the published binary runs this before loading anything an older Node lacks.

/**
 * The Node releases the CLI runs on (keep in step with package.json#engines): the embedded
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
