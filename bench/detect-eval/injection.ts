/**
 * Detection benchmark: runs the injection engine over the shared attack corpora (detection
 * rate per class, any kind and same kind) and the benign API inputs (false-positive rate),
 * and measures inspections per second and the slowest single input. Prints markdown.
 *
 *   node bench/detect-eval/injection.ts            # summary
 *   node bench/detect-eval/injection.ts --misses   # also list misses and false positives
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { InjectionKind } from '../../src/detect/injection/index.ts';
import { detectInjection, INJECTION_KINDS } from '../../src/detect/injection/index.ts';

const corpusUrl = new URL('../../../shared/corpus/', import.meta.url);
const corpus = fileURLToPath(corpusUrl);
if (!existsSync(`${corpus}attacks`) || !existsSync(`${corpus}benign/api-inputs.txt`)) {
  process.stderr.write(`corpus not found at ${corpus} (expected attacks/*.txt and benign/api-inputs.txt)\n`);
  process.exit(2);
}
const showMisses = process.argv.includes('--misses');

function lines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '');
}

const pct = (n: number, d: number): string => (d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`);

interface Row {
  readonly name: string;
  readonly total: number;
  readonly any: number;
  readonly same: number | null;
}

const rows: Row[] = [];
const all: string[] = [];
const misses: string[] = [];
for (const file of readdirSync(`${corpus}attacks`)
  .filter((f) => f.endsWith('.txt'))
  .sort()) {
  const name = file.slice(0, -4);
  const payloads = lines(`${corpus}attacks/${file}`);
  all.push(...payloads);
  const kind = (INJECTION_KINDS as readonly string[]).includes(name) ? (name as InjectionKind) : null;
  let any = 0;
  let same = 0;
  for (const p of payloads) {
    const d = detectInjection(p);
    if (d !== null) any += 1;
    else if (showMisses) misses.push(`${name}: ${p.slice(0, 160)}`);
    if (d !== null && d.kind === kind) same += 1;
  }
  rows.push({ name, total: payloads.length, any, same: kind === null ? null : same });
}

const benign = lines(`${corpus}benign/api-inputs.txt`);
all.push(...benign);
const falsePositives: string[] = [];
for (const b of benign) {
  const d = detectInjection(b);
  if (d !== null) falsePositives.push(`${b}  →  ${d.kind} ${d.rule} "${d.fragment}"`);
}

// Throughput over everything, a few rounds after a warm-up; and the slowest single input.
for (const v of all) detectInjection(v);
const rounds = 5;
const t0 = process.hrtime.bigint();
for (let r = 0; r < rounds; r++) for (const v of all) detectInjection(v);
const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
let slowest = { ms: 0, value: '' };
for (const v of all) {
  const s = process.hrtime.bigint();
  detectInjection(v);
  const ms = Number(process.hrtime.bigint() - s) / 1e6;
  if (ms > slowest.ms) slowest = { ms, value: v };
}

const out: string[] = [];
out.push('| class | payloads | detected (any kind) | detected (same kind) |');
out.push('| --- | ---: | ---: | ---: |');
let total = 0;
let totalAny = 0;
for (const r of rows) {
  total += r.total;
  totalAny += r.any;
  out.push(
    `| ${r.name} | ${r.total} | ${pct(r.any, r.total)} | ${r.same === null ? '-' : pct(r.same, r.total)} |`,
  );
}
out.push(`| **all attacks** | ${total} | ${pct(totalAny, total)} | |`);
out.push('');
out.push('| benign inputs | false positives | rate |');
out.push('| ---: | ---: | ---: |');
out.push(`| ${benign.length} | ${falsePositives.length} | ${pct(falsePositives.length, benign.length)} |`);
out.push('');
out.push('| inspections | inspections/s | mean µs | slowest single input |');
out.push('| ---: | ---: | ---: | --- |');
const count = all.length * rounds;
out.push(
  `| ${count} | ${Math.round(count / elapsed)} | ${((elapsed * 1e6) / count).toFixed(1)} | ${slowest.ms.toFixed(3)} ms (${slowest.value.length} chars) |`,
);
if (falsePositives.length > 0) out.push('', 'False positives:', ...falsePositives.map((f) => `- ${f}`));
if (showMisses) out.push('', 'Misses:', ...misses.map((m) => `- ${m}`));
process.stdout.write(`${out.join('\n')}\n`);
