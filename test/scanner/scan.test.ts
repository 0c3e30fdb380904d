import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startControlApi } from '../../examples/control-api/server.ts';
import { startDemoApi } from '../../examples/demo-api/server.ts';
import { loadOpenApi } from '../../src/openapi/load.ts';
import { loadScanConfig, type ScanConfig } from '../../src/scanner/config.ts';
import { runScan, type ScanResult } from '../../src/scanner/engine.ts';

// A fast config: the examples' identities, a high rate cap (the target is local), a short sleep.
async function config(name: 'demo' | 'control'): Promise<ScanConfig> {
  const loaded = await loadScanConfig(new URL(`../../examples/scan-${name}.yaml`, import.meta.url).pathname);
  return { ...loaded, rate: 1000, allowDestructive: true, delaySeconds: 1, maxRequests: 1500 };
}

/** Every deliberate flaw of examples/demo-api (README), as the scan's check ids. */
const DEMO_CHECKS = [
  'bola', // 1, 2, 3: users and orders read and changed by another user
  'login-no-limit', // 4
  'user-enumeration', // 5
  'jwt-weak-secret', // 6
  'undeclared-properties', // 7, 8: password_hash, email, role, card_number
  'sensitive-data', // 7, 8: the same, by the classifiers
  'mass-assignment', // 9
  'unbounded-page-size', // 10
  'bfla', // 11
  'ssrf', // 12
  'sqli', // 13
  'verbose-errors', // 14
  'server-banner', // 15
  // Not in the README's list but true of the demo: no rate limiting at all, no nosniff / no-store.
  'no-rate-limit',
  'security-headers',
].sort();

describe('scan of examples/demo-api (deliberately vulnerable)', () => {
  let api: Awaited<ReturnType<typeof startDemoApi>>;
  let result: ScanResult;
  before(async () => {
    api = await startDemoApi({ quiet: true });
    const document = await loadOpenApi(
      new URL('../../examples/demo-api/openapi.yaml', import.meta.url).pathname,
    );
    result = await runScan({ document, target: api.url, config: await config('demo') });
  });
  after(() => api.close());

  it('finds exactly the demo flaws, by check id', () => {
    assert.deepEqual([...new Set(result.findings.map((f) => f.checkId))].sort(), DEMO_CHECKS);
    assert.equal(result.stopped, undefined);
    assert.deepEqual(result.errors, []);
  });

  it('names the operations of each object-level and function-level flaw', () => {
    const ids = new Set(result.findings.map((f) => f.id));
    for (const id of [
      'bola:getUser:read',
      'bola:getOrder:read',
      'bola:updateUser:changed',
      'mass-assignment:updateUser',
      'bfla:deleteUser',
      'ssrf:fetchPreview:url',
      'sqli:searchProducts:q',
      'unbounded-page-size:listOrders',
      'undeclared-properties:getUser',
      'sensitive-data:getOrder',
      'login-no-limit:login',
      'user-enumeration:login',
    ]) {
      assert.ok(ids.has(id), `missing ${id}; got ${[...ids].join(', ')}`);
    }
  });

  it('records every finding completely: category, CWE, severity reasoning, evidence, remediation naming a gateway policy', () => {
    for (const f of result.findings) {
      assert.match(f.category, /^API(10|[1-9])$/);
      assert.ok(f.cwe > 0);
      assert.ok(f.severityReason.length > 20, f.id);
      assert.ok(f.evidence.length > 0, f.id);
      assert.match(f.remediation, /Rampart gateway/, f.id);
    }
  });

  it('redacts credentials: no token, password or cracked secret in the findings', () => {
    const text = JSON.stringify(result.findings);
    for (const secret of ['alice123', 'bob123', 'admin123', 'secret123'])
      assert.ok(!text.includes(secret), secret);
    assert.ok(
      !/eyJ[A-Za-z0-9_-]{20,}\.eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}/.test(text),
      'a whole JWT in evidence',
    );
    assert.ok(text.includes('Bearer [redacted]'));
  });

  it('stays within the request budget the issue sets (well under 5,000)', () => {
    assert.ok(result.requests < 1000, `${result.requests} requests`);
  });
});

describe('scan of examples/control-api (the same routes done right)', () => {
  it('finds nothing', async () => {
    const api = await startControlApi({ quiet: true, rateLimit: { limit: 1_000_000, windowMs: 60_000 } });
    try {
      const document = await loadOpenApi(
        new URL('../../examples/control-api/openapi.yaml', import.meta.url).pathname,
      );
      const seen = new Set<string>();
      const result = await runScan({
        document,
        target: api.url,
        config: await config('control'),
        onProgress: (p) => seen.add(p.check),
      });
      assert.deepEqual(result.findings, []);
      assert.deepEqual(result.errors, []);
      assert.equal(result.stopped, undefined);
      // Every check ran (the empty result is not an empty scan).
      for (const id of ['bola', 'bfla', 'mass-assignment', 'sqli', 'ssrf', 'login-no-limit'])
        assert.ok(seen.has(id), id);
    } finally {
      await api.close();
    }
  });
});
