import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startControlApi } from '../../examples/control-api/server.ts';
import { startDemoApi } from '../../examples/demo-api/server.ts';
import { loadOpenApi, parseOpenApi } from '../../src/openapi/load.ts';
import { loadScanConfig, parseScanConfig, type ScanConfig } from '../../src/scanner/config.ts';
import { runScan } from '../../src/scanner/engine.ts';
import { SSRF_OPENAPI, SSRF_SCAN_CONFIG, startSsrfApi } from './fixtures/ssrf-api.ts';

const only = (c: ScanConfig): ScanConfig => ({ ...c, rate: 1000, only: new Set(['ssrf-internal']) });

async function scanFixture(mode: 'naive' | 'strict') {
  const api = await startSsrfApi({ mode });
  try {
    const document = await parseOpenApi(SSRF_OPENAPI, 'ssrf.yaml');
    return await runScan({
      document,
      target: api.url,
      config: only(parseScanConfig(SSRF_SCAN_CONFIG, 'ssrf-scan.yaml')),
    });
  } finally {
    await api.close();
  }
}

describe('ssrf-internal check (API7)', () => {
  it('finds the octal loopback canary hit and metadata content behind a filter of the dotted forms', async () => {
    const result = await scanFixture('naive');
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.findings.map((f) => f.id).sort(), [
      'ssrf-internal:preview:url:loopback-octal',
      'ssrf-internal:preview:url:metadata-octal',
    ]);
    const metadata = result.findings.find((f) => f.id.endsWith('metadata-octal'));
    // The proof carries both the metadata answer and the control it differs from.
    assert.equal(metadata?.evidence.length, 2);
    assert.match(metadata?.evidence[0]?.response?.body ?? '', /ami-id/);
    assert.doesNotMatch(metadata?.evidence[1]?.response?.body ?? '', /ami-id/);
  });

  it('stays silent when the server normalizes the URL before filtering', async () => {
    const result = await scanFixture('strict');
    assert.deepEqual(result.findings, []);
    assert.deepEqual(result.errors, []);
  });

  it('stays silent on examples/demo-api (plain loopback is the ssrf check’s finding; no metadata here) and examples/control-api', async () => {
    for (const name of ['demo', 'control'] as const) {
      const api =
        name === 'demo'
          ? await startDemoApi({ quiet: true })
          : await startControlApi({ quiet: true, rateLimit: { limit: 1_000_000, windowMs: 60_000 } });
      try {
        const document = await loadOpenApi(
          new URL(`../../examples/${name}-api/openapi.yaml`, import.meta.url).pathname,
        );
        const loaded = await loadScanConfig(
          new URL(`../../examples/scan-${name}.yaml`, import.meta.url).pathname,
        );
        const result = await runScan({ document, target: api.url, config: only(loaded) });
        assert.deepEqual(result.findings, [], name);
        assert.deepEqual(result.errors, [], name);
      } finally {
        await api.close();
      }
    }
  });
});
