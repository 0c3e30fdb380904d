import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { EMPTY_ALLOWLIST } from '../../src/secrets/allowlist.ts';
import { MAX_SHOWN_PREFIX, redact } from '../../src/secrets/redact.ts';
import { formatJson, formatSarif, formatTable } from '../../src/secrets/report.ts';
import { RULES } from '../../src/secrets/rules/index.ts';
import { scanPaths } from '../../src/secrets/scan.ts';
import { sarifErrors } from '../helpers/sarif-schema.ts';
import { projectFiles, writeTree } from './fixtures-tree.ts';
import type { Keys } from './keygen.ts';

const { files, keys } = projectFiles();
const root = writeTree(files);
after(() => rmSync(root, { recursive: true, force: true }));
const result = scanPaths({
  paths: ['.'],
  cwd: root,
  gitignore: true,
  maxFileSize: 1 << 20,
  allowlist: EMPTY_ALLOWLIST,
});

/** Asserts no planted secret appears in `output`, not even a 5-character slice of it beyond the prefix. */
function assertRedacted(output: string, k: Keys): void {
  for (const [name, secret] of Object.entries(k)) {
    if (!output.includes(secret.slice(0, MAX_SHOWN_PREFIX))) continue;
    for (let i = MAX_SHOWN_PREFIX; i + 8 <= secret.length; i += 4) {
      const piece = secret.slice(i, i + 8);
      if (/^[A-Za-z0-9/+_-]{8}$/.test(piece) && /[0-9]/.test(piece) && /[A-Za-z]/.test(piece)) {
        assert.ok(!output.includes(piece), `${name}: a slice of the secret leaked into the output`);
      }
    }
  }
}

test('redact shows at most 4 characters and the length', () => {
  assert.equal(redact('ghp_abcdefghijklmnopqrstuvwxyz0123456789'), 'ghp_…(40 chars)');
  assert.equal(redact('abcdefgh'), 'ab…(8 chars)');
  assert.equal(redact('abc'), '…(3 chars)');
});

test('the scan found the planted keys (precondition of the redaction tests)', () => {
  assert.equal(result.findings.length, 8);
});

test('table output lists each finding redacted', () => {
  const out = formatTable(result);
  assert.match(out, /CONFIDENCE\s+RULE\s+LOCATION\s+SECRET/);
  assert.match(out, /src\/config\.js:2:15/);
  assert.match(out, /sk_l…\(40 chars\)/);
  assert.match(out, /8 findings \(8 high, 0 medium, 0 low\)/);
  assertRedacted(out, keys);
});

test('JSON output carries file, line, column, rule, confidence, fingerprint and a redacted secret', () => {
  const out = formatJson(result);
  const doc = JSON.parse(out) as {
    findings: Array<Record<string, unknown>>;
    summary: Record<string, number>;
  };
  const stripe = doc.findings.find((f) => f.rule === 'stripe-secret-key');
  assert.deepEqual(
    {
      ...stripe,
      fingerprint: typeof stripe?.fingerprint,
    },
    {
      rule: 'stripe-secret-key',
      title: 'Stripe live secret key',
      file: 'src/config.js',
      line: 2,
      column: 15,
      endLine: 2,
      endColumn: 55,
      confidence: 'high',
      fingerprint: 'string',
      secret: 'sk_l…(40 chars)',
      length: 40,
    },
  );
  assert.equal(doc.summary.findings, 8);
  assertRedacted(out, keys);
});

test('SARIF output is 2.1.0 with rule metadata, regions and fingerprints, all redacted', () => {
  const out = formatSarif(result, RULES);
  const sarif = JSON.parse(out);
  assert.equal(sarif.version, '2.1.0');
  assert.deepEqual(sarifErrors(sarif), [], 'valid against the official SARIF 2.1.0 schema');
  const run = sarif.runs[0];
  assert.equal(run.tool.driver.rules.length, RULES.length);
  const rule = run.tool.driver.rules.find((r: { id: string }) => r.id === 'github-token');
  assert.ok(rule.fullDescription.text.includes('CRC32'));
  assert.equal(rule.defaultConfiguration.level, 'error');
  const res = run.results.find((r: { ruleId: string }) => r.ruleId === 'github-token');
  assert.equal(run.tool.driver.rules[res.ruleIndex].id, 'github-token');
  assert.deepEqual(res.locations[0].physicalLocation, {
    artifactLocation: { uri: '.env' },
    region: { startLine: 3, startColumn: 14, endLine: 3, endColumn: 54 },
  });
  assert.match(res.partialFingerprints['rampartSecret/v1'], /^[0-9a-f]{16}$/);
  assert.match(res.message.text, /ghp_…\(40 chars\)/);
  const mapped = run.results.find((r: { ruleId: string }) => r.ruleId === 'slack-webhook');
  assert.match(mapped.message.text, /embedded source src\/slack\.ts/);
  assertRedacted(out, keys);
});
