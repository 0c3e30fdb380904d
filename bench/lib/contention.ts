/**
 * How much CPU other processes took while a benchmark ran: the machine's busy time from /proc/stat
 * less the CPU time of this process and of the children it has reaped (wrk, the upstream, the
 * proxies, nginx with its workers). A load average cannot tell that: the bench's own processes
 * raise it, and it still remembers the minute before the run.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc (USER_HZ, 100 on Linux). */
const TICKS = 100;

/** One reading of the machine's and this process tree's CPU time, in ticks. */
export interface CpuSample {
  /** user + nice + system of every CPU (irq and softirq time belong to no process: left out). */
  readonly busy: number;
  /** Time the hypervisor gave to other guests while this one wanted to run. */
  readonly steal: number;
  /** utime + stime of this process, and cutime + cstime of its reaped children. */
  readonly own: number;
  /** Wall-clock time of the reading, in ms. */
  readonly at: number;
}

/** The busy and steal ticks of /proc/stat's aggregate `cpu` line; null when it has none. */
export function parseProcStat(text: string): { busy: number; steal: number } | null {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) return null;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal …
  if (f.length < 8 || f.some((n) => !Number.isFinite(n))) return null;
  return { busy: f[0]! + f[1]! + f[2]!, steal: f[7]! };
}

/** utime + stime + cutime + cstime of a /proc/<pid>/stat text; null when malformed. */
export function parseOwnTicks(text: string): number | null {
  // the command name may hold spaces and parentheses: fields count from after the last ')'
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const f = text
    .slice(close + 2)
    .split(' ')
    .map(Number);
  // after the name: state is field 3, so utime (14) … cstime (17) sit at 11 … 14 here
  const t = f.slice(11, 15);
  if (t.length < 4 || t.some((n) => !Number.isFinite(n))) return null;
  return t[0]! + t[1]! + t[2]! + t[3]!;
}

/** The current reading; null where /proc cannot be read (not Linux). */
export function sampleCpu(): CpuSample | null {
  try {
    const machine = parseProcStat(readFileSync('/proc/stat', 'utf8'));
    const own = parseOwnTicks(readFileSync('/proc/self/stat', 'utf8'));
    if (machine === null || own === null) return null;
    return { ...machine, own, at: Date.now() };
  } catch {
    return null;
  }
}

/** What others took between two readings, as cores used on average (steal likewise). */
export interface Contention {
  readonly others: number;
  readonly steal: number;
}

/** Others' share between `a` and `b`: machine busy time less this tree's, over the wall time. */
export function contentionBetween(a: CpuSample, b: CpuSample): Contention {
  const seconds = Math.max((b.at - a.at) / 1000, 0.001);
  const others = Math.max(0, b.busy - a.busy - (b.own - a.own)) / TICKS / seconds;
  const steal = Math.max(0, b.steal - a.steal) / TICKS / seconds;
  return { others, steal };
}

/** Above this many cores on average, other work is enough to move the figures. */
export const BUSY_CORES = 0.1;

/** True when others (or other guests) took enough CPU to move the figures. */
export function isBusy(c: Contention): boolean {
  return c.others > BUSY_CORES || c.steal > BUSY_CORES;
}

/** `0.02 cores on average (steal 0.00)`: the line the report prints. */
export function contentionText(c: Contention): string {
  return `${c.others.toFixed(2)} cores on average (steal ${c.steal.toFixed(2)})`;
}
