/** The benchmark's markdown: tables, ratios, the run's header, and its section in docs/benchmarks.md. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LoadResult } from './loadgen.ts';
import type { Scenario } from './scenarios.ts';

/** One cell of a table: figures, or why there are none. */
export type Cell = { readonly result: LoadResult } | { readonly missing: string };

/** One row's outcome over every scenario. */
export interface RowOutcome {
  readonly key: string;
  readonly label: string;
  readonly note: string | null;
  /** Keyed by scenario key. */
  readonly cells: ReadonlyMap<string, Cell>;
}

/** Where and how the run was made, for the header of the docs section. */
export interface RunInfo {
  readonly date: string;
  readonly command: string;
  readonly machine: string;
  readonly load: string;
  readonly pinning: string;
  /** CPU other processes took during the run (contention.ts); null where /proc cannot be read. */
  readonly others: string | null;
  /** Other processes or guests took enough CPU, before or during the run, to move the figures. */
  readonly busy: boolean;
}

/**
 * One row's outcome over several rounds: per scenario, the round with the median requests/s
 * (its latencies come with it); a scenario never measured keeps its first reason.
 */
export function medianOutcome(rounds: readonly RowOutcome[]): RowOutcome {
  const first = rounds[0];
  if (first === undefined) throw new Error('medianOutcome: no round');
  const cells = new Map<string, Cell>();
  for (const [scenario, firstCell] of first.cells) {
    const measured: LoadResult[] = [];
    for (const round of rounds) {
      const cell = round.cells.get(scenario);
      if (cell !== undefined && 'result' in cell) measured.push(cell.result);
    }
    measured.sort((x, y) => x.rps - y.rps);
    const median = measured[Math.floor((measured.length - 1) / 2)];
    cells.set(scenario, median === undefined ? firstCell : { result: median });
  }
  const note = rounds.find((r) => r.note !== null)?.note ?? null;
  return { key: first.key, label: first.label, note, cells };
}

export const START_MARKER = '<!-- bench:gateway -->';
export const END_MARKER = '<!-- /bench:gateway -->';

/** Keeps a table cell on one line and its pipes from splitting it. */
function cellText(s: string): string {
  return s.replaceAll('\n', ' ').replaceAll('|', '\\|');
}

function ms(value: number): string {
  return value < 10 ? `${value.toFixed(2)} ms` : `${value.toFixed(1)} ms`;
}

function rowName(row: RowOutcome): string {
  return `(${row.key}) ${row.label}${row.note ? ` — ${row.note}` : ''}`;
}

/** The requests/s of a row in a scenario, when measured. */
function rps(rows: readonly RowOutcome[], key: string, scenario: string): number | null {
  const cell = rows.find((r) => r.key === key)?.cells.get(scenario);
  return cell !== undefined && 'result' in cell ? cell.result.rps : null;
}

/** The markdown table of one scenario, followed by its ratio line. */
export function scenarioTable(
  scenario: Scenario,
  rows: readonly RowOutcome[],
  ratios: readonly (readonly [string, string])[],
  rounds: readonly (readonly RowOutcome[])[] = [],
): string {
  const lines = [
    `### ${scenario.title}`,
    '',
    '| row | req/s | p50 | p99 | errors |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const cell = row.cells.get(scenario.key);
    if (cell === undefined) continue;
    const name = cellText(rowName(row));
    if ('missing' in cell) {
      lines.push(`| ${name} | — | — | — | ${cellText(cell.missing)} |`);
      continue;
    }
    const r = cell.result;
    const errors = r.non2xx + r.socketErrors;
    const rate = Math.round(r.rps).toLocaleString('en-US');
    lines.push(`| ${name} | ${rate} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} | ${errors} |`);
  }
  const parts: string[] = [];
  for (const [top, bottom] of ratios) {
    const a = rps(rows, top, scenario.key);
    const b = rps(rows, bottom, scenario.key);
    if (a !== null && b !== null && b > 0) parts.push(`${top}/${bottom} = ${(a / b).toFixed(2)}`);
  }
  lines.push(
    '',
    parts.length > 0 ? `Ratios of req/s: ${parts.join(' · ')}` : 'Ratios of req/s: none (rows missing)',
  );
  const paired = pairedRatios(scenario.key, rounds, ratios);
  if (paired.length > 0) {
    lines.push(
      '',
      `Median of each round's own ratio (its two rows measured a minute apart, so a machine that drifts during the run skews it less): ${paired.join(' · ')}`,
    );
  }
  return lines.join('\n');
}

/** For each ratio, the median over the rounds of that round's top/bottom req/s; none with fewer than 3 rounds. */
export function pairedRatios(
  scenario: string,
  rounds: readonly (readonly RowOutcome[])[],
  ratios: readonly (readonly [string, string])[],
): string[] {
  if (rounds.length < 3) return [];
  const out: string[] = [];
  for (const [top, bottom] of ratios) {
    const each: number[] = [];
    for (const round of rounds) {
      const a = rps(round, top, scenario);
      const b = rps(round, bottom, scenario);
      if (a !== null && b !== null && b > 0) each.push(a / b);
    }
    if (each.length < 3) continue;
    each.sort((x, y) => x - y);
    out.push(`${top}/${bottom} = ${each[Math.floor(each.length / 2)]!.toFixed(2)}`);
  }
  return out;
}

/** The whole report: run header, then one table per scenario. */
export function report(
  info: RunInfo,
  scenarios: readonly Scenario[],
  rows: readonly RowOutcome[],
  ratios: readonly (readonly [string, string])[],
  rounds: readonly (readonly RowOutcome[])[] = [],
): string {
  const head = [
    '## Gateway throughput',
    '',
    `Measured ${info.date} with \`${info.command}\`.`,
    '',
    `- Machine: ${info.machine}`,
    `- Load: ${info.load}`,
    `- Pinning: ${info.pinning}`,
    ...(info.others === null ? [] : [`- Other processes during the run: ${info.others}`]),
    ...(info.busy
      ? [
          '- **Busy machine**: other processes or guests took CPU before or during this run; the figures are noisy',
        ]
      : []),
    '- Errors: responses outside 2xx (wrk counts 3xx as success; the bench API never redirects) plus socket errors (connect, read, write, timeout)',
  ];
  return [head.join('\n'), ...scenarios.map((s) => scenarioTable(s, rows, ratios, rounds))].join('\n\n');
}

const FILE_HEAD = `# Benchmarks

Figures written by \`npm run bench\` (bench/run.ts); the section between the markers is replaced on
each full run, the rest of this file is kept. See "Method" below for what each row is.

`;

const FILE_TAIL = `

## Method

- **(a) upstream directly**: bench/upstream.ts, a minimal node:http server with fixed JSON bodies
  (bench/configs/openapi.yaml describes it). It shows what CPU 0 (upstream and load generator
  together) can serve: a row close to (a) is limited by CPU 0, not by its proxy. On 2 cores this is
  the case of nginx, whose figure is therefore a lower bound of its ceiling.
- **(b) reference proxy**: bench/reference-proxy.ts, node:http in front of an undici Pool (keep-alive,
  \`pool.stream\`, hop-by-hop headers dropped). The least a Node proxy does; the target for Rampart
  with routing only is (c) ≥ 0.9 × (b).
- **(c) Rampart, routing only**: \`node bin/rampart.js gateway\` with bench/configs/routing.yaml
  (OpenAPI routing and deny by default, no policy).
- **(d) Rampart, demo policies**: the demo's policies (added with the policy issues).
- **(e) nginx**: a plain keep-alive reverse proxy, one worker, no access log: the native ceiling.

Upstream and load generator share CPU 0, the proxy under test runs alone on CPU 1 (\`taskset\`), so a
row measures what one core of proxy achieves. Each cell is a warm-up run (discarded) and a measured
run with the same load. wrk's latency figures suffer from coordinated omission; compare them between
rows of one run, not as absolute service times.

Other work on the machine (a test suite, another build) lands on the pinned cores too and can halve a
row: the header records the load average at the start and end of the run. On a shared machine run
\`npm run bench -- --rounds 3\`: the rows are interleaved three times and each cell keeps its median.
`;

/** Replaces the gateway section of `markdown` (or appends it), keeping everything else. */
export function replaceSection(markdown: string, section: string): string {
  const block = `${START_MARKER}\n${section}\n${END_MARKER}`;
  const start = markdown.indexOf(START_MARKER);
  if (start < 0) return `${markdown.trimEnd()}\n\n${block}\n`;
  const afterStart = start + START_MARKER.length;
  let end = markdown.indexOf(END_MARKER, afterStart);
  let endLength = END_MARKER.length;
  if (end < 0) {
    // A pair of identical markers also delimits the section.
    end = markdown.indexOf(START_MARKER, afterStart);
    endLength = START_MARKER.length;
  }
  if (end < 0) throw new Error(`${START_MARKER} has no closing ${END_MARKER}`);
  return markdown.slice(0, start) + block + markdown.slice(end + endLength);
}

/** Writes `section` into the docs file, creating the file with its method notes when missing. */
export function writeDocs(path: string, section: string): void {
  const current = existsSync(path)
    ? readFileSync(path, 'utf8')
    : `${FILE_HEAD}${START_MARKER}\n${END_MARKER}${FILE_TAIL}`;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, replaceSection(current, section));
}
