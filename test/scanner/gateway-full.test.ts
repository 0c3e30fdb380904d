import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { loadOpenApi } from '../../src/openapi/load.ts';
import { loadScanConfig, type ScanConfig } from '../../src/scanner/config.ts';
import { runScan, type ScanResult } from '../../src/scanner/engine.ts';
import { DEMO_CONFIG, type DemoPair, startDemoPair } from '../helpers/demo.ts';

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

/**
 * Demo flaws the gateway config does not stop, so a complete scan through it must still find them.
 * (Others may come and go as demo.yaml gains policies; every finding must at least be a demo flaw.)
 */
const NOT_BLOCKED: readonly [string, string][] = [
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

/**
 * The gateway config of an authorized scan: examples/demo.yaml as it stands, with the scanner's
 * address (loopback) in bruteForce.exemptIps, so that the scan's deliberate failures (bad and forged
 * tokens, wrong passwords) do not lock its IP out of every authenticated route half-way through.
 * Derived at test time so that it follows demo.yaml; written to a temporary directory.
 */
async function scanGatewayConfig(dir: string): Promise<string> {
  const demo = parse(await readFile(DEMO_CONFIG, 'utf8')) as {
    $schema?: string;
    apis: { openapi: string }[];
    bruteForce?: Record<string, unknown>;
  };
  delete demo.$schema;
  for (const api of demo.apis) api.openapi = resolve(dirname(DEMO_CONFIG), api.openapi);
  demo.bruteForce = { ...demo.bruteForce, exemptIps: ['127.0.0.1/32', '::1/128'] };
  const file = join(dir, 'demo-scan-gateway.yaml');
  await writeFile(file, stringify(demo));
  return file;
}

describe('a full scan of the demo through the gateway, scanner IP exempt from brute-force lockout', () => {
  let pair: DemoPair;
  let dir: string;
  let direct: ScanResult;
  let through: ScanResult;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rampart-scan-gw-'));
    pair = await startDemoPair(await scanGatewayConfig(dir));
    direct = await fullScan(pair.direct.url);
    through = await fullScan(pair.gw);
  });
  after(async () => {
    await pair.close();
    await rm(dir, { recursive: true, force: true });
  });

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

  it('still finds what the gateway does not block, and only demo flaws', () => {
    const ids = new Set(through.findings.map((f) => f.id));
    for (const [id, why] of NOT_BLOCKED) assert.ok(ids.has(id), `${id} not found (${why})`);
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
