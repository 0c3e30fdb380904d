import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { auditDocument } from '../../src/audit/audit.ts';
import { formatConsole } from '../../src/audit/report/console.ts';
import { formatJson } from '../../src/audit/report/json.ts';
import { formatSarif } from '../../src/audit/report/sarif.ts';
import { loadOpenApi } from '../../src/openapi/load.ts';
import { sarifErrors } from '../helpers/sarif-schema.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const cwd = join(import.meta.dirname, '..', '..');
const report = auditDocument(await loadOpenApi(join(fixtures, 'ignores.yaml')));

describe('audit reports', () => {
  test('console: table with file:line:column, the pointer, score and every category', () => {
    const text = formatConsole(report, cwd);
    assert.match(text, /^rampart audit: test\/audit\/fixtures\/ignores\.yaml \(OpenAPI 3\.1, 2 operations\)/);
    assert.match(text, /SEVERITY\s+RULE\s+LOCATION\s+MESSAGE/);
    assert.match(
      text,
      /schema\.string-unbounded\s+test\/audit\/fixtures\/ignores\.yaml:35:17\s+property 'text'/,
    );
    assert.match(
      text,
      /#\/paths\/~1comments\/post\/requestBody\/content\/application~1json\/schema\/properties\/text/,
    );
    assert.match(text, new RegExp(`Score: ${report.score.score}/100`));
    for (let i = 1; i <= 10; i++) assert.match(text, new RegExp(`^API${i}\\s`, 'm'));
  });

  test('json: findings with file, line, column, pointer; suppressed with reasons', () => {
    const json = JSON.parse(formatJson(report, cwd));
    assert.equal(json.file, 'test/audit/fixtures/ignores.yaml');
    assert.equal(json.score.score, report.score.score);
    const text = json.findings.find((f: { rule: string }) => f.rule === 'schema.string-unbounded');
    assert.deepEqual(
      [text.file, text.line, text.column, text.pointer, text.operation.method],
      [
        'test/audit/fixtures/ignores.yaml',
        35,
        17,
        '/paths/~1comments/post/requestBody/content/application~1json/schema/properties/text',
        'post',
      ],
    );
    assert.ok(json.suppressed.every((f: { reason: string }) => f.reason.length > 0));
    assert.equal(json.rules.length, report.rules.length);
  });

  test('sarif: 2.1.0 with rule metadata, regions and in-source suppressions', () => {
    const sarif = JSON.parse(formatSarif(report, cwd));
    assert.equal(sarif.version, '2.1.0');
    assert.deepEqual(sarifErrors(sarif), [], 'valid against the official SARIF 2.1.0 schema');
    // and the schema check is a real one: a run without a tool driver is not SARIF
    assert.notDeepEqual(sarifErrors({ ...sarif, runs: [{ ...sarif.runs[0], tool: {} }] }), []);
    const run = sarif.runs[0];
    const rules = run.tool.driver.rules;
    assert.ok(rules.length > 20);
    const rule = rules.find((r: { id: string }) => r.id === 'schema.string-unbounded');
    assert.equal(rule.shortDescription.text, 'Request string without maxLength, pattern or format');
    assert.ok(rule.fullDescription.text.length > 0 && rule.help.text.length > 0);
    assert.equal(rule.properties.category, 'API4');
    assert.equal(rule.properties['security-severity'], '5.5');
    const result = run.results.find(
      (r: { ruleId: string; suppressions?: unknown }) =>
        r.ruleId === 'schema.string-unbounded' && !r.suppressions,
    );
    assert.equal(rules[result.ruleIndex].id, 'schema.string-unbounded');
    assert.equal(result.level, 'warning');
    const location = result.locations[0].physicalLocation;
    assert.deepEqual(location.artifactLocation, {
      uri: 'test/audit/fixtures/ignores.yaml',
      uriBaseId: '%SRCROOT%',
    });
    assert.deepEqual(location.region, { startLine: 35, startColumn: 17 });
    const suppressed = run.results.filter((r: { suppressions?: unknown[] }) => r.suppressions);
    assert.equal(suppressed.length, report.suppressed.length);
    assert.equal(suppressed[0].suppressions[0].kind, 'inSource');
    assert.equal(run.results.length, report.findings.length + report.suppressed.length);
    assert.ok(
      run.results.every(
        (r: { partialFingerprints: Record<string, string> }) => r.partialFingerprints['rampartAudit/v1'],
      ),
    );
  });
});
