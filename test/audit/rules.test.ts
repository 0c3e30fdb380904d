import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { auditDocument } from '../../src/audit/audit.ts';
import { RULES } from '../../src/audit/rules/index.ts';
import { CATEGORIES, SEVERITIES } from '../../src/audit/types.ts';
import { loadOpenApi } from '../../src/openapi/load.ts';

const dir = join(import.meta.dirname, 'fixtures', 'rules');

async function findingsOf(ruleId: string, kind: 'fail' | 'pass') {
  const rule = RULES.find((r) => r.id === ruleId)!;
  const doc = await loadOpenApi(join(dir, `${ruleId}.${kind}.yaml`));
  const report = auditDocument(doc, { rules: [rule] });
  return report.findings;
}

describe('audit rules', () => {
  test('every rule has well-formed metadata and a unique id', () => {
    const ids = new Set<string>();
    for (const rule of RULES) {
      assert.match(rule.id, /^[a-z0-9]+\.[a-z0-9-]+$/, rule.id);
      assert.ok(!ids.has(rule.id), `duplicate ${rule.id}`);
      ids.add(rule.id);
      assert.ok(rule.category in CATEGORIES, `${rule.id} category`);
      assert.ok(SEVERITIES.includes(rule.severity), `${rule.id} severity`);
      assert.ok(rule.title.length > 0 && rule.description.length > 20 && rule.fix.length > 10, rule.id);
    }
  });

  test('every rule has a failing and a passing fixture, and no fixture is orphaned', async () => {
    const files = new Set(await readdir(dir));
    for (const rule of RULES) {
      assert.ok(files.has(`${rule.id}.fail.yaml`), `${rule.id}.fail.yaml missing`);
      assert.ok(files.has(`${rule.id}.pass.yaml`), `${rule.id}.pass.yaml missing`);
    }
    assert.equal(files.size, RULES.length * 2);
  });

  for (const rule of RULES) {
    test(`${rule.id}: the failing fixture is reported with its location and pointer`, async () => {
      const findings = await findingsOf(rule.id, 'fail');
      assert.ok(findings.length > 0, `${rule.id} found nothing in its failing fixture`);
      for (const f of findings) {
        assert.equal(f.rule, rule.id);
        assert.equal(f.category, rule.category);
        assert.equal(f.severity, rule.severity);
        assert.equal(f.file, join(dir, `${rule.id}.fail.yaml`));
        assert.ok(f.location && f.location.line > 2 && f.location.column >= 1, `${rule.id} location`);
        assert.ok(f.pointer.startsWith('/'), `${rule.id} pointer ${f.pointer}`);
        assert.ok(f.message.length > 0);
      }
    });

    test(`${rule.id}: the passing fixture is clean`, async () => {
      assert.deepEqual(await findingsOf(rule.id, 'pass'), []);
    });
  }
});
