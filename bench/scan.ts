// Scan speed: a full `rampart scan` of the deliberately vulnerable demo API (examples/demo-api), with
// the example config (examples/scan-demo.yaml: 20 requests/s, 2 s time-based probes) and destructive
// tests on, then the same against the control API. Run by hand: node bench/scan.ts [rate=config].
// Target (issue 7): the demo scan under 60 s and under 5,000 requests.
import { startControlApi } from '../examples/control-api/server.ts';
import { startDemoApi } from '../examples/demo-api/server.ts';
import { loadOpenApi } from '../src/openapi/load.ts';
import { loadScanConfig } from '../src/scanner/config.ts';
import { runScan, type ScanResult } from '../src/scanner/engine.ts';

const rateArg = process.argv[2] === undefined ? undefined : Number(process.argv[2]);

async function scanOne(name: 'demo' | 'control'): Promise<ScanResult> {
  const api =
    name === 'demo'
      ? await startDemoApi({ quiet: true })
      : await startControlApi({ quiet: true, rateLimit: { limit: 1_000_000, windowMs: 60_000 } });
  try {
    const document = await loadOpenApi(
      new URL(`../examples/${name}-api/openapi.yaml`, import.meta.url).pathname,
    );
    const loaded = await loadScanConfig(new URL(`../examples/scan-${name}.yaml`, import.meta.url).pathname);
    const config = { ...loaded, allowDestructive: true, ...(rateArg !== undefined ? { rate: rateArg } : {}) };
    const perCheck = new Map<string, number>();
    let last = { check: '', requests: 0 };
    const result = await runScan({
      document,
      target: api.url,
      config,
      onProgress: (p) => {
        if (last.check !== '')
          perCheck.set(last.check, (perCheck.get(last.check) ?? 0) + p.requests - last.requests);
        last = { check: p.check, requests: p.requests };
      },
    });
    const checks = [...new Set(result.findings.map((f) => f.checkId))].sort();
    console.log(
      `${name}: ${(result.durationMs / 1000).toFixed(1)} s, ${result.requests} requests (rate cap ${config.rate}/s), ` +
        `${result.findings.length} findings from ${checks.length} checks${result.stopped ? `, stopped: ${result.stopped}` : ''}`,
    );
    if (checks.length > 0) console.log(`  checks with findings: ${checks.join(', ')}`);
    console.log(
      `  requests per check: ${[...perCheck]
        .sort((a, b) => b[1] - a[1])
        .map(([c, n]) => `${c} ${n}`)
        .join(', ')}`,
    );
    return result;
  } finally {
    await api.close();
  }
}

const demo = await scanOne('demo');
await scanOne('control');
const ok = demo.durationMs < 60_000 && demo.requests < 5000;
console.log(`demo target: < 60 s and < 5,000 requests — ${ok ? 'met' : 'NOT met'}`);
