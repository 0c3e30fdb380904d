import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { auditDocument } from '../../src/audit/audit.ts';
import { loadOpenApi } from '../../src/openapi/load.ts';

const DOC = fileURLToPath(new URL('../../docs/admin-api.openapi.yaml', import.meta.url));

test('rampart audit scores the admin API document at least 80, with every admin route described', async () => {
  const doc = await loadOpenApi(DOC);
  const report = auditDocument(doc);
  assert.equal(report.version, '3.1');
  assert.equal(report.operations, 18);
  assert.ok(
    report.score.score >= 80,
    `score ${report.score.score}: ${report.findings.map((f) => f.rule).join(', ')}`,
  );
  assert.deepEqual(
    report.findings.filter((f) => f.severity === 'critical'),
    [],
  );
});
