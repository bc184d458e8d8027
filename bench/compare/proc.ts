// What a server process costs, read from /proc (Linux): CPU time and resident memory of the
// process and every process it started (a `serve --workers N` primary and its workers).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of utime/stime in /proc/<pid>/stat (USER_HZ; 100 almost everywhere). */
export const CLOCK_TICKS: number = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null; // the process (or /proc) is gone: counted as nothing
  }
}

/** `pid` and its descendants, through /proc/<pid>/task/<tid>/children. */
export function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${all[i]}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      const children = read(`/proc/${all[i]}/task/${tid}/children`);
      if (children) for (const child of children.trim().split(/\s+/)) if (child) all.push(Number(child));
    }
  }
  return all;
}

/** User + system CPU seconds the tree of `pid` has used so far. */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    const stat = read(`/proc/${p}/stat`);
    if (!stat) continue;
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  }
  return ticks / CLOCK_TICKS;
}

/** Resident memory of the tree of `pid`, in bytes: now (VmRSS) and its high-water mark (VmHWM). */
export function memory(pid: number): { rss: number; hwm: number } {
  let rss = 0;
  let hwm = 0;
  for (const p of processTree(pid)) {
    const status = read(`/proc/${p}/status`);
    if (!status) continue;
    rss += Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
    hwm += Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
  }
  return { rss, hwm };
}

/** Samples the RSS of `pid`'s tree every `ms` until stopped; returns the largest sample. */
export function sampleRss(pid: number, ms = 100): { stop(): number } {
  let peak = memory(pid).rss;
  const timer = setInterval(() => (peak = Math.max(peak, memory(pid).rss)), ms);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, memory(pid).rss);
    },
  };
}
