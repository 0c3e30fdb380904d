/**
 * Where the instructions of a cell of `bench/instructions.ts` go, by function: reads the dumps that
 * `--keep DIR` copied, names JIT code from the perf map Node writes with `--perf-basic-prof`, and
 * prints self instructions per request, largest first; with two stems, the difference per function.
 *
 *   NODE_OPTIONS=--perf-basic-prof node bench/instructions.ts --rows x,y --keep /tmp/cg
 *   node bench/attribute.ts /tmp/cg/callgrind.x.get.1234 [/tmp/cg/callgrind.y.get.5678] [--requests 10000] [--top 40]
 *     [--callers TEXT]   (instead: who calls the functions whose name holds TEXT, by inclusive cost of those calls)
 *
 * A stem is a dump path without its `.N` part suffix. A hand tool for finding costs, not a figure
 * for docs/benchmarks.md: JIT code moves, and the same function may appear under several names.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    requests: { type: 'string', default: '10000' },
    top: { type: 'string', default: '40' },
    callers: { type: 'string' },
  },
});
if (positionals.length < 1 || positionals.length > 2) {
  throw new Error('usage: node bench/attribute.ts STEM [STEM2] [--requests N] [--top N]');
}
const requests = Number(values.requests);
const top = Number(values.top);

/** A perf map: sorted code ranges with their names. */
type PerfMap = { start: bigint; end: bigint; name: string }[];

function readPerfMap(file: string): PerfMap {
  if (!existsSync(file)) return [];
  const out: PerfMap = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (m === null) continue;
    const start = BigInt(`0x${m[1]}`);
    out.push({ start, end: start + BigInt(`0x${m[2]}`), name: m[3] ?? '?' });
  }
  // later entries win for reused addresses: keep the last one for a start
  return out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

function lookup(map: PerfMap, addr: bigint): string | undefined {
  let lo = 0;
  let hi = map.length - 1;
  let found: string | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const e = map[mid]!;
    if (e.start <= addr) {
      if (addr < e.end) found = e.name;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * Self instructions by function name over all parts of a dump stem; with `callee`, instead the
 * inclusive cost of calls into functions whose (raw) name holds it, by caller.
 */
function selfCosts(stem: string, callee?: string): Map<string, number> {
  const dir = dirname(stem);
  const base = basename(stem);
  const map = readPerfMap(`${stem}.perf.map`);
  const parts = readdirSync(dir).filter(
    (f) => f === base || (f.startsWith(`${base}.`) && /^\d+$/.test(f.slice(base.length + 1))),
  );
  const costs = new Map<string, number>();
  for (const part of parts) {
    const names = new Map<string, string>();
    let fn = '?';
    let cfn = '?';
    let afterCalls = false;
    for (const line of readFileSync(join(dir, part), 'utf8').split('\n')) {
      if (line.startsWith('fn=')) {
        const m = /^fn=\((\d+)\)(?: (.*))?$/.exec(line);
        if (m !== null) {
          if (m[2] !== undefined) names.set(m[1]!, m[2]);
          fn = names.get(m[1]!) ?? '?';
        } else fn = line.slice(3);
        continue;
      }
      if (line.startsWith('cfn=')) {
        const m = /^cfn=\((\d+)\)(?: (.*))?$/.exec(line);
        if (m?.[2] !== undefined) names.set(m[1]!, m[2]);
        cfn = m === null ? line.slice(4) : (names.get(m[1]!) ?? '?');
        continue;
      }
      if (line.startsWith('calls=')) {
        afterCalls = true;
        continue;
      }
      if (!/^[0-9+*-]/.test(line)) continue;
      const ir = Number(line.split(' ')[1] ?? 0);
      if (afterCalls) {
        afterCalls = false;
        if (callee !== undefined && cfn.includes(callee) && ir > 0) costs.set(fn, (costs.get(fn) ?? 0) + ir);
        continue;
      }
      if (callee !== undefined) continue;
      if (ir > 0) costs.set(fn, (costs.get(fn) ?? 0) + ir);
    }
  }
  // name JIT code, and fold what V8 marks by tier (`JS:*foo`, `JS:~foo`) into one name
  const named = new Map<string, number>();
  for (const [fn, ir] of costs) {
    let name = fn;
    const hex = /^0x([0-9a-f]+)$/.exec(fn);
    if (hex !== null) name = lookup(map, BigInt(`0x${hex[1]}`)) ?? 'JIT (unmapped)';
    name = name.replace(/^(JS:|LazyCompile:|Function:)?[*~^+]?/, '');
    named.set(name, (named.get(name) ?? 0) + ir);
  }
  return named;
}

const a = selfCosts(positionals[0]!, values.callers);
const b = positionals[1] === undefined ? undefined : selfCosts(positionals[1], values.callers);
const per = (n: number) => n / requests;
const total = (m: Map<string, number>) => [...m.values()].reduce((s, v) => s + v, 0);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(9);
if (b === undefined) {
  process.stdout.write(`total ${fmt(per(total(a)))} instructions/request\n`);
  for (const [name, ir] of [...a].sort((x, y) => y[1] - x[1]).slice(0, top))
    process.stdout.write(`${fmt(per(ir))}  ${name}\n`);
} else {
  process.stdout.write(`total ${fmt(per(total(a)))} → ${fmt(per(total(b)))} instructions/request\n`);
  const names = new Set([...a.keys(), ...b.keys()]);
  const diff = [...names].map(
    (n) => [n, per((b.get(n) ?? 0) - (a.get(n) ?? 0)), per(a.get(n) ?? 0)] as const,
  );
  for (const [name, d, was] of diff.sort((x, y) => Math.abs(y[1]) - Math.abs(x[1])).slice(0, top))
    process.stdout.write(`${fmt(d)}  (${fmt(was)})  ${name}\n`);
}
