import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { startDemoApi } from '../../examples/demo-api/server.ts';
import { loadOpenApi } from '../../src/openapi/load.ts';
import { applyBaseline, BaselineError, formatBaseline, parseBaseline } from '../../src/scanner/baseline.ts';
import { loadScanConfig } from '../../src/scanner/config.ts';
import { runScan, type ScanResult } from '../../src/scanner/engine.ts';
import { formatConsole } from '../../src/scanner/report/console.ts';
import { formatHtml } from '../../src/scanner/report/html.ts';
import { formatJson } from '../../src/scanner/report/json.ts';
import { formatJunit } from '../../src/scanner/report/junit.ts';
import { failsAt, type ScanReport, sortFindings } from '../../src/scanner/report/model.ts';
import { formatSarif } from '../../src/scanner/report/sarif.ts';
import { sarifErrors } from '../helpers/sarif-schema.ts';

// The parts of the SARIF 2.1.0 schema that code-scanning UIs rely on (the full schema is not vendored).
const SARIF_SUBSET = {
  type: 'object',
  required: ['version', 'runs'],
  properties: {
    version: { const: '2.1.0' },
    runs: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['tool', 'results'],
        properties: {
          tool: {
            type: 'object',
            required: ['driver'],
            properties: {
              driver: {
                type: 'object',
                required: ['name', 'rules'],
                properties: {
                  rules: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['id', 'shortDescription', 'fullDescription', 'help', 'properties'],
                      properties: {
                        defaultConfiguration: {
                          type: 'object',
                          properties: { level: { enum: ['none', 'note', 'warning', 'error'] } },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
          results: {
            type: 'array',
            items: {
              type: 'object',
              required: ['ruleId', 'ruleIndex', 'level', 'message', 'locations', 'partialFingerprints'],
              properties: {
                level: { enum: ['none', 'note', 'warning', 'error'] },
                message: { type: 'object', required: ['text'] },
                locations: { type: 'array', minItems: 1 },
              },
            },
          },
        },
      },
    },
  },
};

describe('scan reports and baselines', () => {
  let api: Awaited<ReturnType<typeof startDemoApi>>;
  let result: ScanResult;
  let report: ScanReport;
  before(async () => {
    api = await startDemoApi({ quiet: true });
    const document = await loadOpenApi(
      new URL('../../examples/demo-api/openapi.yaml', import.meta.url).pathname,
    );
    const loaded = await loadScanConfig(new URL('../../examples/scan-demo.yaml', import.meta.url).pathname);
    const config = {
      ...loaded,
      rate: 1000,
      only: new Set(['sqli', 'server-banner', 'bola', 'security-headers']),
    };
    result = await runScan({ document, target: api.url, config });
    report = { result, findings: sortFindings(result.findings), accepted: [] };
  });
  after(() => api.close());

  it('SARIF: 2.1.0 shape, one rule per check with category and CWE, results pointing at their rules', () => {
    const sarif: unknown = JSON.parse(formatSarif(report, 'examples/demo-api/openapi.yaml'));
    const validate = new Ajv({ strict: false }).compile(SARIF_SUBSET);
    assert.ok(validate(sarif), JSON.stringify(validate.errors));
    assert.deepEqual(sarifErrors(sarif), [], 'valid against the official SARIF 2.1.0 schema');
    // biome-ignore lint/suspicious/noExplicitAny: a parsed JSON document, shape checked just above
    const run = (sarif as any).runs[0];
    assert.deepEqual(run.tool.driver.rules.map((r: { id: string }) => r.id).sort(), [
      'bola',
      'security-headers',
      'server-banner',
      'sqli',
    ]);
    for (const r of run.results) {
      assert.equal(run.tool.driver.rules[r.ruleIndex].id, r.ruleId);
      assert.equal(r.locations[0].physicalLocation.artifactLocation.uri, 'examples/demo-api/openapi.yaml');
    }
    const sqli = run.tool.driver.rules.find((r: { id: string }) => r.id === 'sqli');
    assert.equal(sqli.properties['security-severity'], '9.5');
    assert.ok(sqli.properties.tags.includes('external/cwe/cwe-89'));
    assert.ok(run.results.some((r: { ruleId: string }) => r.ruleId === 'sqli'));
  });

  it('JUnit: one suite per check, a failure per finding, well-formed escapes', () => {
    const xml = formatJunit(report);
    assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites /);
    assert.equal((xml.match(/<testsuite /g) ?? []).length, 4);
    assert.equal((xml.match(/<failure /g) ?? []).length, report.findings.length);
    for (const m of xml.matchAll(/message="([^"]*)"/g)) assert.ok(!/[<>]/.test(m[1] ?? ''));
    assert.ok(!xml.includes('<script'));
  });

  it('HTML: one self-contained file with the evidence, nothing loaded from elsewhere, input escaped', () => {
    const html = formatHtml(report);
    assert.match(html, /^<!doctype html>/);
    assert.ok(!/<script|<link|src=|@import/i.test(html));
    assert.match(html, /default-src 'none'/);
    assert.match(html, /SQLITE_ERROR/);
    // The demo's error body carries quotes and angle brackets only as escaped text.
    assert.ok(!html.includes("q=rampart'"));
  });

  it('JSON and console carry every finding and a summary', () => {
    const json = JSON.parse(formatJson(report));
    assert.equal(json.findings.length, report.findings.length);
    assert.equal(json.summary.critical, report.findings.filter((f) => f.severity === 'critical').length);
    const text = formatConsole(report);
    for (const f of report.findings) assert.ok(text.includes(f.id));
    assert.match(text, /check\s+category\s+severity\s+findings/);
  });

  it('a baseline accepts known findings by id; fail-on counts only the rest', () => {
    const text = formatBaseline(result.findings.filter((f) => f.checkId === 'sqli'));
    const split = applyBaseline(result.findings, parseBaseline(text, 'b.json'));
    assert.ok(split.accepted.length > 0);
    assert.ok(split.accepted.every((f) => f.checkId === 'sqli'));
    assert.equal(split.findings.length + split.accepted.length, result.findings.length);
    assert.equal(failsAt(split.findings, 'critical'), false);
    assert.equal(failsAt(result.findings, 'critical'), true);
    assert.throws(() => parseBaseline('{"accepted": [{}]}', 'b.json'), BaselineError);
    assert.throws(() => parseBaseline('nope', 'b.json'), /b\.json: not JSON/);
  });
});
