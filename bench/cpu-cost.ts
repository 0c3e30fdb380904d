/**
 * CPU time per request of the process under test, for each row of the gateway benchmark: a figure
 * that stays meaningful on a busy machine, where requests/s do not (other work steals wall-clock
 * time, much less CPU time per request). Reads the proxy's user+system time from /proc around a
 * bounded wrk run and divides by the requests wrk completed.
 *
 *   node bench/cpu-cost.ts --rows b,c,k,j,m,r --scenarios get,post --duration 5 [--rounds 3] [--stat min]
 *
 * Prints µs of proxy CPU per request, and the req/s ratios to rows (c) and (b) these imply at equal CPU.
 * For rows with backing services of their own (the Redis of rows r and l), also their CPU per request
 * and the ratio to (c) of proxy + services: the cost if Redis had to share the proxy's core.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { findLoadGenerator } from './lib/loadgen.ts';
import { startBenchUpstream } from './lib/node-rows.ts';
import { installCleanup, stopChild } from './lib/procs.ts';
import { ROWS } from './lib/rows.ts';
import { SCENARIOS } from './lib/scenarios.ts';
import { serves } from './lib/target.ts';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS = 100;

/** User + system CPU seconds of a process so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // the command name may hold spaces: fields count from after its closing parenthesis
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: 'b,c' },
    scenarios: { type: 'string', default: 'get' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '1' },
    connections: { type: 'string', default: '50' },
    stat: { type: 'string', default: 'median' },
  },
});
const rowKeys = values.rows.split(',');
const scenarios = SCENARIOS.filter((s) => values.scenarios.split(',').includes(s.key));
const duration = Number(values.duration);
const warmup = Number(values.warmup);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
if (values.stat !== 'median' && values.stat !== 'min') throw new Error('--stat must be median or min');
const log = (m: string): void => void process.stderr.write(`cpu-cost: ${m}\n`);

const repoRoot = resolve(import.meta.dirname, '..');
const tmpDir = mkdtempSync(join(tmpdir(), 'rampart-cpu-cost-'));
installCleanup(() => rmSync(tmpDir, { recursive: true, force: true }));
const pin = availableParallelism() >= 2;
const loadCpu = pin ? '0' : null;
const proxyCpu = pin ? '1' : null;
const gen = findLoadGenerator(null, log);
const { upstream, ctx } = await startBenchUpstream(repoRoot, tmpDir, { loadCpu, proxyCpu }, log);
const startLoad = loadavg()[0]!.toFixed(2);

// µs per request, per row and scenario, one entry per round; and its backing services' (Redis)
const figures = new Map<string, number[]>();
const serviceFigures = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  for (const key of rowKeys) {
    const row = ROWS.find((r) => r.key === key);
    if (row === undefined) throw new Error(`unknown row ${key}`);
    const target = await row.start(ctx);
    if ('skip' in target) {
      log(`(${key}) skipped: ${target.skip}`);
      continue;
    }
    try {
      if (target.pid === undefined) throw new Error(`row (${key}) has no process to measure`);
      for (const scenario of scenarios) {
        if (!serves(row, scenario)) continue;
        const load = {
          url: `${target.url}${scenario.path}`,
          scenario,
          headers: target.headers,
          connections,
          threads: 1,
          cpu: loadCpu,
          tmpDir,
        };
        if (warmup > 0) await gen.run({ ...load, seconds: warmup });
        const services = target.servicePids ?? [];
        const servicesCpu = (): number => services.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
        const before = cpuSeconds(target.pid);
        const servicesBefore = servicesCpu();
        const result = await gen.run({ ...load, seconds: duration });
        const used = cpuSeconds(target.pid) - before;
        const servicesUsed = servicesCpu() - servicesBefore;
        const perRequest = (seconds: number): number => (seconds * 1e6) / Math.max(1, result.requests);
        const us = perRequest(used);
        const errors = result.non2xx + result.socketErrors;
        log(
          `(${key}) ${scenario.key}: ${us.toFixed(1)} µs CPU/request, ${Math.round(result.rps)} req/s, ${errors} errors` +
            (services.length === 0
              ? ''
              : `; its services ${perRequest(servicesUsed).toFixed(1)} µs CPU/request`),
        );
        const cell = `${key}/${scenario.key}`;
        figures.set(cell, [...(figures.get(cell) ?? []), us]);
        if (services.length > 0)
          serviceFigures.set(cell, [...(serviceFigures.get(cell) ?? []), perRequest(servicesUsed)]);
      }
    } finally {
      await target.stop();
    }
  }
}
await stopChild(upstream);

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
// the minimum is the least disturbed round: other work on the machine only ever adds CPU time
const pick = values.stat === 'min' ? (xs: readonly number[]) => Math.min(...xs) : median;
const withServices = serviceFigures.size > 0;
const lines = [
  `| row | scenario | µs CPU/request (${values.stat}) | row/c at equal CPU | row/b at equal CPU |${withServices ? ' its services µs/request | row/c with its services |' : ''}`,
  `| --- | --- | ---: | ---: | ---: |${withServices ? ' ---: | ---: |' : ''}`,
];
for (const scenario of scenarios) {
  const c = figures.get(`c/${scenario.key}`);
  const b = figures.get(`b/${scenario.key}`);
  for (const key of rowKeys) {
    const f = figures.get(`${key}/${scenario.key}`);
    if (f === undefined) continue;
    const us = pick(f);
    const vsC = c === undefined ? '' : (pick(c) / us).toFixed(2);
    const vsB = b === undefined ? '' : (pick(b) / us).toFixed(2);
    let extra = '';
    if (withServices) {
      // the same statistic of each round's proxy + services sum: (c) has no services of its own
      const s = serviceFigures.get(`${key}/${scenario.key}`);
      const whole = s === undefined ? undefined : pick(f.map((x, i) => x + (s[i] ?? 0)));
      extra = ` ${s === undefined ? '' : pick(s).toFixed(1)} | ${whole === undefined || c === undefined ? '' : (pick(c) / whole).toFixed(2)} |`;
    }
    lines.push(`| (${key}) | ${scenario.key} | ${us.toFixed(1)} | ${vsC} | ${vsB} |${extra}`);
  }
}
process.stdout.write(
  `\nload average ${startLoad} at start, ${loadavg()[0]!.toFixed(2)} at end; ${values.stat} of ${rounds} round(s), ${duration} s each\n${lines.join('\n')}\n`,
);
