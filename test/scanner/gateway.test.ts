import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startDemoApi } from '../../examples/demo-api/server.ts';
import { loadConfig } from '../../src/config/load.ts';
import { compilePlan } from '../../src/gateway/plan.ts';
import { startGateway } from '../../src/gateway/server.ts';
import { loadOpenApi } from '../../src/openapi/load.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { closeServices, createServices } from '../../src/policies/services.ts';
import { loadScanConfig } from '../../src/scanner/config.ts';
import { runScan, type ScanResult } from '../../src/scanner/engine.ts';

const DEMO_CONFIG = fileURLToPath(new URL('../../examples/demo.yaml', import.meta.url));

// Each check runs against a fresh demo behind a fresh gateway: the gateway's brute-force policy
// blocks an IP after 20 failures on any route, and a whole scan from one IP would otherwise hide
// later flaws behind 429s (a finding gone because the scanner was blocked proves nothing).
async function scanThroughGateway(check: string): Promise<ScanResult> {
  const behind = await startDemoApi({ quiet: true });
  const loaded = await loadConfig(DEMO_CONFIG, {
    RAMPART_DEMO_PORT: '0',
    RAMPART_DEMO_ADMIN_PORT: '0',
    RAMPART_DEMO_UPSTREAM: behind.url,
  });
  const services = await createServices(loaded.config, loaded.dir);
  const plan = await compilePlan(loaded, { services });
  const gateway = await startGateway(plan, {
    logger: createLogger({ level: 'silent' }, new Writable({ write: (_c, _e, cb) => cb() })),
    metrics: createMetrics(),
  });
  try {
    const document = await loadOpenApi(
      fileURLToPath(new URL('../../examples/demo-api/openapi.yaml', import.meta.url)),
    );
    const config = await loadScanConfig(
      fileURLToPath(new URL('../../examples/scan-demo.yaml', import.meta.url)),
    );
    return await runScan({
      document,
      target: gateway.listeners[0]?.url ?? '',
      config: { ...config, rate: 1000, allowDestructive: true, delaySeconds: 1, only: new Set([check]) },
    });
  } finally {
    await gateway.close();
    await closeServices(services);
    await behind.close();
  }
}

/** Demo flaws the landed gateway policies (examples/demo.yaml) stop, and how the gateway answers the attempts. */
const STOPPED: readonly [string, string][] = [
  ['bola', 'authz ownership rules: 403'],
  ['bfla', 'authz roles on the admin-tagged operation: 403'],
  ['ssrf', 'inspection (ssrf detector): 403'],
  ['mass-assignment', 'request validation (undeclared role): 400'],
  ['unbounded-page-size', 'request validation (limit maximum): 400'],
  ['login-no-limit', 'brute-force policy: 429'],
  ['server-banner', 'response headers stripped'],
  ['security-headers', 'security headers added'],
];

describe('scan of the demo through the gateway (examples/demo.yaml): what the landed policies stop is no longer found', () => {
  for (const [check, how] of STOPPED) {
    it(`${check} is gone (${how})`, async () => {
      const result = await scanThroughGateway(check);
      assert.deepEqual(
        result.findings.map((f) => f.id),
        [],
      );
      assert.deepEqual(result.errors, []);
      assert.equal(result.stopped, undefined);
      // The check was exercised: its identities logged in through the gateway and it sent its requests.
      assert.ok((result.statuses['200'] ?? 0) > 0, JSON.stringify(result.statuses));
      if (!/banner|headers/.test(check)) {
        const refused =
          (result.statuses['400'] ?? 0) + (result.statuses['403'] ?? 0) + (result.statuses['429'] ?? 0);
        assert.ok(refused > 0, `no refusal seen: ${JSON.stringify(result.statuses)}`);
      }
    });
  }
});
