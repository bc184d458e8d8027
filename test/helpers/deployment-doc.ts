// docs/deployment.md as the test runs it: its fenced blocks, with the documented names, ports
// and paths replaced by loopback ones. Every replacement must find its text, so the test fails
// (instead of quietly running something else) when the guide changes under it.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const GUIDE = fileURLToPath(new URL('../../docs/deployment.md', import.meta.url));

/** The guide's fenced blocks, in order, with their info strings. */
export async function guideBlocks(): Promise<{ lang: string; text: string }[]> {
  const markdown = await readFile(GUIDE, 'utf8');
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, text: m[2]! }));
}

/** The one block of `lang` containing `marker`; fails unless exactly one does. */
export async function guideBlock(lang: string, marker: string): Promise<string> {
  const found = (await guideBlocks()).filter((b) => b.lang === lang && b.text.includes(marker));
  assert.equal(found.length, 1, `docs/deployment.md: expected one \`\`\`${lang} block with ${JSON.stringify(marker)}, found ${found.length}`);
  return found[0]!.text;
}

/** `text` with every `[from, to]` replaced; fails when a `from` does not occur. */
export function substitute(text: string, replacements: readonly (readonly [string, string])[]): string {
  let out = text;
  for (const [from, to] of replacements) {
    assert.ok(out.includes(from), `docs/deployment.md no longer contains ${JSON.stringify(from)}: update the deployment test with it`);
    out = out.replaceAll(from, to);
  }
  return out;
}

/** The arguments of a systemd `ExecStart=` line (continuations joined; split on blanks as systemd does when nothing is quoted). */
export function execStartArgs(unit: string): string[] {
  const line = /^ExecStart=((?:.*\\\n)*.*)$/m.exec(unit)?.[1];
  assert.ok(line !== undefined, 'docs/deployment.md: the unit has no ExecStart=');
  assert.ok(!/["']/.test(line), 'ExecStart is split on blanks here: no quoting');
  return line.replace(/\\\n/g, ' ').trim().split(/\s+/);
}
