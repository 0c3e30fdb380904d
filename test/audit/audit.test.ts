import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { auditDocument, failsThreshold } from '../../src/audit/audit.ts';
import { AuditConfigError, parseAuditConfig } from '../../src/audit/config.ts';
import { RULES } from '../../src/audit/rules/index.ts';
import { ruleDeduction, scoreFindings } from '../../src/audit/score.ts';
import type { Finding } from '../../src/audit/types.ts';
import { loadOpenApi, parseOpenApi } from '../../src/openapi/load.ts';
import { generateOpenApi } from './generate.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const repo = join(import.meta.dirname, '..', '..');
const ruleIds = new Set(RULES.map((r) => r.id));

describe('inline ignores', () => {
  test('an ignore with a reason silences its rule at and below the object it sits on', async () => {
    const report = auditDocument(await loadOpenApi(join(fixtures, 'ignores.yaml')));
    const strings = report.findings.filter((f) => f.rule === 'schema.string-unbounded');
    // Note's strings are reached through createNote, which ignores the rule; the comment's text is not.
    assert.deepEqual(
      strings.map((f) => f.pointer),
      ['/paths/~1comments/post/requestBody/content/application~1json/schema/properties/text'],
    );
    const silenced = report.suppressed.filter((f) => f.rule === 'schema.string-unbounded');
    assert.deepEqual(silenced.map((f) => f.pointer).sort(), [
      '/components/schemas/Note/properties/body',
      '/components/schemas/Note/properties/title',
    ]);
    assert.equal(silenced[0]?.reason, 'notes are free text; the gateway caps bodies at 64 KiB');
  });

  test('an ignore at the root covers the whole document', async () => {
    const report = auditDocument(await loadOpenApi(join(fixtures, 'ignores.yaml')));
    assert.equal(report.findings.filter((f) => f.rule === 'ratelimit.headers-missing').length, 0);
    assert.equal(report.suppressed.filter((f) => f.rule === 'ratelimit.headers-missing').length, 2);
  });

  test('an ignore without a reason is not applied and is itself a finding', async () => {
    const report = auditDocument(await loadOpenApi(join(fixtures, 'ignores.yaml')));
    const invalid = report.findings.filter((f) => f.rule === 'audit.invalid-ignore');
    assert.equal(invalid.length, 1);
    assert.match(invalid[0]!.message, /needs a 'reason'/);
    assert.equal(invalid[0]!.location?.line, 53);
  });

  test('suppressed findings do not count in the score', async () => {
    const report = auditDocument(await loadOpenApi(join(fixtures, 'ignores.yaml')));
    assert.deepEqual(report.score, scoreFindings(report.findings));
  });
});

describe('audit config', () => {
  const file = join(fixtures, 'audit-config.yaml');

  test('disables rules and changes severities', async () => {
    const doc = await loadOpenApi(join(fixtures, 'ignores.yaml'));
    const config = parseAuditConfig(
      'rules:\n  schema.string-unbounded: off\n  audit.invalid-ignore: { severity: critical }\nfailOn: high\nminScore: 70\n',
      file,
      ruleIds,
    );
    const report = auditDocument(doc, { config });
    assert.equal(report.findings.filter((f) => f.rule === 'schema.string-unbounded').length, 0);
    assert.equal(report.rules.find((r) => r.id === 'schema.string-unbounded')?.enabled, false);
    assert.equal(report.findings.find((f) => f.rule === 'audit.invalid-ignore')?.severity, 'critical');
    assert.equal(config.failOn, 'high');
    assert.equal(config.minScore, 70);
  });

  test('errors name file:line:column', () => {
    const bad = (text: string) => {
      try {
        parseAuditConfig(text, file, ruleIds);
      } catch (err) {
        assert.ok(err instanceof AuditConfigError);
        return err.message;
      }
      assert.fail('accepted');
    };
    assert.match(
      bad('rules:\n  no.such-rule: off\n'),
      /audit-config\.yaml:2:3: unknown rule 'no\.such-rule'/,
    );
    assert.match(bad('rules:\n  auth.basic: severe\n'), /:2:3: a rule setting is/);
    assert.match(bad('failOn: sometimes\n'), /:1:1: failOn must be/);
    assert.match(bad('minScore: 101\n'), /:1:1: minScore must be/);
    assert.match(bad('rulez: {}\n'), /:1:1: unknown key 'rulez'/);
    assert.match(bad('rules: [\n'), /audit-config\.yaml:\d+:\d+: /);
  });
});

describe('score', () => {
  const finding = (rule: string, severity: Finding['severity'], category: Finding['category']): Finding => ({
    rule,
    severity,
    category,
    message: 'm',
    file: '/x.yaml',
    pointer: '',
    location: undefined,
  });

  test('weights by severity, with diminishing cost for repeats of one rule', () => {
    assert.equal(ruleDeduction('critical', 1), 25);
    assert.equal(ruleDeduction('high', 2), 24);
    assert.equal(ruleDeduction('medium', 4), 15);
    assert.equal(ruleDeduction('medium', 400), 15);
    assert.equal(ruleDeduction('low', 1), 2);
    assert.equal(ruleDeduction('info', 50), 0);
    const score = scoreFindings([
      finding('a', 'critical', 'API2'),
      finding('b', 'medium', 'API4'),
      finding('b', 'medium', 'API4'),
      finding('c', 'info', 'API2'),
    ]);
    assert.equal(score.score, 100 - 25 - 10);
    const api2 = score.categories.find((c) => c.category === 'API2')!;
    const api4 = score.categories.find((c) => c.category === 'API4')!;
    assert.deepEqual([api2.score, api2.findings, api4.score, api4.findings], [75, 2, 90, 2]);
    assert.equal(score.categories.length, 10);
    assert.equal(scoreFindings([]).score, 100);
  });

  test('never goes below 0', () => {
    const many = ['a', 'b', 'c', 'd', 'e'].map((r) => finding(r, 'critical', 'API1'));
    assert.equal(scoreFindings(many).score, 0);
  });
});

describe('example APIs', () => {
  const demo = join(repo, 'examples', 'demo-api', 'openapi.yaml');
  const control = join(repo, 'examples', 'control-api', 'openapi.yaml');

  test('the deliberately weak demo scores low and its flaws are listed', {
    skip: !existsSync(demo),
  }, async () => {
    const report = auditDocument(await loadOpenApi(demo));
    assert.ok(report.score.score < 50, `demo scored ${report.score.score}`);
    const rules = new Set(report.findings.map((f) => f.rule));
    for (const expected of [
      'auth.credentials-over-http',
      'schema.additional-properties',
      'schema.string-unbounded',
      'authz.sequential-id',
      'authz.admin-without-scopes',
      'ssrf.url-input',
      'responses.401-missing',
      'responses.429-missing',
    ]) {
      assert.ok(rules.has(expected), `demo flaw ${expected} not reported`);
    }
    assert.ok(failsThreshold(report, 'high'));
    for (const f of report.findings) assert.ok(f.location, `${f.rule} at ${f.pointer} has no location`);
  });

  test('the control API scores high (>= 90)', { skip: !existsSync(control) }, async () => {
    const report = auditDocument(await loadOpenApi(control));
    assert.ok(
      report.score.score >= 90,
      `control scored ${report.score.score}: ${report.findings.map((f) => f.rule).join(', ')}`,
    );
    assert.ok(!failsThreshold(report, 'medium'), 'control has a medium-or-worse finding');
  });
});

test('a generated 1,000-operation document audits completely (timing: bench/audit-speed.ts)', async () => {
  const doc = await parseOpenApi(generateOpenApi(1000), join(fixtures, 'generated.yaml'));
  const report = auditDocument(doc);
  assert.equal(report.operations, 1000);
  const counts = new Map<string, number>();
  for (const f of report.findings) counts.set(f.rule, (counts.get(f.rule) ?? 0) + 1);
  // Every weak operation and schema the generator plants is found, each shared schema once.
  assert.equal(counts.get('responses.4xx-missing'), 200);
  assert.equal(counts.get('inventory.operation-id-missing'), 20);
  assert.equal(counts.get('schema.additional-properties'), 100 + 1);
  assert.equal(counts.get('authz.sequential-id'), 1);
  for (const f of report.findings) assert.ok(f.location, `${f.rule} at ${f.pointer} has no location`);
});
