// Suggestions for a mistyped command, subcommand or option: a person who typed `partnr` or
// `--jsn` wants the one word they meant, not the whole usage or parseArgs' own wording.

/** Edit distance between two short words, a swap of neighbouring letters counting as one edit (`prot`, `port`). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!;
      row[j] = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate closest to `typed`, if it is close enough to be what was meant: at most a third
 * of the word's letters wrong (at least one), or `typed` a prefix of exactly one candidate.
 */
export function closest(typed: string, candidates: Iterable<string>): string | undefined {
  const all = [...candidates];
  const prefixed = all.filter((c) => typed.length >= 2 && c.startsWith(typed));
  if (prefixed.length === 1) return prefixed[0];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of all) {
    const d = distance(typed, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(typed.length / 3)) ? best : undefined;
}

/** ` (did you mean 'x'?)`, or nothing when no candidate is close. */
export function didYouMean(typed: string, candidates: Iterable<string>, prefix = ''): string {
  const found = closest(typed, candidates);
  return found === undefined ? '' : `; did you mean '${prefix}${found}'?`;
}
