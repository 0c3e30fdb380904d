import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadOpenApi } from '../../src/openapi/load.ts';
import { loadScanConfig, type ScanConfig } from '../../src/scanner/config.ts';
import { runScan, type ScanResult } from '../../src/scanner/engine.ts';
import { DEMO_CONFIG, type DemoPair, startDemoPair } from '../helpers/demo.ts';

const SCAN_GATEWAY_CONFIG = fileURLToPath(new URL('../../examples/demo-scan-gateway.yaml', import.meta.url));
const SPEC = fileURLToPath(new URL('../../examples/demo-api/openapi.yaml', import.meta.url));
const SCAN_CONFIG = fileURLToPath(new URL('../../examples/scan-demo.yaml', import.meta.url));

async function fullScan(target: string): Promise<ScanResult> {
  const loaded: ScanConfig = await loadScanConfig(SCAN_CONFIG);
  return runScan({
    document: await loadOpenApi(SPEC),
    target,
    config: { ...loaded, rate: 1000, allowDestructive: true, delaySeconds: 1 },
  });
}

/** What the demo gateway does not stop, and why the scan still finds it there. */
const NOT_BLOCKED: readonly [string, string][] = [
  [
    'jwt-weak-secret:*',
    'the secret is cracked offline from a token the scan received; the demo keeps secret123',
  ],
  ['no-rate-limit:listOrders', 'demo.yaml rate limits only the login'],
];

/** Checks the landed policies stop (test/scanner/gateway.test.ts checks each alone). */
const STOPPED = [
  'bola',
  'bfla',
  'ssrf',
  'sqli',
  'mass-assignment',
  'unbounded-page-size',
  'login-no-limit',
  'server-banner',
  'security-headers',
  'undeclared-properties',
  'sensitive-data',
  'verbose-errors',
  'user-enumeration',
];

describe('examples/demo-scan-gateway.yaml', () => {
  it('is examples/demo.yaml with bruteForce.exemptIps added, nothing else', async () => {
    const demo = parse(await readFile(DEMO_CONFIG, 'utf8')) as { bruteForce: Record<string, unknown> };
    const scan = parse(await readFile(SCAN_GATEWAY_CONFIG, 'utf8')) as {
      bruteForce: Record<string, unknown>;
    };
    assert.deepEqual(scan.bruteForce.exemptIps, ['127.0.0.1/32', '::1/128']);
    delete scan.bruteForce.exemptIps;
    assert.deepEqual(scan, demo);
  });
});

describe('a full scan of the demo through the gateway, scanner IP exempt from brute-force lockout', () => {
  let pair: DemoPair;
  let direct: ScanResult;
  let through: ScanResult;
  before(async () => {
    pair = await startDemoPair(SCAN_GATEWAY_CONFIG);
    direct = await fullScan(pair.direct.url);
    through = await fullScan(pair.gw);
  });
  after(() => pair.close());

  it('completes: no early stop, no check errors, real answers throughout', () => {
    assert.equal(through.stopped, undefined);
    assert.deepEqual(through.errors, []);
    assert.ok((through.statuses['200'] ?? 0) > 40, JSON.stringify(through.statuses));
    // The policies refused attempts (403 authz/inspection, 400 validation): the scan was not waved through.
    assert.ok(
      (through.statuses['403'] ?? 0) + (through.statuses['400'] ?? 0) > 20,
      JSON.stringify(through.statuses),
    );
  });

  it('finds exactly what the gateway does not block', () => {
    assert.deepEqual(
      through.findings.map((f) => f.id).sort(),
      NOT_BLOCKED.map(([id]) => id),
    );
    const directIds = new Set(direct.findings.map((f) => f.id));
    for (const f of through.findings) assert.ok(directIds.has(f.id), `${f.id} is not a demo flaw`);
  });

  it('no longer finds what the landed policies stop (each of them found directly)', () => {
    const directChecks = new Set(direct.findings.map((f) => f.checkId));
    const throughChecks = new Set(through.findings.map((f) => f.checkId));
    for (const check of STOPPED) {
      assert.ok(directChecks.has(check), `${check} found directly`);
      assert.ok(!throughChecks.has(check), `${check} still found through the gateway`);
    }
  });
});

describe('the same full scan through examples/demo.yaml (no exemption)', () => {
  it('is locked out: most answers are 429 and the flaws the gateway lets through go unseen', async () => {
    const pair = await startDemoPair();
    try {
      const result = await fullScan(pair.gw);
      const total = Object.values(result.statuses).reduce((a, b) => a + b, 0);
      assert.ok((result.statuses['429'] ?? 0) > total / 2, JSON.stringify(result.statuses));
      assert.ok(!result.findings.some((f) => f.id === 'no-rate-limit:listOrders'));
    } finally {
      await pair.close();
    }
  });
});
