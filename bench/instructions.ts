/**
 * Instructions per request of the process under test, counted by callgrind: a figure that repeats to
 * about ±0.3 % between runs on a noisy machine, where req/s and even CPU time per request move by
 * 30–50 %. Each cell starts its row under `valgrind --tool=callgrind` with instrumentation off, warms
 * it up with a keep-alive client in this process (the JIT must have tiered up, or the figure is of the
 * warm-up), then counts a fixed number of requests between `callgrind_control -i on` and `-i off`
 * and divides the dumped total by that number. Only the rows Node runs can be wrapped.
 *
 *   node bench/instructions.ts --rows b,c,r --scenarios get,post [--requests 10000] [--warmup 20000] [--connections 8]
 *     [--ready 120]   (seconds a row may take to listen under valgrind)
 *     [--keep DIR]    (copy each cell's callgrind dump, and the gateway's /tmp/perf-<pid>.map when it
 *                      ran with NODE_OPTIONS=--perf-basic-prof, into DIR for bench/attribute.ts)
 *
 * Prints instructions per request, and the req/s ratios to rows (c) and (b) these imply at equal
 * instructions. A cell takes about 1.5 minutes with the defaults.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
} from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startBenchUpstream } from './lib/node-rows.ts';
import { hasCommand, installCleanup, spawnChild, stopChild, tail } from './lib/procs.ts';
import { ROWS } from './lib/rows.ts';
import { SCENARIOS, type Scenario } from './lib/scenarios.ts';
import { type RowContext, type RowSpec, type Skipped, serves, type Target } from './lib/target.ts';

/** One request may take this long under valgrind before it counts as a socket error. */
const REQUEST_TIMEOUT_MS = 30_000;
/** A load run stops sending after this many errors: the cell is not measured anyway. */
const MAX_ERRORS = 100;
/** callgrind_control (vgdb) must have answered within this. */
const CONTROL_TIMEOUT_MS = 60_000;
/** Most characters of an error kept for a table cell. */
const CELL_TEXT = 160;

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: 'b,c' },
    scenarios: { type: 'string', default: 'get' },
    requests: { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '20000' },
    connections: { type: 'string', default: '8' },
    ready: { type: 'string', default: '120' },
    keep: { type: 'string' },
  },
});

/** A whole number ≥ `min` from an option, or an error naming the option. */
function count(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
  return n;
}

const rowKeys = [...new Set(values.rows.split(','))];
const scenarios = SCENARIOS.filter((s) => values.scenarios.split(',').includes(s.key));
if (scenarios.length === 0) throw new Error(`no scenario among ${SCENARIOS.map((s) => s.key).join(', ')}`);
const rows = rowKeys.map((key): RowSpec => {
  const row = ROWS.find((r) => r.key === key);
  if (row === undefined) throw new Error(`unknown row ${key}`);
  return row;
});
const requests = count('requests', values.requests, 1);
const warmup = count('warmup', values.warmup, 0);
const connections = count('connections', values.connections, 1);
const readyMs = count('ready', values.ready, 1) * 1000;
for (const cmd of ['valgrind', 'callgrind_control']) {
  if (!hasCommand(cmd)) throw new Error(`${cmd} is not on PATH (Debian: apt-get install valgrind)`);
}
const log = (m: string): void => void process.stderr.write(`instructions: ${m}\n`);

/** What one load run got back. */
interface LoadCount {
  readonly sent: number;
  readonly non2xx: number;
  readonly socketErrors: number;
  /** The first failure, for the table cell. */
  readonly first: string | null;
}

/**
 * Sends exactly `total` requests of the scenario over at most `connections` keep-alive connections
 * (fewer when it stops early, after MAX_ERRORS errors), and counts the answers outside 2xx and the
 * socket errors and timeouts.
 */
async function load(
  url: string,
  scenario: Scenario,
  rowHeaders: Readonly<Record<string, string>>,
  total: number,
): Promise<LoadCount> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const body = scenario.body === null ? null : Buffer.from(scenario.body);
  const headers: Record<string, string> = { ...scenario.headers, ...rowHeaders };
  if (body !== null) headers['content-length'] = String(body.length);
  let sent = 0;
  let non2xx = 0;
  let socketErrors = 0;
  let first: string | null = null;
  const one = (): Promise<void> =>
    new Promise((done) => {
      let settled = false;
      const settle = (failure: 'status' | 'socket' | null, why: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (failure === 'status') non2xx++;
        if (failure === 'socket') socketErrors++;
        if (failure !== null) first ??= why;
        done();
      };
      const req = request(url, { method: scenario.method, agent, headers }, (res) => {
        const status = res.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (!ok && text.length < CELL_TEXT) text += chunk;
        });
        res.once('end', () => settle(ok ? null : 'status', `answered ${status}: ${text.slice(0, 120)}`));
        res.once('error', (err) => settle('socket', err.message));
      });
      // a per-request timer, not the socket timeout: an idle keep-alive socket must not count
      const timer = setTimeout(
        () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)),
        REQUEST_TIMEOUT_MS,
      );
      req.once('error', (err) => settle('socket', err.message));
      req.end(body ?? undefined);
    });
  const worker = async (): Promise<void> => {
    while (sent < total && non2xx + socketErrors < MAX_ERRORS) {
      sent++;
      await one();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(connections, total) }, worker));
  } finally {
    agent.destroy();
  }
  return { sent, non2xx, socketErrors, first };
}

/** What went wrong in a load run, as `phase …`, or null for a clean one. */
function failures(phase: string, c: LoadCount): string | null {
  const errors = c.non2xx + c.socketErrors;
  if (errors === 0) return null;
  const first = c.first ?? '?';
  if (c.sent === 1) return `${phase} ${first}`;
  return `${phase}: ${errors} errors in ${c.sent} requests (${c.non2xx} non-2xx, ${c.socketErrors} socket), first ${first}`;
}

/** True when `pid` is a valgrind tool: a row that ignored the wrapper runs its own binary. */
function underValgrind(pid: number): boolean {
  try {
    return /valgrind|callgrind/.test(readlinkSync(`/proc/${pid}/exe`));
  } catch {
    return false;
  }
}

/** Runs `callgrind_control <args> <pid>`, bounded; throws unless it reports OK (it exits 0 on errors too). */
async function control(pid: number, args: readonly string[]): Promise<void> {
  const argv = ['callgrind_control', `--vgdb-prefix=${vgdbPrefix}`, ...args, String(pid)];
  const child = spawnChild('callgrind_control', argv);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), CONTROL_TIMEOUT_MS);
  });
  const code = await Promise.race([child.exited, timeout]);
  clearTimeout(timer);
  if (code === 'timeout') await stopChild(child);
  const output = `${child.stdout()}${child.stderr()}`;
  if (code !== 0 || !/^\s*OK\./m.test(output) || /Error/.test(output)) {
    const why = code === 'timeout' ? `no answer within ${CONTROL_TIMEOUT_MS / 1000} s` : `exit ${code}`;
    throw new Error(`callgrind_control ${args.join(' ')} ${pid}: ${why}: ${tail(output, 3)}`);
  }
}

/**
 * Instructions (Ir) that callgrind dumped for one process: the sum of the `totals:` of every part
 * file (`-d` writes `<stem>.1`, `.2`…, the exit writes `<stem>`). Throws rather than return a figure
 * when there is no dump, a dump without totals, or nothing counted.
 */
function dumpedInstructions(dir: string, name: string, pid: number): number {
  const stem = `${name}.${pid}`;
  const parts = readdirSync(dir).filter(
    (f) => f === stem || (f.startsWith(`${stem}.`) && /^\d+$/.test(f.slice(stem.length + 1))),
  );
  let sum = 0;
  let dumps = 0;
  for (const part of parts) {
    const text = readFileSync(join(dir, part), 'utf8');
    // callgrind creates `<stem>` at start and fills it at exit: empty when the process was killed
    if (text === '') continue;
    dumps++;
    const events = /^events:(.*)$/m.exec(text)?.[1]?.trim().split(/\s+/) ?? [];
    const column = events.indexOf('Ir');
    const totals = /^totals:(.*)$/m.exec(text)?.[1]?.trim().split(/\s+/);
    if (column < 0 || totals === undefined) throw new Error(`${part}: no Ir totals (a dump cut short?)`);
    const ir = Number(totals[column]);
    if (!Number.isSafeInteger(ir) || ir < 0)
      throw new Error(`${part}: unreadable totals ${totals.join(' ')}`);
    sum += ir;
  }
  if (dumps === 0) throw new Error(`no callgrind dump ${stem}[.N] in ${dir}`);
  if (sum === 0) throw new Error(`callgrind counted no instruction in ${parts.join(', ')}`);
  return sum;
}

const repoRoot = resolve(import.meta.dirname, '..');
const tmpDir = mkdtempSync(join(tmpdir(), 'rampart-instructions-'));
installCleanup(() => rmSync(tmpDir, { recursive: true, force: true }));
// vgdb's pipes in the run's tmp dir, not /tmp: a proxy killed on Ctrl-C leaves them behind
const vgdbPrefix = join(tmpDir, 'vgdb-pipe');
const pin = availableParallelism() >= 2;
const loadCpu = pin ? '0' : null;
const proxyCpu = pin ? '1' : null;
const { upstream, ctx: base } = await startBenchUpstream(
  repoRoot,
  tmpDir,
  { loadCpu, proxyCpu },
  log,
  readyMs,
);

/** Why a whole row is not measured (it could not start, or not under callgrind). */
interface RowSkip {
  readonly rowSkip: string;
}
/** Why one cell has no figure. */
interface Missing {
  readonly missing: string;
}

/** Starts `row` under callgrind: the started target and its valgrind pid, or why the row is skipped. */
async function startWrapped(
  row: RowSpec,
  ctx: RowContext,
): Promise<{ target: Target; pid: number } | RowSkip> {
  let target: Target | Skipped;
  try {
    target = await row.start(ctx);
  } catch (err) {
    // the first line says what failed; the rest is the process's own output
    const first = (err as Error).message.split('\n')[0]?.replace(/:$/, '');
    return { rowSkip: first || 'did not start' };
  }
  if ('skip' in target) return { rowSkip: target.skip };
  const pid = target.pid;
  if (pid !== undefined && underValgrind(pid)) return { target, pid };
  // nginx and the upstream itself ignore the wrapper (or have no process of their own)
  await target.stop();
  return { rowSkip: 'not a row Node runs (bench/lib/node-rows.ts): only those run under callgrind' };
}

/** One cell: probe, warm up, count `requests` requests with instrumentation on, dump, stop, read. */
async function measure(row: RowSpec, scenario: Scenario): Promise<number | RowSkip | Missing> {
  const name = `callgrind.${row.key}.${scenario.key}`;
  const wrap = [
    'valgrind',
    '--tool=callgrind',
    '--smc-check=all-non-file',
    '--instr-atstart=no',
    `--vgdb-prefix=${vgdbPrefix}`,
    `--callgrind-out-file=${join(tmpDir, name)}.%p`,
  ];
  const t0 = Date.now();
  const started = await startWrapped(row, { ...base, wrap });
  if ('rowSkip' in started) return started;
  const { target, pid } = started;
  log(
    `(${row.key}) ${scenario.key}: listening under callgrind after ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
  const url = `${target.url}${scenario.path}`;
  let refused: string | null;
  try {
    refused = failures('probe', await load(url, scenario, target.headers, 1));
    if (refused === null && warmup > 0) {
      refused = failures('warm-up', await load(url, scenario, target.headers, warmup));
    }
    if (refused === null) {
      await control(pid, ['-i', 'on']);
      const measured = await load(url, scenario, target.headers, requests);
      await control(pid, ['-i', 'off']);
      refused = failures('measured run', measured);
      if (refused === null) await control(pid, ['-d']);
    }
  } finally {
    await target.stop();
  }
  if (refused !== null) return { missing: refused };
  const ir = dumpedInstructions(tmpDir, name, pid);
  if (values.keep !== undefined) keepDump(values.keep, name, pid);
  log(
    `(${row.key}) ${scenario.key}: ${Math.round(ir / requests).toLocaleString('en-US')} instructions/request ` +
      `(${ir.toLocaleString('en-US')} over ${requests} requests, 0 errors, ${((Date.now() - t0) / 1000).toFixed(0)} s)`,
  );
  return ir / requests;
}

/** Copies a cell's dump parts (and the JIT's perf map, if Node wrote one) into `dir` for attribution. */
function keepDump(dir: string, name: string, pid: number): void {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(tmpDir))
    if (f.startsWith(`${name}.${pid}`)) copyFileSync(join(tmpDir, f), join(dir, f));
  // under valgrind the guest keeps valgrind's pid, so the map is named after it
  const map = `/tmp/perf-${pid}.map`;
  if (existsSync(map)) copyFileSync(map, join(dir, `${name}.${pid}.perf.map`));
  log(`kept ${name}.${pid}* in ${dir}`);
}

// instructions per request, or why a cell has none, by `row/scenario`
const figures = new Map<string, number | string>();
for (const row of rows) {
  for (const [i, scenario] of scenarios.entries()) {
    if (!serves(row, scenario)) continue;
    const cell = `${row.key}/${scenario.key}`;
    let result: number | RowSkip | Missing;
    try {
      result = await measure(row, scenario);
    } catch (err) {
      result = { missing: `error: ${(err as Error).message}` };
    }
    if (typeof result === 'number') {
      figures.set(cell, result);
    } else if ('missing' in result) {
      log(`(${row.key}) ${scenario.key}: not measured, ${result.missing}`);
      figures.set(cell, `not measured, ${result.missing}`);
    } else {
      // a row that cannot start under callgrind fails the same way for every scenario
      log(`(${row.key}) skipped: ${result.rowSkip}`);
      for (const s of scenarios.slice(i)) figures.set(`${row.key}/${s.key}`, `skipped: ${result.rowSkip}`);
      break;
    }
  }
}
await stopChild(upstream);

/** Text fit for one markdown table cell. */
const cellText = (s: string): string => s.replace(/\s+/g, ' ').replaceAll('|', '\\|').slice(0, CELL_TEXT);
const valgrind = spawnSync('valgrind', ['--version'], { encoding: 'utf8' }).stdout.trim();
const lines = [
  '| row | scenario | instructions/request | row/c at equal instructions | row/b at equal instructions |',
  '| --- | --- | ---: | ---: | ---: |',
];
for (const scenario of scenarios) {
  const c = figures.get(`c/${scenario.key}`);
  const b = figures.get(`b/${scenario.key}`);
  for (const row of rows) {
    const f = figures.get(`${row.key}/${scenario.key}`);
    if (f === undefined) continue;
    if (typeof f === 'string') {
      lines.push(`| (${row.key}) | ${scenario.key} | ${cellText(f)} | | |`);
      continue;
    }
    const vsC = typeof c === 'number' ? (c / f).toFixed(3) : '';
    const vsB = typeof b === 'number' ? (b / f).toFixed(3) : '';
    lines.push(
      `| (${row.key}) | ${scenario.key} | ${Math.round(f).toLocaleString('en-US')} | ${vsC} | ${vsB} |`,
    );
  }
}
process.stdout.write(
  `\n${new Date().toISOString()}, ${valgrind}, Node ${process.version}; per cell ${warmup} warm-up then ${requests} measured requests, ${connections} keep-alive connections\n${lines.join('\n')}\n`,
);
if ([...figures.values()].some((f) => typeof f === 'string')) process.exitCode = 1;
