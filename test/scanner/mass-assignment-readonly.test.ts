import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOpenApi } from '../../src/openapi/load.ts';
import { parseScanConfig } from '../../src/scanner/config.ts';
import { runScan } from '../../src/scanner/engine.ts';
import { ACCOUNTS_OPENAPI, ACCOUNTS_SCAN_CONFIG, startAccountsApi } from './fixtures/accounts-api.ts';

async function scanAccounts(vulnerable: boolean) {
  const api = await startAccountsApi({ vulnerable });
  try {
    const config = {
      ...parseScanConfig(ACCOUNTS_SCAN_CONFIG, 'accounts-scan.yaml'),
      rate: 1000,
      allowDestructive: true,
      only: new Set(['mass-assignment']),
    };
    const document = await parseOpenApi(ACCOUNTS_OPENAPI, 'accounts.yaml');
    return await runScan({ document, target: api.url, config });
  } finally {
    await api.close();
  }
}

describe('mass-assignment of readOnly properties (API3)', () => {
  it('finds readOnly balance and created_at written through the update (id left alone)', async () => {
    const result = await scanAccounts(true);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(
      result.findings.map((f) => f.id),
      ['mass-assignment:updateAccount'],
    );
    const message = result.findings[0]?.message ?? '';
    assert.match(message, /balance=1010/);
    assert.match(message, /created_at="2001-02-03T04:05:06Z"/);
    assert.doesNotMatch(message, /\bid=|role=/);
  });

  it('stays silent when only writable properties are bound', async () => {
    const result = await scanAccounts(false);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.findings, []);
  });
});
