import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FindingsFormatError, normalizeReport } from '../../../src/platform/findings/normalize.ts';
import { openFindingsStore } from '../../../src/platform/findings/store.ts';

const SCAN = {
  tool: { name: 'rampart-scan', version: '0.1.0' },
  target: 'http://127.0.0.1:8080',
  findings: [
    {
      id: 'bola:GET /users/{id}',
      checkId: 'bola',
      title: 'Broken object level authorization',
      category: 'API1',
      cwe: 639,
      severity: 'high',
      operation: { method: 'GET', path: '/users/{id}', operationId: 'getUser' },
      message: 'user B read user A',
      evidence: [],
      remediation: 'check ownership',
    },
    {
      checkId: 'cors',
      title: 'CORS',
      category: 'API8',
      severity: 'medium',
      operation: { method: '*', path: '*' },
      message: 'm',
      remediation: '',
    },
  ],
};

test('a scan report becomes findings with operation, category and remediation', () => {
  const r = normalizeReport(SCAN);
  assert.equal(r.tool, 'scan');
  assert.equal(r.source, 'http://127.0.0.1:8080');
  assert.deepEqual(r.findings[0], {
    tool: 'scan',
    rule: 'bola',
    title: 'Broken object level authorization',
    severity: 'high',
    category: 'API1',
    location: 'GET /users/{id}',
    message: 'user B read user A',
    remediation: 'check ownership',
  });
  assert.equal(r.findings[1]?.location, '(whole target)');
  assert.equal(r.findings[1]?.remediation, null);
});

test('an audit report takes remediation from its rules and file:line where there is no operation', () => {
  const r = normalizeReport({
    tool: 'rampart',
    file: 'openapi.yaml',
    findings: [
      {
        rule: 'info.contact',
        severity: 'low',
        category: 'API9',
        message: 'no contact',
        file: 'openapi.yaml',
        line: 3,
      },
    ],
    rules: [{ id: 'info.contact', fix: 'Add info.contact.' }],
  });
  assert.deepEqual(r.findings[0], {
    tool: 'audit',
    rule: 'info.contact',
    title: 'info.contact',
    severity: 'low',
    category: 'API9',
    location: 'openapi.yaml:3',
    message: 'no contact',
    remediation: 'Add info.contact.',
  });
});

test('anything else is refused with a message that says what is wrong', () => {
  for (const [body, msg] of [
    [[], /JSON object/],
    [{ tool: 'other' }, /not a rampart scan report/],
    [{ tool: { name: 'rampart-scan' }, findings: 'x' }, /"findings" must be an array/],
    [{ tool: { name: 'rampart-scan' }, findings: [{ severity: 'extreme' }] }, /findings\[0\]\.severity/],
  ] as const) {
    assert.throws(
      () => normalizeReport(body),
      (e: unknown) => e instanceof FindingsFormatError && msg.test((e as Error).message),
    );
  }
});

test('the SQLite store keeps imports across a reopen, most severe findings first', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rampart-findings-'));
  try {
    let store = await openFindingsStore('./f.db', dir);
    const imp = await store.add(normalizeReport(SCAN));
    assert.match(imp.id, /^imp_/);
    await store.close();
    store = await openFindingsStore(join(dir, 'f.db'), '/');
    const { imports, findings } = await store.list();
    assert.deepEqual(
      imports.map((i) => [i.id, i.tool, i.findings]),
      [[imp.id, 'scan', 2]],
    );
    assert.deepEqual(
      findings.map((f) => [f.importId, f.severity]),
      [
        [imp.id, 'high'],
        [imp.id, 'medium'],
      ],
    );
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
