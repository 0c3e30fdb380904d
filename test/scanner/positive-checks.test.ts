import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseOpenApi } from '../../src/openapi/load.ts';
import { parseScanConfig } from '../../src/scanner/config.ts';
import { runScan, type ScanResult } from '../../src/scanner/engine.ts';
import { makeCert } from '../helpers/certs.ts';
import { pgSchema } from '../store/pg.ts';
import { FLAWED_OPENAPI, FLAWED_SCAN_CONFIG, startFlawedApi } from './fixtures/flawed-api.ts';

// One check at a time against the fixture, vulnerable or fixed; 1 s probes keep the timing checks short.
async function scan(
  check: string,
  options: { vulnerable: boolean; tls?: { cert: Buffer; key: Buffer } },
): Promise<{ result: ScanResult; ran: boolean }> {
  const api = await startFlawedApi(options);
  try {
    const document = await parseOpenApi(FLAWED_OPENAPI, 'flawed.yaml');
    const config = {
      ...parseScanConfig(FLAWED_SCAN_CONFIG, 'flawed-scan.yaml'),
      rate: 1000,
      delaySeconds: 1,
      only: new Set([check]),
    };
    let ran = false;
    const result = await runScan({
      document,
      target: api.url,
      config,
      onProgress: (p) => {
        if (p.check === check) ran = true;
      },
    });
    return { result, ran };
  } finally {
    await api.close();
  }
}

// The blind SQL route runs on the test PostgreSQL; without it those cases are skipped, saying why.
const pg = await pgSchema();
const pgSkip = 'skip' in pg ? pg.skip : false;
const skipFor = (check: string) => ({ skip: check === 'sqli' ? pgSkip : false });

const CASES: readonly { check: string; ids: string[]; evidence: RegExp }[] = [
  { check: 'cmdi', ids: ['cmdi:ping:host'], evidence: /sleep/ },
  { check: 'path-traversal', ids: ['path-traversal:getFile:name'], evidence: /root:[^:]*:0:0:/ },
  { check: 'nosqli', ids: ['nosqli:login:password', 'nosqli:login:username'], evidence: /\$ne|\$gt/ },
  { check: 'sqli', ids: ['sqli:countEvents:kind'], evidence: /pg_sleep/ },
  { check: 'cors-reflection', ids: ['cors-reflection:*'], evidence: /rampart-scan\.invalid/ },
  { check: 'trace-enabled', ids: ['trace-enabled:*'], evidence: /rampart-trace-marker/ },
];

describe('injection and misconfiguration checks on a deliberately flawed API (positive path)', () => {
  for (const c of CASES) {
    it(`${c.check} finds the flaw, with evidence`, skipFor(c.check), async () => {
      const { result } = await scan(c.check, { vulnerable: true });
      assert.deepEqual(result.errors, []);
      assert.deepEqual(result.findings.map((f) => f.id).sort(), c.ids);
      for (const f of result.findings) {
        assert.ok(f.evidence.length >= 1, f.id);
        assert.match(JSON.stringify(f.evidence), c.evidence, f.id);
      }
    });

    it(`${c.check} stays silent on the same routes done right`, skipFor(c.check), async () => {
      const { result, ran } = await scan(c.check, { vulnerable: false });
      assert.ok(ran, 'the check ran');
      assert.deepEqual(result.errors, []);
      assert.deepEqual(result.findings, []);
    });
  }

  it(
    'sqli on the blind route is found only by timing (the answer never changes)',
    skipFor('sqli'),
    async () => {
      const { result } = await scan('sqli', { vulnerable: true });
      assert.match(result.findings[0]?.message ?? '', /SQL sleep delayed the answer twice/);
    },
  );
});

describe('weak-transport: TLS below 1.2 (a real TLS server, Node 24 OpenSSL with SECLEVEL=0)', () => {
  let dir: string;
  let tls: { cert: Buffer; key: Buffer };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rampart-tls-'));
    tls = makeCert(dir, 'legacy');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds a server that completes a TLS 1.0/1.1 handshake', async () => {
    const { result } = await scan('weak-transport', { vulnerable: true, tls });
    assert.deepEqual(result.errors, []);
    assert.deepEqual(
      result.findings.map((f) => f.id),
      ['weak-transport:*:tls'],
    );
    assert.match(result.findings[0]?.message ?? '', /completed a TLSv1(\.1)? handshake/);
  });

  it('stays silent on a server with the default minimum (TLS 1.2)', async () => {
    const { result, ran } = await scan('weak-transport', { vulnerable: false, tls });
    assert.ok(ran);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.findings, []);
  });
});
