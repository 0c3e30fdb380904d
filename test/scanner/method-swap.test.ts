import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startControlApi } from '../../examples/control-api/server.ts';
import { startDemoApi } from '../../examples/demo-api/server.ts';
import { loadOpenApi, parseOpenApi } from '../../src/openapi/load.ts';
import { loadScanConfig, parseScanConfig, type ScanConfig } from '../../src/scanner/config.ts';
import { runScan } from '../../src/scanner/engine.ts';
import { startUsersApi, USERS_OPENAPI, USERS_SCAN_CONFIG } from './fixtures/users-api.ts';

const only = (c: ScanConfig, allowDestructive = true): ScanConfig => ({
  ...c,
  rate: 1000,
  allowDestructive,
  only: new Set(['method-swap']),
});

async function scanFixture(vulnerable: boolean, allowDestructive = true) {
  const api = await startUsersApi({ vulnerable });
  try {
    const document = await parseOpenApi(USERS_OPENAPI, 'users.yaml');
    const config = only(parseScanConfig(USERS_SCAN_CONFIG, 'users-scan.yaml'), allowDestructive);
    const result = await runScan({ document, target: api.url, config });
    return { result, received: [...api.received] };
  } finally {
    await api.close();
  }
}

describe('method-swap check (API5)', () => {
  it('finds undeclared PATCH, PUT and DELETE accepted on another user’s object', async () => {
    const { result, received } = await scanFixture(true);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.findings.map((f) => f.id).sort(), [
      'method-swap:getUser:delete',
      'method-swap:getUser:patch',
      'method-swap:getUser:put',
    ]);
    // alice (the first low-privileged identity) attacked bob's object.
    assert.ok(received.includes('PATCH /users/2'), received.join(', '));
    for (const f of result.findings) {
      assert.equal(f.category, 'API5');
      assert.match(f.message, /an object of bob/);
      assert.match(f.remediation, /Rampart gateway/);
    }
  });

  it('stays silent when undeclared methods are refused', async () => {
    const { result } = await scanFixture(false);
    assert.deepEqual(result.findings, []);
    assert.deepEqual(result.errors, []);
  });

  it('sends no write method without --allow-destructive', async () => {
    const { result, received } = await scanFixture(true, false);
    assert.deepEqual(result.findings, []);
    assert.ok(!received.some((r) => /^(PATCH|PUT|DELETE) /.test(r)), received.join(', '));
  });

  it('stays silent on examples/demo-api (it refuses undeclared methods) and on examples/control-api', async () => {
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
        const seen = new Set<string>();
        const result = await runScan({
          document,
          target: api.url,
          config: only(loaded),
          onProgress: (p) => seen.add(p.check),
        });
        assert.deepEqual(result.findings, [], name);
        assert.deepEqual(result.errors, [], name);
        assert.ok(seen.has('method-swap'), `${name}: the check ran`);
      } finally {
        await api.close();
      }
    }
  });
});
