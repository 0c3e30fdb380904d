// Audit speed: a generated 1,000-operation OpenAPI document, written to a temporary file, loaded
// (parse, $ref resolution, structural checks) and audited with every rule, as `rampart audit` does.
// Run by hand: node bench/audit-speed.ts [operations=1000] [runs=5]. Target: < 2 s per run.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditDocument } from '../src/audit/audit.ts';
import { loadOpenApi } from '../src/openapi/load.ts';
import { generateOpenApi } from '../test/audit/generate.ts';

const operations = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 5);
const dir = await mkdtemp(join(tmpdir(), 'rampart-audit-bench-'));
try {
  const file = join(dir, 'openapi.yaml');
  const text = generateOpenApi(operations);
  await writeFile(file, text);
  console.log(`document: ${operations} operations, ${(text.length / 1024).toFixed(0)} KiB of YAML`);
  const totals: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const t0 = performance.now();
    const doc = await loadOpenApi(file);
    const t1 = performance.now();
    const report = auditDocument(doc);
    const t2 = performance.now();
    totals.push(t2 - t0);
    console.log(
      `run ${run}: load ${(t1 - t0).toFixed(0)} ms, audit ${(t2 - t1).toFixed(0)} ms, total ${(t2 - t0).toFixed(0)} ms` +
        ` (${report.findings.length} findings, score ${report.score.score})`,
    );
  }
  const sorted = [...totals].sort((a, b) => a - b);
  console.log(
    `first (cold) ${totals[0]!.toFixed(0)} ms, median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms, target < 2000 ms`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
