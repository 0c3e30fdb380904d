/**
 * `npm run bench`: the gateway throughput benchmark of issue 2. Starts the bench upstream, then for
 * each row starts the proxy under test, warms it up, measures it with wrk (or autocannon), stops it,
 * and prints one markdown table per scenario; full runs also record them in docs/benchmarks.md.
 * `node bench/run.ts --help` lists the options.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { contentionBetween, contentionText, isBusy, sampleCpu } from './lib/contention.ts';
import { findLoadGenerator, type LoadGenerator } from './lib/loadgen.ts';
import { startBenchUpstream } from './lib/node-rows.ts';
import { hasCommand, installCleanup, stopAll, stopChild, wasInterrupted } from './lib/procs.ts';
import { type Cell, medianOutcome, type RowOutcome, type RunInfo, report, writeDocs } from './lib/report.ts';
import { RATIOS, ROWS } from './lib/rows.ts';
import { SCENARIOS, type Scenario } from './lib/scenarios.ts';
import { type RowContext, type RowSpec, serves, type Target } from './lib/target.ts';

const HELP = `Usage: npm run bench -- [options]   (or: node bench/run.ts [options])

Gateway throughput: (a) upstream directly, (b) reference Node proxy, (c) Rampart routing only,
(e) nginx; upstream and load generator pinned to CPU 0, the proxy under test to CPU 1.

Options:
  --rows a,b,c,e          rows to run (default: all: ${ROWS.map((r) => r.key).join(',')})
  --scenarios get,post,report
                          request shapes (default: all: ${SCENARIOS.map((s) => s.key).join(',')})
  --duration <s>          measured seconds per cell (default 10)
  --warmup <s>            warm-up seconds per cell, discarded (default 3)
  --connections <n>       concurrent connections (default 50)
  --threads <n>           load generator threads (default 1)
  --rounds <n>            run all rows n times, interleaved, and keep each cell's median (default 1)
  --quick                 2 s warm-up and 3 s measured; does not write docs unless --write
  --loadgen wrk|autocannon
                          force a load generator (default: wrk, autocannon when wrk is unavailable)
  --write / --no-write    record the tables in docs/benchmarks.md (default: write, except --quick)
  -h, --help              this text

Exit codes: 0 done (skipped rows are reported in the table), 1 the benchmark failed, 2 bad usage.
`;

/** Settings of one run, from the command line. */
interface Options {
  readonly rows: readonly string[];
  readonly scenarios: readonly Scenario[];
  readonly duration: number;
  readonly warmup: number;
  readonly connections: number;
  readonly threads: number;
  readonly rounds: number;
  readonly loadgen: 'wrk' | 'autocannon' | null;
  readonly write: boolean;
}

class UsageError extends Error {}

/** Parses a whole number of seconds or a count (`10` or `10s`), within [min, max]. */
function integer(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const digits = value.endsWith('s') ? value.slice(0, -1) : value;
  const n = /^[0-9]{1,6}$/.test(digits) ? Number(digits) : Number.NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

function keys(name: string, value: string | undefined, known: readonly string[]): string[] {
  if (value === undefined) return [...known];
  const picked = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const k of picked) {
    if (!known.includes(k)) throw new UsageError(`--${name}: unknown "${k}" (known: ${known.join(', ')})`);
  }
  if (picked.length === 0) throw new UsageError(`--${name} is empty`);
  return picked;
}

function options(argv: readonly string[]): Options | null {
  const { values } = parseArgs({
    args: [...argv],
    allowNegative: true,
    options: {
      rows: { type: 'string' },
      scenarios: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      threads: { type: 'string' },
      rounds: { type: 'string' },
      quick: { type: 'boolean', default: false },
      loadgen: { type: 'string' },
      write: { type: 'boolean' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return null;
  const loadgen = values.loadgen ?? null;
  if (loadgen !== null && loadgen !== 'wrk' && loadgen !== 'autocannon') {
    throw new UsageError('--loadgen must be wrk or autocannon');
  }
  const scenarioKeys = keys(
    'scenarios',
    values.scenarios,
    SCENARIOS.map((s) => s.key),
  );
  const connections = integer('connections', values.connections, 50, 1, 10_000);
  const threads = integer('threads', values.threads, 1, 1, 64);
  if (threads > connections) throw new UsageError('--threads cannot exceed --connections');
  return {
    rows: keys(
      'rows',
      values.rows,
      ROWS.map((r) => r.key),
    ),
    scenarios: SCENARIOS.filter((s) => scenarioKeys.includes(s.key)),
    duration: integer('duration', values.duration, values.quick ? 3 : 10, 1, 3600),
    warmup: integer('warmup', values.warmup, values.quick ? 2 : 3, 0, 3600),
    connections,
    threads,
    rounds: integer('rounds', values.rounds, 1, 1, 20),
    loadgen,
    write: values.write ?? !values.quick,
  };
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** The command as typed, for the docs: `npm run bench -- …` when npm ran it. */
function commandLine(argv: readonly string[]): string {
  const quoted = argv.map((a) => (/^[A-Za-z0-9_./:=,-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`));
  const args = quoted.join(' ');
  if (process.env.npm_lifecycle_event === 'bench') return args ? `npm run bench -- ${args}` : 'npm run bench';
  return args ? `node bench/run.ts ${args}` : 'node bench/run.ts';
}

/** One request of the scenario before loading a row: a row that refuses it is not measured. */
async function probe(target: Target, scenario: Scenario): Promise<string | null> {
  try {
    const res = await request(`${target.url}${scenario.path}`, {
      method: scenario.method,
      headers: { ...scenario.headers, ...target.headers },
      body: scenario.body,
      headersTimeout: 5000,
      bodyTimeout: 5000,
    });
    const body = await res.body.text();
    if (res.statusCode >= 200 && res.statusCode < 300) return null;
    return `probe answered ${res.statusCode}: ${body.slice(0, 120)}`;
  } catch (err) {
    return `probe failed: ${(err as Error).message}`;
  }
}

async function measureRow(
  row: RowSpec,
  target: Target,
  opts: Options,
  gen: LoadGenerator,
  ctx: RowContext,
  loadCpu: string | null,
): Promise<Map<string, Cell>> {
  const cells = new Map<string, Cell>();
  for (const scenario of opts.scenarios) {
    // a row not meant for this scenario has no cell: its table leaves it out
    if (!serves(row, scenario)) continue;
    const refused = await probe(target, scenario);
    if (refused !== null) {
      log(`  ${scenario.key}: not measured, ${refused}`);
      cells.set(scenario.key, { missing: refused });
      continue;
    }
    const load = {
      url: `${target.url}${scenario.path}`,
      scenario,
      headers: target.headers,
      connections: opts.connections,
      threads: opts.threads,
      cpu: loadCpu,
      tmpDir: ctx.tmpDir,
    };
    if (opts.warmup > 0) await gen.run({ ...load, seconds: opts.warmup });
    const result = await gen.run({ ...load, seconds: opts.duration });
    const errors = result.non2xx + result.socketErrors;
    log(
      `  ${scenario.key}: ${Math.round(result.rps)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, ${errors} errors`,
    );
    cells.set(scenario.key, { result });
  }
  return cells;
}

/** The first line of an error's message, bounded for a table cell. */
function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (message.split('\n')[0] ?? '').slice(0, 200);
}

/** Starts one row, measures every scenario, stops it; a row that cannot start gets its reason. */
async function runRow(
  row: RowSpec,
  ctx: RowContext,
  opts: Options,
  gen: LoadGenerator,
  loadCpu: string | null,
): Promise<RowOutcome> {
  log(`row (${row.key}) ${row.label}`);
  // A row that cannot start is reported in its table cells; the other rows still run.
  const started = await row
    .start(ctx)
    .catch((err: unknown) => ({ skip: `failed to start: ${firstLine(err)}` }));
  if ('skip' in started) {
    log(`  skipped: ${started.skip}`);
    const cells = new Map<string, Cell>(
      opts.scenarios
        .filter((s) => serves(row, s))
        .map((s) => [s.key, { missing: `skipped: ${started.skip}` }]),
    );
    return { key: row.key, label: row.label, note: null, cells };
  }
  try {
    const cells = await measureRow(row, started, opts, gen, ctx, loadCpu);
    return { key: row.key, label: row.label, note: started.note ?? null, cells };
  } finally {
    await started.stop();
  }
}

/** The 1, 5 and 15 minute load averages: other work on the machine skews every row. */
function loadText(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
}

function machine(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown cpu';
  return `${availableParallelism()} cores (${model}), Linux ${release()}, Node ${process.version}, load average at start ${loadText()}`;
}

async function main(argv: readonly string[]): Promise<number> {
  let opts: Options | null;
  try {
    opts = options(argv);
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (opts === null) {
    process.stdout.write(HELP);
    return 0;
  }
  const repoRoot = resolve(import.meta.dirname, '..');
  const tmpDir = mkdtempSync(join(tmpdir(), 'rampart-bench-'));
  installCleanup(() => rmSync(tmpDir, { recursive: true, force: true }));

  const machineText = machine();
  // a second of the machine at rest, before anything of the bench runs
  const rest = sampleCpu();
  await sleep(1000);
  const start = sampleCpu();
  const atStart = rest === null || start === null ? null : contentionBetween(rest, start);
  if (atStart !== null && isBusy(atStart))
    log(
      `other processes are running (${contentionText(atStart)}): figures will be noisy; consider --rounds 3`,
    );
  const nproc = availableParallelism();
  let loadCpu: string | null = '0';
  let proxyCpu: string | null = '1';
  let pinning = 'upstream and load generator on CPU 0, proxy under test on CPU 1 (taskset)';
  if (nproc < 2 || !hasCommand('taskset')) {
    loadCpu = null;
    proxyCpu = null;
    pinning = nproc < 2 ? `none: only ${nproc} core` : 'none: taskset is missing';
    log(`not pinning CPUs (${pinning}); every process shares the cores`);
  }

  const gen = findLoadGenerator(opts.loadgen, log);
  log(`load generator: ${gen.name} ${gen.version}`);

  const { upstream, ctx } = await startBenchUpstream(repoRoot, tmpDir, { loadCpu, proxyCpu }, log);

  const rows = ROWS.filter((r) => opts.rows.includes(r.key));
  // Rounds interleave the rows, so that a burst of other work on the machine hits them all alike.
  const rounds: RowOutcome[][] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    if (opts.rounds > 1) log(`round ${round} of ${opts.rounds}`);
    const outcomes: RowOutcome[] = [];
    for (const row of rows) outcomes.push(await runRow(row, ctx, opts, gen, loadCpu));
    rounds.push(outcomes);
  }
  const outcomes = rows.map((_, i) => medianOutcome(rounds.map((r) => r[i]!)));
  await stopChild(upstream);
  const end = sampleCpu();
  const during = start === null || end === null ? null : contentionBetween(start, end);

  const info: RunInfo = {
    date: new Date().toISOString().replace(/\.[0-9]+Z$/, 'Z'),
    command: commandLine(argv),
    machine: `${machineText}, at end ${loadText()}`,
    load: `${gen.name} ${gen.version}, ${opts.connections} connections, ${opts.threads} thread(s), ${opts.warmup} s warm-up then ${opts.duration} s measured per cell${opts.rounds > 1 ? `, median of ${opts.rounds} interleaved rounds` : ''}`,
    pinning,
    others: during === null ? null : contentionText(during),
    busy: (atStart !== null && isBusy(atStart)) || (during !== null && isBusy(during)),
  };
  const markdown = report(info, opts.scenarios, outcomes, RATIOS, rounds);
  process.stdout.write(`\n${markdown}\n`);
  if (opts.write) {
    const docs = join(repoRoot, 'docs', 'benchmarks.md');
    writeDocs(docs, markdown);
    log(`recorded in ${docs}`);
  }
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (!wasInterrupted()) process.stderr.write(`bench: failed: ${(err as Error).stack ?? String(err)}\n`);
  await stopAll();
  process.exitCode = 1;
}
